import type { Analysis } from '../analysis.ts';

/**
 * Planning: reach, impressions, average frequency, effective reach and the frequency
 * distribution by campaign (optionally by creative or placement within a campaign).
 *
 * One output row per (campaign, breakdown, frequency bucket): `users` is that bucket's
 * count; the group figures (reach, impressions, average_frequency, effective_reach)
 * are window aggregates (PARTITION BY campaign and breakdown, never by the identifier)
 * on the per-user rows, repeated on each bucket row with MAX, so they stay right when a
 * small bucket row is suppressed by an output constraint.
 *
 * Privacy shape: the outermost query is a GROUP BY aggregate whose FROM is the per-user
 * CTE, carrying the impressions' `email_address` unmodified (a GROUP BY key inside the
 * CTE, never output); a COUNT_DISTINCT `email_address` output constraint applies to
 * each bucket row (the bucket's users). No identifier is output.
 */
const SQL = `WITH exposures AS (
  SELECT email_address,
    COALESCE(campaign_id, '(missing)') AS campaign_id,
    COALESCE(CASE :by
      WHEN 'creative' THEN creative_id
      WHEN 'placement' THEN placement
      ELSE 'all' END, '(missing)') AS breakdown
  FROM {{impressions}}
  WHERE email_address IS NOT NULL
),
per_user AS (
  SELECT campaign_id, breakdown, email_address, COUNT(*) AS frequency
  FROM exposures
  GROUP BY campaign_id, breakdown, email_address
),
bucketed AS (
  SELECT campaign_id, breakdown, email_address,
    LEAST(frequency, 10) AS bucket_order,
    CASE WHEN frequency >= 10 THEN '10+' ELSE CAST(frequency AS VARCHAR) END AS frequency_bucket,
    COUNT(DISTINCT email_address) OVER (PARTITION BY campaign_id, breakdown) AS reach,
    SUM(frequency) OVER (PARTITION BY campaign_id, breakdown) AS impressions,
    COUNT(DISTINCT CASE WHEN frequency >= :effective_frequency THEN email_address END)
      OVER (PARTITION BY campaign_id, breakdown) AS effective_reach
  FROM per_user
)
SELECT u.campaign_id AS campaign_id, u.breakdown AS breakdown, u.frequency_bucket AS frequency_bucket,
  COUNT(DISTINCT u.email_address) AS users,
  MAX(u.reach) AS reach,
  CAST(MAX(u.impressions) AS BIGINT) AS impressions,
  MAX(CAST(u.impressions AS DOUBLE) / u.reach) AS average_frequency,
  MAX(u.effective_reach) AS effective_reach
FROM bucketed u
GROUP BY u.campaign_id, u.breakdown, u.frequency_bucket, u.bucket_order
ORDER BY u.campaign_id, u.breakdown, u.bucket_order`;

const OUTPUT = [
  { name: 'campaign_id', description: 'Campaign.' },
  { name: 'breakdown', description: "creative_id or placement with `by` = creative | placement; 'all' with `by` = campaign." },
  { name: 'frequency_bucket', description: "Impressions per user in the group: '1' .. '9', '10+'. Rows are in this order." },
  { name: 'users', description: 'Distinct users in the group with that many impressions.' },
  { name: 'reach', description: 'Distinct users with at least one impression in the group (same on each bucket row).' },
  { name: 'impressions', description: 'Impressions in the group (same on each bucket row).' },
  { name: 'average_frequency', description: 'impressions / reach (same on each bucket row).' },
  {
    name: 'effective_reach',
    description: 'Distinct users with at least `effective_frequency` impressions in the group (same on each bucket row).',
  },
] as const;

export const reachFrequency: Analysis = {
  name: 'reach-frequency',
  category: 'planning',
  question: 'How many people did each campaign reach, how often, and how many at an effective frequency?',
  documentation: `Counts, per campaign (and per creative or placement with \`by\`), the impressions each
person received, then reports the distribution of that frequency with the group's reach,
impressions, average frequency and effective reach (people with at least
\`effective_frequency\` impressions). With \`by\` = creative or placement a person counts in each
creative or placement they saw, so reach does not add up across breakdown values.

Caveats: one row per (campaign, breakdown, bucket); buckets without people have no row; group
figures are repeated on each bucket row and computed before suppression. See
docs/insights-planning.md.`,
  tables: ['impressions'],
  columns: { impressions: ['email_address', 'campaign_id', 'creative_id', 'placement'] },
  parameters: [
    {
      name: 'by',
      type: 'VARCHAR',
      default: 'campaign',
      allowed: ['campaign', 'creative', 'placement'],
      description: 'Breakdown within each campaign: campaign (none), creative or placement.',
    },
    {
      name: 'effective_frequency',
      type: 'INTEGER',
      default: '3',
      range: { lo: '1', hi: '1000' },
      description: 'Effective reach counts people with at least this many impressions.',
    },
  ],
  sql: SQL,
  sqlOutput: OUTPUT,
  output: OUTPUT,
  rule: 'custom',
};
