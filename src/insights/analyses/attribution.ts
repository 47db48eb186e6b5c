import type { Analysis, AnalysisParameter, OutputColumn } from '../analysis.ts';

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
   AND CAST(i.date AS TIMESTAMP) >= conv.conversion_date - INTERVAL 1 DAY * :lookback_days
)`;

/*
 * The credited conversions carry the credited impression's email_address; the
 * unattributed ones carry the email_address of the converter's row in `reached` (the
 * people with any impression, NULL for people never reached), so both UNION branches
 * bring impressions.email_address unmodified to the outermost FROM and an impressions
 * owner's constraint counts, in the unattributed row, the reached people whose
 * conversions no impression in the window preceded.
 */
const sql = `WITH ${LAST_TOUCH_CTES},
reached AS (
  SELECT i.email_address
  FROM {{impressions}} AS i
  GROUP BY i.email_address
),
credited AS (
  SELECT t.email_address, t.impression_email_address, t.price, t.currency,
         t.campaign_id, t.creative_id, TRUE AS attributed
  FROM touches AS t
  WHERE t.touch_rank = 1 AND t.impression_date IS NOT NULL
  UNION ALL
  SELECT t.email_address, r.email_address, t.price, t.currency,
         CAST(NULL AS VARCHAR), CAST(NULL AS VARCHAR), FALSE
  FROM touches AS t
  LEFT JOIN reached AS r ON r.email_address = t.email_address
  WHERE t.touch_rank = 1 AND t.impression_date IS NULL
)
SELECT k.campaign_id,
       k.creative_id,
       k.currency,
       k.attributed,
       COUNT(*) AS conversions,
       COUNT(DISTINCT k.email_address) AS converters,
       SUM(k.price) AS revenue
FROM credited AS k
GROUP BY k.campaign_id, k.creative_id, k.currency, k.attributed
ORDER BY k.attributed DESC, k.campaign_id, k.creative_id, k.currency`;

const columns: readonly OutputColumn[] = [
  { name: 'campaign_id', description: 'Campaign of the credited impression; NULL for unattributed conversions' },
  { name: 'creative_id', description: 'Creative of the credited impression; NULL for unattributed conversions' },
  { name: 'currency', description: 'Currency of the conversions in the row (revenue is never added across currencies)' },
  { name: 'attributed', description: 'true if the conversions were credited to an impression, false for the unattributed row' },
  { name: 'conversions', description: 'Conversions credited (each conversion row counts once)' },
  { name: 'converters', description: 'Distinct people among those conversions' },
  { name: 'revenue', description: 'Sum of price of those conversions, in `currency`' },
];

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
and impressions.email_address (the credited impression's, or for an unattributed conversion
the converter's in the reached people, NULL if never reached) reach the outermost FROM
unmodified through both UNION branches, so a COUNT_DISTINCT constraint of either owner is
enforceable. Under an impressions owner's constraint an unattributed row needs that many
reached people among its converters (people reached outside the window); converters never
reached do not count toward it. Rows are per creative and currency: small creatives or
currencies fall under an owner's minimum before campaigns do.`;

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
  sqlOutput: columns,
  output: columns,
  rule: 'custom',
};
