import { invalid } from '../../collaboration/errors.ts';
import type { Workspace } from '../../collaboration/workspace.ts';
import { resultTables } from '../catalog.ts';
import type { Visual } from './dashboard-spec.ts';
import { latestOf } from './dashboard-data.ts';
import { type Dashboard, saveDashboard } from './dashboard-store.ts';

const latest = (analysis: string, sql?: string): Visual['source'] => (sql === undefined ? { kind: 'latest-of-analysis', analysis } : { kind: 'latest-of-analysis', analysis, sql });

/*
 * A result file holds what the clean room released: the SQL output of the analysis.
 * The figures an analysis's `finish` adds after the query (audience-overlap's shares,
 * audience-profile's index, conversion-lift's rates, lift and interval) exist only in
 * the run's answer, never in the stored result, so the visuals compute them here from
 * the released counts, with the analyses' own formulas.
 */

/** audience-overlap's shares and Jaccard index (its `finish`). */
const OVERLAP_SQL = `SELECT segment, brand_customers, platform_audience, overlap,
  CAST(overlap AS DOUBLE) / brand_customers AS overlap_share_of_brand,
  CAST(overlap AS DOUBLE) / platform_audience AS overlap_share_of_platform,
  CAST(overlap AS DOUBLE) / (brand_customers + platform_audience - overlap) AS jaccard
FROM latest`;

/** audience-profile's shares and index (its `finish`): 100 = as frequent as in the base. */
const PROFILE_SQL = `SELECT value, overlap_people, base_people,
  CAST(overlap_people AS DOUBLE) / overlap_total AS share_of_overlap,
  CAST(base_people AS DOUBLE) / base_total AS share_of_base,
  (CAST(overlap_people AS DOUBLE) / overlap_total) / (CAST(base_people AS DOUBLE) / base_total) * 100 AS "index"
FROM latest`;

/**
 * What a reach-frequency row is about: the campaign, or "campaign / creative" (or
 * placement) when the newest result was run with `by` = creative or placement, so the
 * reach visuals follow a result of any breakdown (a person counts in each creative, so
 * creative rows are never added up into a campaign).
 */
const REACH_GROUP = "CASE WHEN breakdown = 'all' THEN campaign_id ELSE concat(campaign_id, ' / ', breakdown) END AS reach_group";

/** One row per campaign (and breakdown): the group figures, repeated on each bucket row. */
const REACH_SQL = `SELECT campaign_id, breakdown, ${REACH_GROUP},
  MAX(reach) AS reach, MAX(effective_reach) AS effective_reach, MAX(impressions) AS impressions, MAX(average_frequency) AS average_frequency
FROM latest
GROUP BY campaign_id, breakdown`;

/**
 * Each group's frequency distribution as a share of its reach. `row_order` sorts by
 * bucket ('1'..'9', '10+' as numbers), then group, so the x axis and the series keep
 * one order.
 */
const FREQUENCY_SQL = `SELECT campaign_id, breakdown, ${REACH_GROUP}, frequency_bucket, users, reach,
  CAST(users AS DOUBLE) / reach AS share_of_reach,
  ROW_NUMBER() OVER (ORDER BY CASE WHEN frequency_bucket = '10+' THEN 10 ELSE CAST(frequency_bucket AS INTEGER) END, campaign_id, breakdown) AS row_order
FROM latest`;

/** Attributed conversions by campaign: counts add up across creatives and currencies (revenue does not). */
const ATTRIBUTED_SQL = 'SELECT campaign_id, SUM(conversions) AS conversions FROM latest WHERE attributed = TRUE GROUP BY campaign_id';

/**
 * conversion-lift's statistics (its `finish`, src/insights/statistics.ts): rates, the
 * difference, its 95% Wald interval (unpooled standard error, z = 1.959963984540054)
 * and the converters it added.
 */
const LIFT_SQL = `WITH arms AS (
  SELECT design, campaign_id, test_users, test_converters, control_users, control_converters,
    CAST(test_converters AS DOUBLE) / test_users AS test_rate,
    CAST(control_converters AS DOUBLE) / control_users AS control_rate
  FROM latest
)
SELECT design, campaign_id, test_users, test_converters, control_users, control_converters, test_rate, control_rate,
  test_rate - control_rate AS absolute_lift,
  (test_rate - control_rate) / control_rate AS relative_lift,
  test_rate - control_rate - 1.959963984540054 * sqrt(test_rate * (1 - test_rate) / test_users + control_rate * (1 - control_rate) / control_users) AS ci95_low,
  test_rate - control_rate + 1.959963984540054 * sqrt(test_rate * (1 - test_rate) / test_users + control_rate * (1 - control_rate) / control_users) AS ci95_high,
  (test_rate - control_rate) * test_users AS incremental_converters
FROM arms`;

/** roas's main rows (the `currency` parameter's, which carry spend); other-currency rows have no ROAS. */
const ROAS_SQL = 'SELECT campaign_id, currency, spend, attributed_revenue, roas FROM latest WHERE spend IS NOT NULL';

/** The library's ready-made dashboards: each visual follows the newest result of its analysis. */
export const READY_MADE: Readonly<Record<string, { readonly title: string; readonly description: string; readonly visuals: readonly Visual[] }>> = {
  'audience-planning': {
    title: 'Audience planning',
    description: 'Overlap with the platform audience, the profile of the overlap, reach and frequency (newest results of audience-overlap, audience-profile, reach-frequency).',
    visuals: [
      { id: 'overlap', kind: 'overlap', title: 'Brand customers and platform audience', source: latest('audience-overlap'), fields: { sets: ['brand_customers', 'platform_audience'], value: 'overlap', label: 'segment' }, layout: { x: 0, y: 0, w: 6, h: 5 } },
      {
        id: 'overlap-table', kind: 'table', title: 'Overlap by segment, match rates and Jaccard index', source: latest('audience-overlap', OVERLAP_SQL), layout: { x: 6, y: 0, w: 6, h: 5 }, sort: { column: 'overlap', direction: 'desc' },
        fields: { columns: ['segment', 'brand_customers', 'platform_audience', 'overlap', 'overlap_share_of_brand', 'overlap_share_of_platform', 'jaccard'] },
      },
      { id: 'profile-index', kind: 'bar', title: 'Profile of the overlap (index, 100 = as in the base)', source: latest('audience-profile', PROFILE_SQL), fields: { x: 'value', y: ['index'] }, layout: { x: 0, y: 5, w: 6, h: 5 }, sort: { column: 'index', direction: 'desc' } },
      { id: 'reach', kind: 'bar', title: 'Reach and effective reach by campaign', source: latest('reach-frequency', REACH_SQL), fields: { x: 'reach_group', y: ['reach', 'effective_reach'] }, layout: { x: 6, y: 5, w: 6, h: 5 }, sort: { column: 'reach', direction: 'desc' } },
      {
        id: 'frequency', kind: 'line', title: 'Frequency distribution: share of reach by impressions received', source: latest('reach-frequency', FREQUENCY_SQL), layout: { x: 0, y: 10, w: 12, h: 5 },
        fields: { x: 'frequency_bucket', y: ['share_of_reach'], series: 'reach_group' }, sort: { column: 'row_order', direction: 'asc' },
      },
    ],
  },
  'campaign-measurement': {
    title: 'Campaign measurement',
    description: 'Attribution by campaign and creative, conversion lift with its 95% interval, ROAS and CPA, frequency to conversion (newest results of attribution, conversion-lift, roas, frequency-to-conversion).',
    visuals: [
      { id: 'attributed', kind: 'bar', title: 'Attributed conversions by campaign (last touch)', source: latest('attribution', ATTRIBUTED_SQL), fields: { x: 'campaign_id', y: ['conversions'] }, layout: { x: 0, y: 0, w: 6, h: 5 }, sort: { column: 'conversions', direction: 'desc' } },
      {
        id: 'attribution-table', kind: 'table', title: 'Attribution by campaign and creative', source: latest('attribution'), layout: { x: 6, y: 0, w: 6, h: 5 }, sort: { column: 'conversions', direction: 'desc' },
        fields: { columns: ['campaign_id', 'creative_id', 'attributed', 'currency', 'conversions', 'converters', 'revenue'] },
      },
      // One tile: the chosen campaign's lift (with several or none chosen, the largest test).
      { id: 'lift', kind: 'kpi', title: 'Conversion lift of the chosen campaign (absolute, 95% interval)', source: latest('conversion-lift', LIFT_SQL), fields: { value: 'absolute_lift', low: 'ci95_low', high: 'ci95_high', label: 'campaign_id' }, layout: { x: 0, y: 5, w: 4, h: 3 }, sort: { column: 'test_users', direction: 'desc' }, limit: 1 },
      { id: 'lift-by-campaign', kind: 'bar', title: 'Lift by campaign with its 95% interval', source: latest('conversion-lift', LIFT_SQL), fields: { x: 'campaign_id', y: ['absolute_lift'], low: 'ci95_low', high: 'ci95_high' }, layout: { x: 4, y: 5, w: 8, h: 5 }, sort: { column: 'absolute_lift', direction: 'desc' } },
      { id: 'roas', kind: 'bar', title: 'ROAS by campaign', source: latest('roas', ROAS_SQL), fields: { x: 'campaign_id', y: ['roas'] }, layout: { x: 0, y: 10, w: 6, h: 5 }, sort: { column: 'roas', direction: 'desc' } },
      {
        id: 'roas-table', kind: 'table', title: 'Spend, revenue, ROAS, CPA and CPM', source: latest('roas'), layout: { x: 6, y: 10, w: 6, h: 5 },
        fields: { columns: ['campaign_id', 'currency', 'impressions', 'spend', 'attributed_conversions', 'attributed_revenue', 'roas', 'cpa', 'cpm'] },
      },
      { id: 'frequency-to-conversion', kind: 'line', title: 'Conversion rate by impressions received (all campaigns)', source: latest('frequency-to-conversion'), fields: { x: 'frequency_bucket', y: ['conversion_rate'] }, layout: { x: 0, y: 15, w: 12, h: 5 }, sort: { column: 'frequency_min', direction: 'asc' } },
    ],
  },
};

export interface ReadyMadeOutcome {
  readonly dashboard: Dashboard;
  /** Analyses it draws on that have no result of the member yet (their visuals stay empty). */
  readonly missing: readonly string[];
}

/**
 * Creates or refreshes the member's ready-made dashboards (all, or those named). They
 * point at the newest result of each analysis, so new results show without this.
 *
 * @example
 *   await readyMadeDashboards(ws, 'brand', ['campaign-measurement']);
 */
export async function readyMadeDashboards(workspace: Workspace, member: string, only?: readonly string[]): Promise<ReadyMadeOutcome[]> {
  const names = only ?? Object.keys(READY_MADE);
  for (const name of names) {
    if (!Object.hasOwn(READY_MADE, name)) {
      throw invalid('unknown-ready-made', `There is no ready-made dashboard '${name.slice(0, 80)}'.`, `choose from ${Object.keys(READY_MADE).join(', ')}`);
    }
  }
  const tables = await resultTables(workspace, member);
  const out: ReadyMadeOutcome[] = [];
  for (const name of names) {
    const made = Object.hasOwn(READY_MADE, name) ? READY_MADE[name] : undefined;
    if (made === undefined) continue;
    const analyses = [...new Set(made.visuals.map((v) => (v.source.kind === 'latest-of-analysis' ? v.source.analysis : '')))].filter((a) => a !== '');
    const dashboard = await saveDashboard(workspace, member, { name, title: made.title, description: made.description, readyMade: name, filters: [{ id: 'campaign', column: 'campaign_id', label: 'Campaign' }], visuals: made.visuals }, { replace: true });
    out.push({ dashboard, missing: analyses.filter((a) => latestOf(tables, a) === undefined) });
  }
  return out;
}
