import type { Analysis, OutputColumn } from '../analysis.ts';

/*
 * One row per reached person and matching conversion (impressions' and conversions'
 * email_address unmodified), then one GROUP BY bucket.
 */
const sql = `WITH reach AS (
  SELECT i.email_address, COUNT(*) AS frequency, MIN(i.date) AS first_exposure
  FROM {{impressions}} AS i
  GROUP BY i.email_address
),
people AS (
  -- one row per reached person without a conversion after the first impression, else one per such conversion
  SELECT r.email_address, c.email_address AS conversion_email_address, r.frequency
  FROM reach AS r
  LEFT JOIN {{conversions}} AS c
    ON c.email_address = r.email_address AND c.date >= r.first_exposure
)
SELECT CASE WHEN p.frequency >= 10 THEN '10+' ELSE CAST(p.frequency AS VARCHAR) END AS frequency_bucket,
       LEAST(p.frequency, 10) AS frequency_min,
       COUNT(DISTINCT p.email_address) AS people,
       COUNT(DISTINCT p.conversion_email_address) AS converters,
       CAST(COUNT(DISTINCT p.conversion_email_address) AS DOUBLE)
         / CAST(COUNT(DISTINCT p.email_address) AS DOUBLE) AS conversion_rate,
       COUNT(p.conversion_email_address) AS conversions
FROM people AS p
GROUP BY CASE WHEN p.frequency >= 10 THEN '10+' ELSE CAST(p.frequency AS VARCHAR) END, LEAST(p.frequency, 10)
ORDER BY frequency_min`;

const columns: readonly OutputColumn[] = [
  { name: 'frequency_bucket', description: "Impressions the person received in total: '1' .. '9', '10+'" },
  { name: 'frequency_min', description: 'Sort key: the bucket\'s lowest frequency (1..10)' },
  { name: 'people', description: 'People reached with that frequency' },
  { name: 'converters', description: 'Of them, people with a conversion at or after their first impression' },
  { name: 'conversion_rate', description: 'converters / people' },
  { name: 'conversions', description: 'Their conversions at or after their first impression' },
];

const documentation = `Does conversion rise with the number of ads seen? People reached by the platform
(at least one impression) are bucketed by **frequency = all impressions they received** in
the impressions table (1, 2, …, 9, 10+); a person is a **converter** if they have a
conversion at or after their first impression (same instant counts as after). Conversions
before the first impression are ignored.

Inputs: impressions (email_address, date) and conversions (email_address, date). No
parameters; to analyse one campaign or period, associate a filtered view of impressions.

How to read: \`conversion_rate\` per bucket; a curve that flattens shows where extra
frequency stops paying (frequency capping).

Caveats: descriptive, not causal. Frequency is counted over the whole period, including
impressions after the conversion, and heavy users see more ads and also buy more, so high
buckets overstate the effect of frequency. Output constraint: every row is a GROUP BY
aggregate; impressions.email_address (CTE \`reach\` → \`people\`) and conversions.email_address
(as \`conversion_email_address\`) reach the outermost FROM unmodified, so a COUNT_DISTINCT
constraint of either owner is enforceable (a conversions-owner constraint suppresses buckets
with too few converters).`;

export const frequencyToConversion: Analysis = {
  name: 'frequency-to-conversion',
  category: 'measurement',
  question: 'How does the conversion rate of reached people change with the number of impressions they received?',
  documentation,
  tables: ['impressions', 'conversions'],
  columns: {
    impressions: ['email_address', 'date'],
    conversions: ['email_address', 'date'],
  },
  parameters: [],
  sql,
  sqlOutput: columns,
  output: columns,
  rule: 'custom',
};
