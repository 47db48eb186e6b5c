import type { Analysis, AnalysisRows } from '../analysis.ts';
import { numberReader, ratio } from './planning-shared.ts';

/**
 * Planning: in a collaboration with two ad platforms and a brand, the people platform B
 * reaches beyond platform A, and how much the two audiences duplicate.
 *
 * Privacy shape: the outermost query is a GROUP BY aggregate over `a FULL OUTER JOIN b
 * LEFT JOIN brand`, each carrying its table's `email_address` unmodified (projected
 * through DISTINCT CTEs), so COUNT_DISTINCT output constraints on impressions,
 * impressions_b and customers all follow to each row. Note that a constraint on
 * customers then requires that many brand customers among the people of every row,
 * even with brand_customers_only = false. COALESCE(a, b) appears only inside
 * COUNT(DISTINCT ...) and in the join to the brand. No identifier is output.
 */
const SQL = `WITH a AS (
  SELECT DISTINCT email_address,
    CASE WHEN :by = 'campaign' THEN COALESCE(campaign_id, '(missing)') ELSE 'all' END AS campaign_id
  FROM {{impressions}}
  WHERE email_address IS NOT NULL
),
b AS (
  SELECT DISTINCT email_address,
    CASE WHEN :by = 'campaign' THEN COALESCE(campaign_id, '(missing)') ELSE 'all' END AS campaign_id
  FROM {{impressions_b}}
  WHERE email_address IS NOT NULL
),
brand AS (
  SELECT DISTINCT email_address FROM {{customers}} WHERE email_address IS NOT NULL
),
reached AS (
  SELECT a.email_address AS a_email, b.email_address AS b_email,
    COALESCE(a.campaign_id, b.campaign_id) AS campaign_id
  FROM a FULL OUTER JOIN b ON a.email_address = b.email_address AND a.campaign_id = b.campaign_id
)
SELECT r.campaign_id AS campaign_id,
  COUNT(DISTINCT r.a_email) AS reach_a,
  COUNT(DISTINCT r.b_email) AS reach_b,
  COUNT(DISTINCT CASE WHEN r.b_email IS NOT NULL THEN r.a_email END) AS overlap,
  COUNT(DISTINCT COALESCE(r.a_email, r.b_email)) AS combined_reach,
  COUNT(DISTINCT CASE WHEN r.a_email IS NULL THEN r.b_email END) AS incremental_reach_b
FROM reached r LEFT JOIN brand c ON c.email_address = COALESCE(r.a_email, r.b_email)
WHERE NOT :brand_customers_only OR c.email_address IS NOT NULL
GROUP BY r.campaign_id
ORDER BY r.campaign_id`;

const SQL_OUTPUT = [
  { name: 'campaign_id', description: "Campaign with `by` = campaign, else 'all'." },
  { name: 'reach_a', description: '|A|: distinct people reached by platform A (the `impressions` table).' },
  { name: 'reach_b', description: '|B|: distinct people reached by platform B (the `impressions_b` table).' },
  { name: 'overlap', description: '|A ∩ B|: people reached by both.' },
  { name: 'combined_reach', description: '|A ∪ B| = |A| + |B| − |A ∩ B|.' },
  { name: 'incremental_reach_b', description: '|A ∪ B| − |A| = |B| − |A ∩ B|: people only B reached.' },
] as const;

export const incrementalReach: Analysis = {
  name: 'incremental-reach',
  category: 'planning',
  question: 'How many people does platform B add beyond platform A, and how much do the two audiences duplicate?',
  documentation: `Compares the people reached by two ad platforms (A = \`impressions\`, B = \`impressions_b\`),
overall or per campaign (campaign ids are matched across platforms), optionally among the
brand's customers only. Run it on data made with \`generate --platforms 2\`.

Caveats: per campaign, a person A reached only in another campaign is incremental for this one.
The template reads customers even when brand_customers_only is false, so the brand approves it
too. See docs/insights-planning.md.`,
  tables: ['impressions', 'impressions_b', 'customers'],
  columns: {
    impressions: ['email_address', 'campaign_id'],
    impressions_b: ['email_address', 'campaign_id'],
    customers: ['email_address'],
  },
  parameters: [
    {
      name: 'by',
      type: 'VARCHAR',
      default: 'total',
      allowed: ['total', 'campaign'],
      description: 'total: one row over all campaigns; campaign: one row per campaign.',
    },
    {
      name: 'brand_customers_only',
      type: 'BOOLEAN',
      default: 'false',
      description: "Count only people who are in the brand's customers.",
    },
  ],
  sql: SQL,
  sqlOutput: SQL_OUTPUT,
  finish: (rows: AnalysisRows): AnalysisRows => {
    const at = numberReader(rows);
    return {
      columns: [...rows.columns, 'duplication_rate', 'incremental_share_of_b', 'reach_gain_over_a'],
      rows: rows.rows.map((row) => [
        ...row,
        ratio(at(row, 'overlap'), at(row, 'combined_reach')),
        ratio(at(row, 'incremental_reach_b'), at(row, 'reach_b')),
        ratio(at(row, 'incremental_reach_b'), at(row, 'reach_a')),
      ]),
    };
  },
  output: [
    ...SQL_OUTPUT,
    { name: 'duplication_rate', description: 'overlap / combined_reach (0..1): share of the combined reach reached by both.' },
    { name: 'incremental_share_of_b', description: "incremental_reach_b / reach_b (0..1): share of B's reach that A did not reach." },
    { name: 'reach_gain_over_a', description: 'incremental_reach_b / reach_a: relative growth of reach from adding B to A.' },
  ],
  rule: 'custom',
};
