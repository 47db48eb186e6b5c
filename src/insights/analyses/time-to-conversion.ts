import type { Analysis, AnalysisRows, OutputColumn } from '../analysis.ts';
import type { CellValue } from '../../engine/engine.ts';
import { cellNumber } from '../statistics.ts';

/** The buckets of whole UTC calendar days between the impression and the conversion. */
const BUCKET = (days: string): string => `CASE
         WHEN ${days} = 0 THEN 'same day'
         WHEN ${days} = 1 THEN '1 day'
         WHEN ${days} = 2 THEN '2 days'
         WHEN ${days} = 3 THEN '3 days'
         WHEN ${days} <= 7 THEN '4-7 days'
         WHEN ${days} <= 14 THEN '8-14 days'
         WHEN ${days} <= 30 THEN '15-30 days'
         ELSE '31+ days' END`;
const ORDER = (days: string): string => `CASE
         WHEN ${days} <= 3 THEN ${days}
         WHEN ${days} <= 7 THEN 4
         WHEN ${days} <= 14 THEN 5
         WHEN ${days} <= 30 THEN 6
         ELSE 7 END`;

/*
 * One row per (conversion, anchor) with the converter's email_address unmodified, then
 * one GROUP BY (anchor, bucket).
 */
const sql = `WITH conv AS (
  -- ROW_NUMBER() OVER () is only a row identity for conversions (two at the same instant stay two)
  SELECT c.email_address, c.date AS conversion_date, ROW_NUMBER() OVER () AS conversion_key
  FROM {{conversions}} AS c
),
exposure AS (
  SELECT conv.conversion_key, conv.email_address, i.email_address AS impression_email_address, conv.conversion_date,
         MIN(i.date) AS first_exposure, MAX(i.date) AS last_exposure
  FROM conv
  JOIN {{impressions}} AS i ON i.email_address = conv.email_address AND i.date <= conv.conversion_date
  GROUP BY conv.conversion_key, conv.email_address, i.email_address, conv.conversion_date
),
elapsed AS (
  SELECT e.email_address, e.impression_email_address, 'first' AS anchor, date_diff('day', e.first_exposure, e.conversion_date) AS days
  FROM exposure AS e
  UNION ALL
  SELECT e.email_address, e.impression_email_address, 'last' AS anchor, date_diff('day', e.last_exposure, e.conversion_date) AS days
  FROM exposure AS e
)
SELECT x.anchor,
       ${BUCKET('x.days')} AS bucket,
       ${ORDER('x.days')} AS bucket_order,
       COUNT(*) AS conversions,
       COUNT(DISTINCT x.email_address) AS converters
FROM elapsed AS x
GROUP BY x.anchor, ${BUCKET('x.days')}, ${ORDER('x.days')}
ORDER BY x.anchor, bucket_order`;

const sqlOutput: readonly OutputColumn[] = [
  { name: 'anchor', description: "'first': time since the person's first impression; 'last': since the last impression at or before the conversion" },
  { name: 'bucket', description: "Whole UTC calendar days between impression and conversion: 'same day', '1 day', '2 days', '3 days', '4-7 days', '8-14 days', '15-30 days', '31+ days'" },
  { name: 'bucket_order', description: 'Sort key 0..7' },
  { name: 'conversions', description: 'Conversions (preceded by at least one impression) in the bucket' },
  { name: 'converters', description: 'Distinct people among them' },
];
const output: readonly OutputColumn[] = [
  ...sqlOutput,
  { name: 'share', description: 'conversions / all conversions of the same anchor in the returned rows' },
];

function finish(rows: AnalysisRows): AnalysisRows {
  const iAnchor = rows.columns.indexOf('anchor');
  const iConv = rows.columns.indexOf('conversions');
  if (iAnchor < 0 || iConv < 0) throw new Error('Internal error: time-to-conversion output lacks anchor or conversions');
  const totals = new Map<CellValue, number>();
  for (const r of rows.rows) totals.set(r[iAnchor] ?? null, (totals.get(r[iAnchor] ?? null) ?? 0) + (cellNumber(r[iConv]) ?? 0));
  return {
    columns: output.map((c) => c.name),
    rows: rows.rows.map((r) => {
      const total = totals.get(r[iAnchor] ?? null) ?? 0;
      const n = cellNumber(r[iConv]);
      return [...r, n !== null && total > 0 ? n / total : null];
    }),
  };
}

const documentation = `How long after seeing an ad do people convert? For every conversion preceded by at
least one impression of the same person (at or before the conversion instant, same instant
counts), two distances are measured: from the person's **first** impression and from the
**last** impression before the conversion. Distances are whole UTC calendar days
(\`date_diff('day', …)\`: an impression at 23:00 and a conversion at 01:00 the next day are
"1 day" apart), bucketed same day, 1, 2, 3, 4-7, 8-14, 15-30, 31+ days.

Inputs: conversions (email_address, date) and impressions (email_address, date). No
parameters; conversions without a prior impression are left out.

How to read: the \`last\` distribution tells how long a lookback window must be to catch
most exposed conversions (compare with \`attribution\`'s \`lookback_days\`); the \`first\`
distribution shows the length of the path to purchase. \`share\` is computed by the
receiver over the rows returned (a suppressed bucket is not in the denominator).

Caveats: an impression before a conversion did not necessarily cause it; a person with
several conversions counts once per conversion in \`conversions\`. Output constraint: every
row is a GROUP BY aggregate over conversion rows and conversions.email_address flows
unmodified (CTE \`conv\` → \`exposure\` → the UNION branches of \`elapsed\` → the outermost
FROM), and so does impressions.email_address (as \`impression_email_address\`, a key of the
per-conversion GROUP BY), so a COUNT_DISTINCT constraint of either owner is enforceable.`;

export const timeToConversion: Analysis = {
  name: 'time-to-conversion',
  category: 'measurement',
  question: 'How much time passes from the first and from the last exposure to a conversion?',
  documentation,
  tables: ['conversions', 'impressions'],
  columns: {
    conversions: ['email_address', 'date'],
    impressions: ['email_address', 'date'],
  },
  parameters: [],
  sql,
  sqlOutput,
  finish,
  output,
  rule: 'custom',
};
