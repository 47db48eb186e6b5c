/**
 * Declarations, SQL fragments and `finish` helpers shared by the planning analyses
 * (audience-overlap, audience-profile, incremental-reach).
 */
import type { CellValue } from '../../engine/engine.ts';
import type { Analysis, AnalysisRows } from '../analysis.ts';

/** The customer dimensions the brand side can be split by (columns of `customers`). */
const CUSTOMER_DIMENSIONS = ['state', 'birth_country', 'status'] as const;

/** Every audience dimension: the customer dimensions, then the platform's device_type. */
export const AUDIENCE_DIMENSIONS = [...CUSTOMER_DIMENSIONS, 'device_type'] as const;

/** Columns read by an analysis of customers vs impressions by an audience dimension. */
export const AUDIENCE_DIMENSION_COLUMNS: Analysis['columns'] = {
  customers: ['email_address', ...CUSTOMER_DIMENSIONS],
  impressions: ['email_address', 'device_type'],
};

/**
 * CTEs `brand` (distinct customers with their value of the customer dimension named by
 * `:<parameter>`, else 'all') and `platform` (distinct impression people with their
 * device_type when `:<parameter>` is device_type, else 'all'); NULL values become
 * '(missing)'. The value column is named `alias`. Ends with `,` before the next CTE.
 */
export function audienceDimensionCtes(parameter: string, alias: string): string {
  return `brand AS (
  SELECT DISTINCT email_address,
    COALESCE(CASE :${parameter}
      WHEN 'state' THEN state
      WHEN 'birth_country' THEN birth_country
      WHEN 'status' THEN status
      ELSE 'all' END, '(missing)') AS ${alias}
  FROM {{customers}}
  WHERE email_address IS NOT NULL
),
platform AS (
  SELECT DISTINCT email_address,
    COALESCE(CASE :${parameter} WHEN 'device_type' THEN device_type ELSE 'all' END, '(missing)') AS ${alias}
  FROM {{impressions}}
  WHERE email_address IS NOT NULL
),`;
}

/** a / b, or null when either is null or b is 0. */
export function ratio(a: number | null, b: number | null): number | null {
  return a === null || b === null || b === 0 ? null : a / b;
}

/** Reads a named column of a row of `rows` as a number (null for NULL). */
export function numberReader(rows: AnalysisRows): (row: readonly CellValue[], column: string) => number | null {
  return (row, column) => {
    const cell = row[rows.columns.indexOf(column)];
    return cell === null || cell === undefined ? null : Number(cell);
  };
}
