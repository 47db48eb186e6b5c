import type { CellValue } from '../../engine/engine.ts';
import type { Analysis, AnalysisRows } from '../analysis.ts';
import { AUDIENCE_DIMENSIONS, AUDIENCE_DIMENSION_COLUMNS, audienceDimensionCtes, ratio } from './planning-shared.ts';

/**
 * Planning: how many of the brand's customers the ad platform can reach, and how much
 * of the platform's audience the brand's customers are, overall or by one segment.
 *
 * Privacy shape: the outermost query is a GROUP BY aggregate; its FROM is a full outer
 * join of the customers' and the impressions' `email_address` columns, carried
 * unmodified (only projected through CTEs), so an owner's COUNT_DISTINCT
 * `email_address` output constraint follows to every output row. No identifier is
 * output: only COUNT(DISTINCT ...) and the segment value. The side that a segment does
 * not split (the platform for a customer dimension, the brand for device_type) is a
 * whole-table total, computed by a window COUNT(DISTINCT ...) OVER () on the joined rows
 * (so it is carried in the same relation as the identifiers, as the custom rule's
 * output-constraint lineage requires, and is not changed by suppression) and taken
 * with MAX. With constraints on both tables a row needs the minimum on both sides: for
 * a segmented row that means on the overlap.
 */
const SQL = `WITH ${audienceDimensionCtes('segment', 'segment')}
people AS (
  SELECT b.email_address AS brand_email, p.email_address AS platform_email,
    CASE
      WHEN :segment = 'none' THEN 'all'
      WHEN :segment = 'device_type' THEN p.segment
      ELSE b.segment
    END AS segment,
    COUNT(DISTINCT b.email_address) OVER () AS brand_total,
    COUNT(DISTINCT p.email_address) OVER () AS platform_total
  FROM brand b FULL OUTER JOIN platform p ON b.email_address = p.email_address
)
SELECT x.segment AS segment,
  CASE WHEN :segment = 'device_type' THEN MAX(x.brand_total) ELSE COUNT(DISTINCT x.brand_email) END AS brand_customers,
  CASE WHEN :segment IN ('none', 'device_type') THEN COUNT(DISTINCT x.platform_email) ELSE MAX(x.platform_total) END AS platform_audience,
  COUNT(DISTINCT CASE WHEN x.platform_email IS NOT NULL THEN x.brand_email END) AS overlap
FROM people x
WHERE x.segment IS NOT NULL
GROUP BY x.segment
ORDER BY x.segment`;

const SQL_OUTPUT = [
  { name: 'segment', description: "The segment value ('all' without a segment; '(missing)' for a NULL value)." },
  {
    name: 'brand_customers',
    description: 'Distinct brand customers in the segment (for device_type: all brand customers, since the brand has no device).',
  },
  {
    name: 'platform_audience',
    description:
      'Distinct people in the platform impressions in the segment (for a customer dimension: the whole platform audience, since the platform has no customer attributes).',
  },
  { name: 'overlap', description: 'Distinct people who are brand customers and in the platform audience, in the segment.' },
] as const;

export const audienceOverlap: Analysis = {
  name: 'audience-overlap',
  category: 'planning',
  question: "How many of the brand's customers can the ad platform reach, and how much of the platform's audience are they?",
  documentation: `Counts both sides and their overlap, by a segment dimension if asked.
The brand side is the distinct \`email_address\` values of \`customers\`; the platform side is
the distinct people in \`impressions\` (its audience as seen through the ads it served).
With \`segment\` = a customer dimension (state, birth_country, status) only the brand side is
split and \`platform_audience\` is the platform total on every row; with device_type only the
platform side is split (a person seen on two devices counts in both rows) and
\`brand_customers\` is the brand total. Shares and the Jaccard index are computed from the
counts after the query (full precision).

Caveats: the platform audience is the people served ads in the data, not the platform's whole
user base. Rows under an owner's minimum count of people are left out silently. See
docs/insights-planning.md.`,
  tables: ['customers', 'impressions'],
  columns: AUDIENCE_DIMENSION_COLUMNS,
  parameters: [
    {
      name: 'segment',
      type: 'VARCHAR',
      default: 'none',
      allowed: ['none', ...AUDIENCE_DIMENSIONS],
      description: 'Split by this dimension (customers: state, birth_country, status; impressions: device_type), or none.',
    },
  ],
  sql: SQL,
  sqlOutput: SQL_OUTPUT,
  finish: (rows) =>
    withRatios(rows, (get) => {
      const brand = get('brand_customers');
      const platform = get('platform_audience');
      const overlap = get('overlap');
      return [ratio(overlap, brand), ratio(overlap, platform), ratio(overlap, addUnion(brand, platform, overlap))];
    }),
  output: [
    ...SQL_OUTPUT,
    { name: 'overlap_share_of_brand', description: 'overlap / brand_customers (0..1): the match rate of the brand file on the platform.' },
    { name: 'overlap_share_of_platform', description: 'overlap / platform_audience (0..1): how much of the platform audience are brand customers.' },
    { name: 'jaccard', description: 'overlap / (brand_customers + platform_audience − overlap) (0..1).' },
  ],
  rule: 'custom',
};

const RATIO_COLUMNS = ['overlap_share_of_brand', 'overlap_share_of_platform', 'jaccard'] as const;

function addUnion(a: number | null, b: number | null, both: number | null): number | null {
  return a === null || b === null || both === null ? null : a + b - both;
}

function withRatios(
  rows: AnalysisRows,
  compute: (get: (column: string) => number | null) => readonly (number | null)[],
): AnalysisRows {
  return {
    columns: [...rows.columns, ...RATIO_COLUMNS],
    rows: rows.rows.map((row) => {
      const get = (column: string): number | null => numberCell(row[rows.columns.indexOf(column)]);
      const extra: CellValue[] = [...compute(get)];
      return [...row, ...extra];
    }),
  };
}

function numberCell(cell: CellValue | undefined): number | null {
  if (cell === null || cell === undefined) return null;
  const n = Number(cell);
  return Number.isFinite(n) ? n : null;
}
