import type { Analysis, AnalysisRows, OutputColumn } from '../analysis.ts';
import type { CellValue } from '../../engine/engine.ts';
import { cellNumber } from '../statistics.ts';
import { LIFT_ARMS, LIFT_OUTPUT, LIFT_STATISTICS_DOC, columnIndex, finishLift } from './conversion-lift.ts';

/*
 * Exposed vs unexposed customers, without a customers × campaigns cross join (whose
 * campaign list would be an impressions read with no email to carry): one row per
 * (customer, campaign the customer saw) with the customer's, the impression's and the
 * conversion's email_address unmodified, taken twice through a UNION: once per campaign
 * (the test arm) and once for all customers. `finish` derives each control arm as all
 * customers minus the campaign's test arm (a customer not exposed to the campaign).
 */
const sql = `WITH converters AS (
  SELECT c.email_address, COUNT(*) AS conversions
  FROM {{conversions}} AS c
  GROUP BY c.email_address
),
exposed AS (
  -- one row per (person, campaign) with at least one impression of the campaign
  SELECT i.email_address, i.campaign_id
  FROM {{impressions}} AS i
  WHERE i.campaign_id IS NOT NULL
  GROUP BY i.email_address, i.campaign_id
),
customer_rows AS (
  -- one row per customer row and campaign it saw (one with NULLs when it saw none)
  SELECT cu.email_address, e.email_address AS impression_email_address, e.campaign_id,
         v.email_address AS conversion_email_address
  FROM {{customers}} AS cu
  LEFT JOIN exposed AS e ON e.email_address = cu.email_address
  LEFT JOIN converters AS v ON v.email_address = cu.email_address
),
arms AS (
  SELECT r.email_address, r.impression_email_address, r.conversion_email_address, 'test' AS scope, r.campaign_id
  FROM customer_rows AS r
  WHERE r.campaign_id IS NOT NULL
  UNION ALL
  SELECT r.email_address, r.impression_email_address, r.conversion_email_address, 'all customers' AS scope, CAST(NULL AS VARCHAR) AS campaign_id
  FROM customer_rows AS r
)
SELECT 'exposure' AS design,
       g.scope,
       g.campaign_id,
       COUNT(DISTINCT g.email_address) AS users,
       COUNT(DISTINCT CASE WHEN g.conversion_email_address IS NOT NULL THEN g.email_address END) AS converters
FROM arms AS g
GROUP BY g.scope, g.campaign_id
ORDER BY g.scope DESC, g.campaign_id`;

const sqlOutput: readonly OutputColumn[] = [
  { name: 'design', description: "Always 'exposure'" },
  { name: 'scope', description: "'test': the customers exposed to campaign_id; 'all customers': every customer (campaign_id NULL)" },
  { name: 'campaign_id', description: 'Campaign (NULL in the all-customers row)' },
  { name: 'users', description: 'Distinct customers in the row' },
  { name: 'converters', description: 'Of them, people with at least one conversion' },
];

/**
 * Turns the SQL rows (test arms per campaign plus one all-customers row) into the
 * LIFT_ARMS rows: control = all customers − the campaign's exposed customers (exact: the
 * customers without an impression of the campaign), then the shared lift statistics.
 */
function finish(rows: AnalysisRows): AnalysisRows {
  const at = (name: string): number => columnIndex(rows, 'conversion-lift-exposure', name);
  const [iScope, iCampaign, iUsers, iConverters] = [at('scope'), at('campaign_id'), at('users'), at('converters')];
  const all = rows.rows.find((r) => r[iScope] === 'all customers');
  const allUsers = all === undefined ? null : cellNumber(all[iUsers] ?? null);
  const allConverters = all === undefined ? null : cellNumber(all[iConverters] ?? null);
  const arms = rows.rows
    .filter((r) => r[iScope] === 'test')
    .map((r): CellValue[] => {
      const users = cellNumber(r[iUsers] ?? null);
      const converters = cellNumber(r[iConverters] ?? null);
      return [
        'exposure',
        r[iCampaign] ?? null,
        users,
        converters,
        allUsers === null || users === null ? null : allUsers - users,
        allConverters === null || converters === null ? null : allConverters - converters,
      ];
    });
  return finishLift({ columns: LIFT_ARMS.map((c) => c.name), rows: arms });
}

const documentation = `Exposed vs unexposed customers, per campaign: the conversion rate (share of people
with at least one conversion) of the brand's customers with at least one impression of
the campaign (test) against customers without one (control). Use it only when no
randomised holdout exists (\`conversion-lift\` uses the holdout).

**This comparison is biased**: exposure is not random (targeting picks likely buyers,
active people see more ads), so the "lift" mixes the ad effect with who was targeted,
usually overstating it. Read it as a description; every row carries that caveat.

Inputs: customers (email_address), impressions (email_address, campaign_id; impressions
without a campaign are ignored) and conversions (email_address; every conversion in the
table counts, so give the brand's conversions of the measurement period). No parameters.

How it is computed: the SQL returns, per campaign, the customers exposed to it and how
many of them converted, and one row for all customers; the receiver derives each control
arm as all customers minus the campaign's exposed customers (exactly the customers
without an impression of the campaign). A campaign none of whose impressions reached a
customer has no row.

${LIFT_STATISTICS_DOC}

Caveats: biased (above). A customer's conversions count wherever and whenever they
happened, before or after exposure. Output constraint: every row is a GROUP BY aggregate
over customer rows carrying customers.email_address, the exposure's
impressions.email_address (as impression_email_address, NULL for unexposed customers)
and conversions.email_address (as conversion_email_address) unmodified through both
UNION branches, so a COUNT_DISTINCT constraint of any of the three owners is enforceable:
an impressions constraint counts the campaign's exposed customers (the test arm), and
the all-customers row holds every exposed customer. If the all-customers row is
suppressed, the control columns are NULL.`;

export const conversionLiftExposure: Analysis = {
  name: 'conversion-lift-exposure',
  category: 'measurement',
  question: 'Without a holdout: how do exposed customers convert compared with unexposed ones, per campaign (a biased comparison)?',
  documentation,
  tables: ['conversions', 'impressions', 'customers'],
  columns: {
    conversions: ['email_address'],
    impressions: ['email_address', 'campaign_id'],
    customers: ['email_address'],
  },
  parameters: [],
  sql,
  sqlOutput,
  finish,
  output: LIFT_OUTPUT,
  rule: 'custom',
};
