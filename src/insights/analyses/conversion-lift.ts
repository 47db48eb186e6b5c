import type { Analysis, AnalysisRows, OutputColumn } from '../analysis.ts';
import type { CellValue } from '../../engine/engine.ts';
import { cellNumber, twoProportion } from '../statistics.ts';

/*
 * The randomised holdout (without one, `insights run` falls back to
 * `conversion-lift-exposure`, see `fallback` below):
 * the outermost FROM is the campaign audience itself, its email_address unmodified, with
 * each person's conversion count joined by email; one GROUP BY per campaign counts users
 * and converters of each arm.
 */
const sql = `WITH converters AS (
  SELECT c.email_address, COUNT(*) AS conversions
  FROM {{conversions}} AS c
  GROUP BY c.email_address
)
SELECT :design AS design,
       a.campaign_id,
       COUNT(DISTINCT CASE WHEN a.test_group = 'test' THEN a.email_address END) AS test_users,
       COUNT(DISTINCT CASE WHEN a.test_group = 'test' AND v.conversions > 0 THEN a.email_address END) AS test_converters,
       COUNT(DISTINCT CASE WHEN a.test_group = 'control' THEN a.email_address END) AS control_users,
       COUNT(DISTINCT CASE WHEN a.test_group = 'control' AND v.conversions > 0 THEN a.email_address END) AS control_converters
FROM {{campaign_audience}} AS a
LEFT JOIN converters AS v ON v.email_address = a.email_address
WHERE a.test_group IN ('test', 'control')
GROUP BY a.campaign_id
ORDER BY a.campaign_id`;

/** The columns both lift analyses hand to `finishLift` (the holdout's SQL output). */
export const LIFT_ARMS: readonly OutputColumn[] = [
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

/** The output of both lift analyses: the arms, then the statistics `finishLift` computes. */
export const LIFT_OUTPUT: readonly OutputColumn[] = [
  ...LIFT_ARMS,
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

/** Index of a column, or an internal error naming the analysis. */
export function columnIndex(rows: AnalysisRows, analysis: string, name: string): number {
  const i = rows.columns.indexOf(name);
  if (i < 0) throw new Error(`Internal error: ${analysis} output has no column ${name}`);
  return i;
}

/** Adds rates, lift, interval, z-test and caveat to rows with the LIFT_ARMS columns. */
export function finishLift(rows: AnalysisRows): AnalysisRows {
  const at = (name: string): number => columnIndex(rows, 'conversion-lift', name);
  const arms = LIFT_ARMS.map((c) => at(c.name));
  const [iDesign, , iTu, iTc, iCu, iCc] = arms;
  const cell = (row: readonly CellValue[], i: number | undefined): CellValue => (i === undefined ? null : row[i] ?? null);
  const out = rows.rows.map((row): CellValue[] => {
    const n1 = cellNumber(cell(row, iTu));
    const x1 = cellNumber(cell(row, iTc));
    const n2 = cellNumber(cell(row, iCu));
    const x2 = cellNumber(cell(row, iCc));
    const r = n1 === null || x1 === null || n2 === null || x2 === null ? null : twoProportion({ x1, n1, x2, n2 });
    const caveat = cell(row, iDesign) === 'exposure' ? EXPOSURE_CAVEAT : HOLDOUT_CAVEAT;
    return [
      ...arms.map((i) => cell(row, i)),
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
  return { columns: LIFT_OUTPUT.map((c) => c.name), rows: out };
}

/** How to read the statistics (shared by both lift analyses' documentation). */
export const LIFT_STATISTICS_DOC = `Output: users and converters of each arm, then computed by the receiver:
rates, absolute lift (test − control, in rate points), relative lift (absolute /
control rate), the 95% confidence interval of the absolute lift (Wald interval,
unpooled standard error √(p₁(1−p₁)/n₁ + p₂(1−p₂)/n₂)), the z statistic and two-sided
p-value of the two-proportion z-test (pooled standard error √(p(1−p)(1/n₁+1/n₂)),
p = pooled rate), and incremental conversions = absolute lift × test users (incremental
converting people).

How to read: the lift is significant at 5% when p_value < 0.05, equivalently (nearly
always) when the interval excludes 0. The normal approximation needs enough converters in
each arm (a common rule: at least 10 converters and 10 non-converters per arm).`;

const documentation = `Did the campaign cause conversions? Compares the conversion rate (share of people
with at least one conversion) of a test arm with a control arm, per campaign, using the
platform's randomised holdout in \`campaign_audience\`: test = the campaign audience's
\`test\` group, control = its \`control\` group, which got no impressions of that campaign.
Because the split is random, the difference is the causal effect of being in the
campaign audience (intention-to-treat: test people who were never served an ad still
count as test).

Without a holdout: when no \`campaign_audience\` table is associated, \`insights install\`
skips this template and \`insights run conversion-lift\` falls back to
\`conversion-lift-exposure\` (exposed vs unexposed customers, same output columns with
\`design\` = \`exposure\` and a caveat on every row saying the comparison is biased), and
tells the runner so. \`--param design=exposure\` asks for that comparison explicitly.

Inputs: campaign_audience (email_address, campaign_id, test_group; rows of other groups
are ignored) and conversions (email_address; every conversion in the table counts, so
give the brand's conversions of the measurement period).

Parameter \`design\`: \`holdout\` (the default while the holdout template is installed) or
\`exposure\` (runs \`conversion-lift-exposure\` instead; the default when only that is
installed). Naming \`holdout\` never falls back: without a holdout it is an error.

${LIFT_STATISTICS_DOC}

Caveats: a person in both arms of a campaign counts in both; control arms are small (about
10% of the audience), so intervals are wide. Output constraint: every row is a GROUP BY
aggregate over the campaign audience's rows, whose email_address is the outermost FROM's
own column, so the platform's COUNT_DISTINCT constraint on campaign_audience counts the
people of both arms of the campaign; conversions.email_address reaches the outermost
FROM unmodified as the key of the converters CTE (a brand constraint on conversions
counts the campaign's converters, both arms).`;

export const conversionLift: Analysis = {
  name: 'conversion-lift',
  category: 'measurement',
  question: 'How much did each campaign raise the conversion rate, test vs control, with a 95% interval and a p-value?',
  documentation,
  tables: ['conversions', 'campaign_audience'],
  columns: {
    conversions: ['email_address'],
    campaign_audience: ['email_address', 'campaign_id', 'test_group'],
  },
  parameters: [
    {
      name: 'design', type: 'VARCHAR', default: 'holdout', allowed: ['holdout'],
      description: 'holdout: randomised test vs control (campaign_audience); exposure: exposed vs unexposed customers (biased), the fallback without a holdout',
    },
  ],
  fallback: {
    analysis: 'conversion-lift-exposure',
    parameter: 'design',
    value: 'exposure',
    note: 'this is exposed vs unexposed customers (conversion-lift-exposure): BIASED, not a causal lift',
  },
  sql,
  sqlOutput: LIFT_ARMS,
  finish: finishLift,
  output: LIFT_OUTPUT,
  rule: 'custom',
};
