import type { Analysis, AnalysisRows } from '../analysis.ts';
import { AUDIENCE_DIMENSIONS, AUDIENCE_DIMENSION_COLUMNS, audienceDimensionCtes, numberReader, ratio } from './planning-shared.ts';

/**
 * Planning: how the overlap (brand customers the platform reaches) differs from the
 * base on one dimension, as shares and an index.
 *
 * The base is the brand's customers for a customer dimension (state, birth_country,
 * status) and the platform audience for device_type (the brand has no device).
 *
 * Privacy shape: the outermost query is a GROUP BY aggregate over the full outer join
 * of customers and impressions, whose two `email_address` columns are carried
 * unmodified (projected through DISTINCT CTEs), so COUNT_DISTINCT output constraints on
 * both tables follow to each row (with both, a row needs the minimum in the overlap).
 * Totals are window COUNT(DISTINCT ...) OVER () on the joined rows, taken with MAX, so
 * they do not change when rows are suppressed. No identifier is output.
 */
const SQL = `WITH ${audienceDimensionCtes('dimension', 'value')}
people AS (
  SELECT b.email_address AS brand_email, p.email_address AS platform_email,
    CASE WHEN :dimension = 'device_type' THEN p.value ELSE b.value END AS value,
    COUNT(DISTINCT CASE WHEN p.email_address IS NOT NULL THEN b.email_address END) OVER () AS overlap_total,
    COUNT(DISTINCT CASE WHEN :dimension = 'device_type' THEN p.email_address ELSE b.email_address END) OVER () AS base_total
  FROM brand b FULL OUTER JOIN platform p ON b.email_address = p.email_address
)
SELECT x.value AS value,
  COUNT(DISTINCT CASE WHEN x.platform_email IS NOT NULL THEN x.brand_email END) AS overlap_people,
  MAX(x.overlap_total) AS overlap_total,
  COUNT(DISTINCT CASE WHEN :dimension = 'device_type' THEN x.platform_email ELSE x.brand_email END) AS base_people,
  MAX(x.base_total) AS base_total
FROM people x
WHERE x.value IS NOT NULL
GROUP BY x.value
ORDER BY x.value`;

const SQL_OUTPUT = [
  { name: 'value', description: "The dimension's value ('(missing)' for NULL)." },
  { name: 'overlap_people', description: 'Distinct people in the overlap (brand customers in the platform audience) with this value.' },
  { name: 'overlap_total', description: 'Distinct people in the overlap (all values).' },
  { name: 'base_people', description: 'Distinct people in the base with this value (base: brand customers; for device_type the platform audience).' },
  { name: 'base_total', description: 'Distinct people in the base (all values).' },
] as const;

export const audienceProfile: Analysis = {
  name: 'audience-profile',
  category: 'planning',
  question: 'On one dimension, how does the overlap with the platform differ from the base (over- or under-represented values)?',
  documentation: `For each value of the dimension: its share of the overlap, its share of the base, and the
index = share of overlap / share of base × 100 (100 = as in the base; 150 = 1.5 times more
frequent in the overlap). Base: brand customers for state, birth_country, status; the
platform audience for device_type.

Caveats: totals come from the query, so shares stay right when small rows are suppressed (the
shown shares then add up to less than 1); device_type shares add up to more than 1 (several
devices per person). Indexes of small values swing widely. See docs/insights-planning.md.`,
  tables: ['customers', 'impressions'],
  columns: AUDIENCE_DIMENSION_COLUMNS,
  parameters: [
    {
      name: 'dimension',
      type: 'VARCHAR',
      default: 'state',
      allowed: [...AUDIENCE_DIMENSIONS],
      description: 'The dimension to profile: customers state, birth_country, status; impressions device_type.',
    },
  ],
  sql: SQL,
  sqlOutput: SQL_OUTPUT,
  finish: (rows: AnalysisRows): AnalysisRows => {
    const at = numberReader(rows);
    return {
      columns: [...rows.columns, 'share_of_overlap', 'share_of_base', 'index'],
      rows: rows.rows.map((row) => {
        const shareOverlap = ratio(at(row, 'overlap_people'), at(row, 'overlap_total'));
        const shareBase = ratio(at(row, 'base_people'), at(row, 'base_total'));
        const index = shareOverlap === null || shareBase === null || shareBase === 0 ? null : (shareOverlap / shareBase) * 100;
        return [...row, shareOverlap, shareBase, index];
      }),
    };
  },
  output: [
    ...SQL_OUTPUT,
    { name: 'share_of_overlap', description: 'overlap_people / overlap_total (0..1).' },
    { name: 'share_of_base', description: 'base_people / base_total (0..1).' },
    { name: 'index', description: 'share_of_overlap / share_of_base × 100; 100 means no difference.' },
  ],
  rule: 'custom',
};
