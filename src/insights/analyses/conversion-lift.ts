import type { Analysis, AnalysisRows, OutputColumn } from '../analysis.ts';
import type { CellValue } from '../../engine/engine.ts';
import { cellNumber, twoProportion } from '../statistics.ts';

/*
 * One row per (person, campaign, arm), email_address unmodified, from the holdout
 * (campaign_audience) or from the exposure split of the brand's customers; then one
 * GROUP BY per campaign counting users and converters of each arm.
 */
const sql = `WITH converters AS (
  SELECT c.email_address, COUNT(*) AS conversions
  FROM {{conversions}} AS c
  GROUP BY c.email_address
),
holdout AS (
  SELECT a.email_address, a.campaign_id, a.test_group AS arm
  FROM {{campaign_audience}} AS a
  WHERE :design = 'holdout' AND a.test_group IN ('test', 'control')
),
campaigns AS (
  SELECT i.campaign_id
  FROM {{impressions}} AS i
  WHERE :design = 'exposure'
  GROUP BY i.campaign_id
),
exposed AS (
  SELECT i.email_address, i.campaign_id, 1 AS is_exposed
  FROM {{impressions}} AS i
  WHERE :design = 'exposure'
  GROUP BY i.email_address, i.campaign_id
),
exposure AS (
  SELECT cu.email_address, k.campaign_id,
         CASE WHEN e.is_exposed IS NULL THEN 'control' ELSE 'test' END AS arm
  FROM {{customers}} AS cu
  CROSS JOIN campaigns AS k
  LEFT JOIN exposed AS e ON e.email_address = cu.email_address AND e.campaign_id = k.campaign_id
),
arms AS (
  SELECT h.email_address, h.campaign_id, h.arm FROM holdout AS h
  UNION ALL
  SELECT x.email_address, x.campaign_id, x.arm FROM exposure AS x
)
SELECT :design AS design,
       g.campaign_id,
       COUNT(DISTINCT CASE WHEN g.arm = 'test' THEN g.email_address END) AS test_users,
       COUNT(DISTINCT CASE WHEN g.arm = 'test' AND v.conversions > 0 THEN g.email_address END) AS test_converters,
       COUNT(DISTINCT CASE WHEN g.arm = 'control' THEN g.email_address END) AS control_users,
       COUNT(DISTINCT CASE WHEN g.arm = 'control' AND v.conversions > 0 THEN g.email_address END) AS control_converters
FROM arms AS g
LEFT JOIN converters AS v ON v.email_address = g.email_address
GROUP BY g.campaign_id
ORDER BY g.campaign_id`;

const sqlOutput: readonly OutputColumn[] = [
  { name: 'design', description: 'holdout (randomised test vs control) or exposure (exposed vs unexposed customers: biased)' },
  { name: 'campaign_id', description: 'Campaign' },
  { name: 'test_users', description: 'People in the test arm (holdout: test group of the campaign audience; exposure: customers with an impression of the campaign)' },
  { name: 'test_converters', description: 'Of them, people with at least one conversion' },
  { name: 'control_users', description: 'People in the control arm (holdout: control group; exposure: customers without an impression of the campaign)' },
  { name: 'control_converters', description: 'Of them, people with at least one conversion' },
];

export const EXPOSURE_CAVEAT =
  'BIASED: exposed vs unexposed is not a randomised comparison (who gets exposed depends on targeting and activity), so this lift is not causal';
export const HOLDOUT_CAVEAT = 'Randomised holdout: intention-to-treat lift of being in the campaign audience';

const output: readonly OutputColumn[] = [
  ...sqlOutput,
  { name: 'test_rate', description: 'test_converters / test_users' },
  { name: 'control_rate', description: 'control_converters / control_users' },
  { name: 'absolute_lift', description: 'test_rate − control_rate (a difference of proportions)' },
  { name: 'relative_lift', description: 'absolute_lift / control_rate (NULL when control_rate is 0)' },
  { name: 'ci95_low', description: 'Lower end of the 95% confidence interval of absolute_lift (Wald, unpooled standard error)' },
  { name: 'ci95_high', description: 'Upper end of that interval' },
  { name: 'z', description: 'Two-proportion z statistic (pooled standard error)' },
  { name: 'p_value', description: 'Two-sided p-value of the z-test of no difference' },
  { name: 'incremental_conversions', description: 'absolute_lift × test_users: converters the campaign added (people, not conversion events)' },
  { name: 'caveat', description: 'How far the comparison can be read as causal' },
];

function finish(rows: AnalysisRows): AnalysisRows {
  const at = (name: string): number => {
    const i = rows.columns.indexOf(name);
    if (i < 0) throw new Error(`Internal error: conversion-lift output has no column ${name}`);
    return i;
  };
  const [iDesign, iTu, iTc, iCu, iCc] = [at('design'), at('test_users'), at('test_converters'), at('control_users'), at('control_converters')];
  const out = rows.rows.map((row): CellValue[] => {
    const n1 = cellNumber(row[iTu]);
    const x1 = cellNumber(row[iTc]);
    const n2 = cellNumber(row[iCu]);
    const x2 = cellNumber(row[iCc]);
    const r = n1 === null || x1 === null || n2 === null || x2 === null ? null : twoProportion({ x1, n1, x2, n2 });
    const caveat = row[iDesign] === 'exposure' ? EXPOSURE_CAVEAT : HOLDOUT_CAVEAT;
    return [
      ...row,
      n1 !== null && x1 !== null && n1 > 0 ? x1 / n1 : null,
      n2 !== null && x2 !== null && n2 > 0 ? x2 / n2 : null,
      r?.difference ?? null,
      r?.relativeDifference ?? null,
      r?.ciLow ?? null,
      r?.ciHigh ?? null,
      r?.z ?? null,
      r?.pValue ?? null,
      r !== null && n1 !== null ? r.difference * n1 : null,
      caveat,
    ];
  });
  return { columns: output.map((c) => c.name), rows: out };
}

const documentation = `Did the campaign cause conversions? Compares the conversion rate (share of people
with at least one conversion) of a test arm with a control arm, per campaign.

\`design\` = \`holdout\` (default) uses the platform's randomised holdout in
\`campaign_audience\`: test = the campaign audience's \`test\` group, control = its
\`control\` group, which got no impressions of that campaign. Because the split is random,
the difference is the causal effect of being in the campaign audience
(intention-to-treat: test people who were never served an ad still count as test).

\`design\` = \`exposure\` splits the brand's customers into those with at least one impression
of the campaign (test) and those without (control). **This comparison is biased**:
exposure is not random (targeting picks likely buyers, active people see more ads), so
the "lift" mixes the ad effect with who was targeted. Use it only when no holdout exists,
as a descriptive comparison; every row carries that caveat.

Inputs: conversions (email_address; every conversion in the table counts, so give the
brand's conversions of the measurement period), campaign_audience (email_address,
campaign_id, test_group), impressions (email_address, campaign_id) and customers
(email_address). The template reads all four tables whichever design runs.

Output: users and converters of each arm (from SQL), then computed by the receiver:
rates, absolute lift (test − control, in rate points), relative lift (absolute /
control rate), the 95% confidence interval of the absolute lift (Wald interval,
unpooled standard error √(p₁(1−p₁)/n₁ + p₂(1−p₂)/n₂)), the z statistic and two-sided
p-value of the two-proportion z-test (pooled standard error √(p(1−p)(1/n₁+1/n₂)),
p = pooled rate), and incremental conversions = absolute lift × test users (incremental
converting people).

How to read: the lift is significant at 5% when p_value < 0.05, equivalently (nearly
always) when the interval excludes 0. The normal approximation needs enough converters in
each arm (a common rule: at least 10 converters and 10 non-converters per arm).

Caveats: a person in both arms of a campaign counts in both; control arms are small (about
10% of the audience), so intervals are wide. Output constraint: every row is a GROUP BY
aggregate over person rows; campaign_audience.email_address (holdout) and
customers.email_address (exposure) flow unmodified through the UNION to the outermost
FROM, so a COUNT_DISTINCT constraint on them is enforceable; conversions.email_address
reaches the outermost FROM only as the join key of the converters CTE.`;

export const conversionLift: Analysis = {
  name: 'conversion-lift',
  category: 'measurement',
  question: 'How much did each campaign raise the conversion rate, test vs control, with a 95% interval and a p-value?',
  documentation,
  tables: ['conversions', 'campaign_audience', 'impressions', 'customers'],
  columns: {
    conversions: ['email_address'],
    campaign_audience: ['email_address', 'campaign_id', 'test_group'],
    impressions: ['email_address', 'campaign_id'],
    customers: ['email_address'],
  },
  parameters: [
    { name: 'design', type: 'VARCHAR', default: 'holdout', allowed: ['holdout', 'exposure'], description: 'holdout: randomised test vs control (campaign_audience); exposure: exposed vs unexposed customers (biased)' },
  ],
  sql,
  sqlOutput,
  finish,
  output,
  rule: 'custom',
};
