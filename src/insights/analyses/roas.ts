import type { Analysis, OutputColumn } from '../analysis.ts';
import { LAST_TOUCH_CTES, LOOKBACK_PARAMETER } from './attribution.ts';

/*
 * One fact row per impression (cost, in the chosen currency's row) and one per
 * attributed conversion (in its own currency's row), carrying the impressions' and the
 * conversions' email_address unmodified in two columns, then one GROUP BY over (campaign, currency).
 * Zeros are added inside the sums (SUM(COALESCE(x, 0)), equal to COALESCE(SUM(x), 0) since
 * every group has a row), so each money sum is a lone aggregate the clean room keeps exact.
 */
const sql = `WITH ${LAST_TOUCH_CTES},
facts AS (
  SELECT i.email_address AS impression_email_address, CAST(NULL AS VARCHAR) AS conversion_email_address,
         i.campaign_id, :currency AS currency,
         1 AS impression, i.cost, CAST(NULL AS INTEGER) AS conversion, NULL AS price
  FROM {{impressions}} AS i
  UNION ALL
  SELECT t.impression_email_address, t.email_address, t.campaign_id, t.currency,
         NULL, NULL, 1, t.price
  FROM touches AS t
  WHERE t.touch_rank = 1 AND t.impression_date IS NOT NULL
)
SELECT f.campaign_id,
       f.currency,
       SUM(f.impression) AS impressions,
       SUM(f.cost) AS spend,
       SUM(COALESCE(f.conversion, 0)) AS attributed_conversions,
       SUM(COALESCE(f.price, 0)) AS attributed_revenue,
       CAST(SUM(COALESCE(f.price, 0)) AS DOUBLE) / CAST(SUM(f.cost) AS DOUBLE) AS roas,
       CAST(SUM(f.cost) AS DOUBLE) / CAST(SUM(f.conversion) AS DOUBLE) AS cpa,
       CAST(SUM(f.cost) AS DOUBLE) * 1000 / CAST(SUM(f.impression) AS DOUBLE) AS cpm
FROM facts AS f
GROUP BY f.campaign_id, f.currency
ORDER BY f.campaign_id, CASE WHEN f.currency = :currency THEN 0 ELSE 1 END, f.currency`;

const columns: readonly OutputColumn[] = [
  { name: 'campaign_id', description: 'Campaign' },
  { name: 'currency', description: 'The `currency` parameter for the campaign\'s main row; another currency for a row of conversions in that currency' },
  { name: 'impressions', description: 'Impressions of the campaign (main row only; NULL in other-currency rows)' },
  { name: 'spend', description: 'Sum of impressions.cost, taken to be in `currency` (main row only)' },
  { name: 'attributed_conversions', description: 'Conversions in this row\'s currency credited to the campaign by last-touch attribution' },
  { name: 'attributed_revenue', description: 'Sum of their price, in this row\'s currency' },
  { name: 'roas', description: 'attributed_revenue / spend (main row only; NULL without spend)' },
  { name: 'cpa', description: 'spend / attributed_conversions of the main row (NULL without conversions)' },
  { name: 'cpm', description: 'spend / impressions × 1000 (main row only)' },
];

const documentation = `Return on ad spend per campaign: the platform's spend next to the revenue that
last-touch view-through attribution credits to the campaign (exactly the rule of
\`attribution\`: last impression of the person at or before the conversion, within
\`lookback_days\` × 24 hours, ties to the smallest campaign_id then creative_id).

Inputs: impressions (email_address, date, campaign_id, creative_id, cost) and conversions
(email_address, date, price, currency). Parameters: \`lookback_days\` (1..90, default 7)
and \`currency\` (default USD).

Each campaign has a **main row** with \`currency\` = the parameter: impressions, spend
(sum of cost, assumed to be billed in that currency), the attributed conversions and
revenue in that currency, ROAS = revenue / spend, CPA = spend / those conversions,
CPM = spend / impressions × 1000. Attributed conversions in **other currencies** are
reported in extra rows of the same campaign (one per currency) with their own
conversions and revenue; spend, impressions, ROAS, CPA and CPM are NULL there, because
revenue is never added across currencies. To count every attributed conversion in a
CPA, divide spend by the sum of attributed_conversions over the campaign's rows.

Caveats: attributed revenue is not incremental revenue (see \`conversion-lift\`); the
spend currency is an assumption of the analyst (impressions carry no currency); a
campaign that received no conversions still has its main row with 0 conversions and
revenue. Output constraint: the outermost FROM is a UNION ALL carrying
impressions.email_address (impression rows, and the credited impression of conversion rows)
and conversions.email_address (conversion rows) unmodified in two columns, so a
COUNT_DISTINCT constraint of either owner is enforceable. A conversions-owner constraint
suppresses a campaign's main row (spend included) when it has too few converters.`;

export const roas: Analysis = {
  name: 'roas',
  category: 'measurement',
  question: 'What did each campaign spend, and what revenue, ROAS, CPA and CPM does last-touch attribution give it?',
  documentation,
  tables: ['conversions', 'impressions'],
  columns: {
    conversions: ['email_address', 'date', 'price', 'currency'],
    impressions: ['email_address', 'date', 'campaign_id', 'creative_id', 'cost'],
  },
  parameters: [
    LOOKBACK_PARAMETER,
    { name: 'currency', type: 'VARCHAR', default: 'USD', description: 'ISO 4217 code: revenue in this currency counts in ROAS; spend is taken to be in it' },
  ],
  sql,
  sqlOutput: columns,
  output: columns,
  rule: 'custom',
};
