import type { Analysis, AnalysisParameter } from '../analysis.ts';

/** `lookback_days`, shared with `roas`. */
export const LOOKBACK_PARAMETER: AnalysisParameter = {
  name: 'lookback_days',
  type: 'INTEGER',
  default: '7',
  range: { lo: '1', hi: '90' },
  description: 'View-through lookback window in days of 24 hours: an impression counts if it is at most this long before the conversion',
};

/**
 * CTEs `conv` (each conversion row once, with a key) and `touches` (each conversion
 * with its LAST impression of the same person at or before the conversion instant and
 * within `:lookback_days` days; `touch_rank = 1` picks it; a conversion with none keeps
 * one row whose impression columns are NULL). Ties at the same instant go to the
 * smallest campaign_id, then creative_id. Shared by `attribution` and `roas`.
 */
export const LAST_TOUCH_CTES = `conv AS (
  -- one row per conversion row; ROW_NUMBER() OVER () is only a row identity (the CTE is read once)
  SELECT c.email_address, c.date AS conversion_date, c.price, c.currency,
         ROW_NUMBER() OVER () AS conversion_key
  FROM {{conversions}} AS c
),
touches AS (
  SELECT conv.email_address, i.email_address AS impression_email_address, conv.price, conv.currency,
         i.campaign_id, i.creative_id, i.date AS impression_date,
         ROW_NUMBER() OVER (
           PARTITION BY conv.conversion_key
           ORDER BY i.date DESC, i.campaign_id ASC, i.creative_id ASC
         ) AS touch_rank
  FROM conv
  LEFT JOIN {{impressions}} AS i
    ON i.email_address = conv.email_address
   AND i.date <= conv.conversion_date
   AND i.date >= conv.conversion_date - INTERVAL 1 DAY * :lookback_days
)`;

const sql = `WITH ${LAST_TOUCH_CTES}
SELECT t.campaign_id,
       t.creative_id,
       t.currency,
       CASE WHEN t.impression_date IS NULL THEN FALSE ELSE TRUE END AS attributed,
       COUNT(*) AS conversions,
       COUNT(DISTINCT t.email_address) AS converters,
       SUM(t.price) AS revenue
FROM touches AS t
WHERE t.touch_rank = 1
GROUP BY t.campaign_id, t.creative_id, t.currency, CASE WHEN t.impression_date IS NULL THEN FALSE ELSE TRUE END
ORDER BY attributed DESC, t.campaign_id, t.creative_id, t.currency`;

const documentation = `Last-touch, view-through attribution. Each conversion is credited to the **last
impression of the same person at or before the conversion** (an impression at the same
instant counts as before it) that is no more than \`lookback_days\` × 24 hours older than
the conversion. Ties (several impressions at the same last instant) go to the smallest
campaign_id, then creative_id, so every conversion is credited at most once.
Conversions without such an impression are reported in one row per currency with
\`attributed = false\` and campaign_id / creative_id NULL.

Inputs: the brand's conversions (email_address, date, price, currency) and the
platform's impressions (email_address, date, campaign_id, creative_id). Timestamps are UTC.

Revenue is the sum of \`price\` and is reported per currency (never added across currencies).

Caveats: last-touch credit is a bookkeeping rule, not a causal estimate; it gives all the
credit to the last ad seen and none to earlier ones, and credits conversions that would
have happened anyway (use \`conversion-lift\` for incrementality). A conversion in the same
instant as an impression is credited to it. Output constraint: every output row is a
GROUP BY aggregate over conversion rows; conversions.email_address (CTE \`conv\` → \`touches\`)
and the credited impression's email_address (carried as \`impression_email_address\`) both reach
the outermost FROM unmodified, so a COUNT_DISTINCT constraint of either owner is enforceable.
An impressions-owner constraint suppresses the unattributed rows (they hold no impression).`;

export const attribution: Analysis = {
  name: 'attribution',
  category: 'measurement',
  question: 'Which campaigns and creatives get the credit for conversions under last-touch view-through attribution with a lookback window?',
  documentation,
  tables: ['conversions', 'impressions'],
  columns: {
    conversions: ['email_address', 'date', 'price', 'currency'],
    impressions: ['email_address', 'date', 'campaign_id', 'creative_id'],
  },
  parameters: [LOOKBACK_PARAMETER],
  sql,
  sqlOutput: [
    { name: 'campaign_id', description: 'Campaign of the credited impression; NULL for unattributed conversions' },
    { name: 'creative_id', description: 'Creative of the credited impression; NULL for unattributed conversions' },
    { name: 'currency', description: 'Currency of the conversions in the row (revenue is never added across currencies)' },
    { name: 'attributed', description: 'true if the conversions were credited to an impression, false for the unattributed row' },
    { name: 'conversions', description: 'Conversions credited (each conversion row counts once)' },
    { name: 'converters', description: 'Distinct people among those conversions' },
    { name: 'revenue', description: 'Sum of price of those conversions, in `currency`' },
  ],
  output: [
    { name: 'campaign_id', description: 'Campaign of the credited impression; NULL for unattributed conversions' },
    { name: 'creative_id', description: 'Creative of the credited impression; NULL for unattributed conversions' },
    { name: 'currency', description: 'Currency of the conversions in the row (revenue is never added across currencies)' },
    { name: 'attributed', description: 'true if the conversions were credited to an impression, false for the unattributed row' },
    { name: 'conversions', description: 'Conversions credited (each conversion row counts once)' },
    { name: 'converters', description: 'Distinct people among those conversions' },
    { name: 'revenue', description: 'Sum of price of those conversions, in `currency`' },
  ],
  rule: 'custom',
};
