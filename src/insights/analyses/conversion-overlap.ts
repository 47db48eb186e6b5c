import type { Analysis, OutputColumn } from '../analysis.ts';

/*
 * One row per conversion (with its converter's email_address unmodified) and the
 * converter's first exposure, then one GROUP BY over `value`. The `by` parameter picks
 * one UNION branch; in `creative` mode a conversion appears once per creative its
 * converter saw (and once with value NULL when the converter saw none).
 */
const sql = `WITH conv AS (
  SELECT c.email_address, c.date AS conversion_date, c.price
  FROM {{conversions}} AS c
),
person_exposure AS (
  SELECT i.email_address, MIN(i.date) AS first_exposure
  FROM {{impressions}} AS i
  WHERE :by <> 'creative'
  GROUP BY i.email_address
),
creative_exposure AS (
  SELECT i.email_address, i.creative_id, MIN(i.date) AS first_exposure
  FROM {{impressions}} AS i
  WHERE :by = 'creative'
  GROUP BY i.email_address, i.creative_id
),
conversion_rows AS (
  SELECT conv.email_address, e.email_address AS impression_email_address, 'all' AS value, e.first_exposure, conv.conversion_date
  FROM conv LEFT JOIN person_exposure AS e ON e.email_address = conv.email_address
  WHERE :by = 'overall'
  UNION ALL
  SELECT conv.email_address, e.email_address, CAST(conv.price AS VARCHAR), e.first_exposure, conv.conversion_date
  FROM conv LEFT JOIN person_exposure AS e ON e.email_address = conv.email_address
  WHERE :by = 'price'
  UNION ALL
  SELECT conv.email_address, e.email_address, e.creative_id, e.first_exposure, conv.conversion_date
  FROM conv LEFT JOIN creative_exposure AS e ON e.email_address = conv.email_address
  WHERE :by = 'creative'
)
SELECT :by AS breakdown,
       r.value,
       COUNT(DISTINCT r.email_address) AS converters,
       COUNT(DISTINCT CASE WHEN r.first_exposure IS NOT NULL THEN r.email_address END) AS exposed_converters,
       COUNT(DISTINCT CASE WHEN r.first_exposure <= r.conversion_date THEN r.email_address END) AS converters_after_exposure,
       COUNT(*) AS conversions,
       SUM(CASE WHEN r.first_exposure IS NOT NULL THEN 1 ELSE 0 END) AS exposed_conversions,
       SUM(CASE WHEN r.first_exposure <= r.conversion_date THEN 1 ELSE 0 END) AS conversions_after_exposure,
       CAST(COUNT(DISTINCT CASE WHEN r.first_exposure IS NOT NULL THEN r.email_address END) AS DOUBLE)
         / CAST(COUNT(DISTINCT r.email_address) AS DOUBLE) AS exposed_share
FROM conversion_rows AS r
GROUP BY r.value
ORDER BY r.value NULLS LAST`;

const columns: readonly OutputColumn[] = [
  { name: 'breakdown', description: 'The `by` parameter: overall, creative or price' },
  { name: 'value', description: "'all' (overall); the price as text (price); the creative the converters saw, NULL for converters who saw none (creative)" },
  { name: 'converters', description: 'Distinct people with a conversion in the row' },
  { name: 'exposed_converters', description: 'Of them, people with at least one impression (of the row\'s creative in creative mode), at any time' },
  { name: 'converters_after_exposure', description: 'Of them, people with an impression at or before one of their conversions in the row' },
  { name: 'conversions', description: 'Conversions in the row' },
  { name: 'exposed_conversions', description: 'Conversions by exposed people' },
  { name: 'conversions_after_exposure', description: 'Conversions at or after the person\'s first impression (of the row\'s creative in creative mode)' },
  { name: 'exposed_share', description: 'exposed_converters / converters' },
];

const documentation = `How many of the brand's converters the platform reached: the first question of a
measurement collaboration. \`by\` = \`overall\` gives one row; \`price\` one row per price
point of the conversions; \`creative\` one row per creative, counting the converters who saw
that creative (a converter who saw three creatives is in three rows), plus a row with
value NULL for converters who saw no creative at all.

Inputs: conversions (email_address, date, price) and impressions (email_address, date,
creative_id). "Exposed" means at least one impression at any time in the impressions
table; "after exposure" means an impression at or before the conversion (same instant
counts as before). In creative mode both refer to the row's creative.

How to read: in overall and price mode, \`exposed_share\` is the share of converters the
platform reached; in creative mode every creative row has exposed_share 1; divide its
\`converters\` by the \`converters\` of the overall run for the share of all converters who saw
that creative (rows overlap, so they do not add up).

Caveats: overlap is not causation (reached people may be the ones who buy anyway; see
\`conversion-lift\`); price rows mix currencies (a price point is a number, not an amount
in one currency). Output constraint: every row is a GROUP BY aggregate over conversion rows
and conversions.email_address and impressions.email_address (as \`impression_email_address\`,
NULL for unexposed converters) flow unmodified through the CTEs and the UNION branches to the
outermost FROM, so a COUNT_DISTINCT constraint of either owner is enforceable (an
impressions-owner constraint suppresses rows of unexposed converters, such as the NULL
creative row).`;

export const conversionOverlap: Analysis = {
  name: 'conversion-overlap',
  category: 'measurement',
  question: 'How many converters were exposed to the campaigns, overall, by creative and by price?',
  documentation,
  tables: ['conversions', 'impressions'],
  columns: {
    conversions: ['email_address', 'date', 'price'],
    impressions: ['email_address', 'date', 'creative_id'],
  },
  parameters: [
    { name: 'by', type: 'VARCHAR', default: 'overall', allowed: ['overall', 'creative', 'price'], description: 'Breakdown: overall, creative or price' },
  ],
  sql,
  sqlOutput: columns,
  output: columns,
  rule: 'custom',
};
