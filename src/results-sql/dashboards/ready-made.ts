import { invalid } from '../../collaboration/errors.ts';
import type { Workspace } from '../../collaboration/workspace.ts';
import { resultTables } from '../catalog.ts';
import type { Visual } from './dashboard-spec.ts';
import { latestOf } from './dashboard-data.ts';
import { type Dashboard, saveDashboard } from './dashboard-store.ts';

/** Sorts '1'..'9', '10+' as numbers (the analyses' frequency buckets). */
const BUCKET_ORDER = "CASE WHEN frequency_bucket = '10+' THEN 10 ELSE CAST(frequency_bucket AS INTEGER) END AS bucket_order";

const latest = (analysis: string, sql?: string): Visual['source'] => (sql === undefined ? { kind: 'latest-of-analysis', analysis } : { kind: 'latest-of-analysis', analysis, sql });

/** The library's ready-made dashboards: each visual follows the newest result of its analysis. */
export const READY_MADE: Readonly<Record<string, { readonly title: string; readonly description: string; readonly visuals: readonly Visual[] }>> = {
  'audience-planning': {
    title: 'Audience planning',
    description: 'Overlap with the platform audience, the profile of the overlap, reach and frequency (newest results of audience-overlap, audience-profile, reach-frequency).',
    visuals: [
      { id: 'overlap', kind: 'overlap', title: 'Brand customers and platform audience', source: latest('audience-overlap'), fields: { sets: ['brand_customers', 'platform_audience'], value: 'overlap', label: 'segment' }, layout: { x: 0, y: 0, w: 6, h: 5 } },
      { id: 'overlap-table', kind: 'table', title: 'Overlap by segment', source: latest('audience-overlap'), fields: {}, layout: { x: 6, y: 0, w: 6, h: 5 }, sort: { column: 'overlap', direction: 'desc' } },
      { id: 'profile-index', kind: 'bar', title: 'Profile of the overlap (index, 100 = no difference)', source: latest('audience-profile'), fields: { x: 'value', y: ['index'] }, layout: { x: 0, y: 5, w: 6, h: 5 }, sort: { column: 'index', direction: 'desc' } },
      {
        id: 'reach', kind: 'bar', title: 'Reach by campaign', layout: { x: 6, y: 5, w: 6, h: 5 }, fields: { x: 'campaign_id', y: ['reach'] }, sort: { column: 'reach', direction: 'desc' },
        source: latest('reach-frequency', "SELECT campaign_id, MAX(reach) AS reach, MAX(impressions) AS impressions, MAX(average_frequency) AS average_frequency FROM latest WHERE breakdown = 'all' GROUP BY campaign_id"),
      },
      {
        id: 'frequency', kind: 'histogram', title: 'Users by impressions received', layout: { x: 0, y: 10, w: 12, h: 5 }, fields: { x: 'frequency_bucket', y: ['users'] }, sort: { column: 'bucket_order', direction: 'asc' },
        source: latest('reach-frequency', `SELECT campaign_id, breakdown, frequency_bucket, ${BUCKET_ORDER}, users FROM latest`),
      },
    ],
  },
  'campaign-measurement': {
    title: 'Campaign measurement',
    description: 'Attribution by campaign and creative, conversion lift with its 95% interval, ROAS and CPA, frequency to conversion (newest results of attribution, conversion-lift, roas, frequency-to-conversion).',
    visuals: [
      {
        id: 'attributed', kind: 'bar', title: 'Attributed conversions by campaign', layout: { x: 0, y: 0, w: 6, h: 5 }, fields: { x: 'campaign_id', y: ['conversions'] }, sort: { column: 'conversions', direction: 'desc' },
        source: latest('attribution', 'SELECT campaign_id, SUM(conversions) AS conversions, SUM(converters) AS converters FROM latest WHERE attributed = TRUE GROUP BY campaign_id'),
      },
      { id: 'attribution-table', kind: 'table', title: 'Attribution by campaign and creative', source: latest('attribution'), fields: { columns: ['campaign_id', 'creative_id', 'currency', 'conversions', 'converters', 'revenue'] }, layout: { x: 6, y: 0, w: 6, h: 5 }, sort: { column: 'conversions', direction: 'desc' } },
      { id: 'lift', kind: 'kpi', title: 'Conversion lift (absolute, 95% interval)', source: latest('conversion-lift'), fields: { value: 'absolute_lift', low: 'ci95_low', high: 'ci95_high', label: 'campaign_id' }, layout: { x: 0, y: 5, w: 4, h: 3 } },
      { id: 'lift-by-campaign', kind: 'bar', title: 'Lift by campaign with its 95% interval', source: latest('conversion-lift'), fields: { x: 'campaign_id', y: ['absolute_lift'], low: 'ci95_low', high: 'ci95_high' }, layout: { x: 4, y: 5, w: 8, h: 5 } },
      { id: 'roas', kind: 'bar', title: 'ROAS by campaign', source: latest('roas'), fields: { x: 'campaign_id', y: ['roas'] }, layout: { x: 0, y: 10, w: 6, h: 5 }, sort: { column: 'roas', direction: 'desc' } },
      { id: 'roas-table', kind: 'table', title: 'Spend, revenue, ROAS and CPA', source: latest('roas'), fields: { columns: ['campaign_id', 'currency', 'impressions', 'spend', 'attributed_conversions', 'attributed_revenue', 'roas', 'cpa'] }, layout: { x: 6, y: 10, w: 6, h: 5 } },
      { id: 'frequency-to-conversion', kind: 'line', title: 'Conversion rate by frequency', source: latest('frequency-to-conversion'), fields: { x: 'frequency_bucket', y: ['conversion_rate'] }, layout: { x: 0, y: 15, w: 12, h: 5 }, sort: { column: 'frequency_min', direction: 'asc' } },
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
    if (READY_MADE[name] === undefined) {
      throw invalid('unknown-ready-made', `There is no ready-made dashboard '${name.slice(0, 80)}'.`, `choose from ${Object.keys(READY_MADE).join(', ')}`);
    }
  }
  const tables = await resultTables(workspace, member);
  const out: ReadyMadeOutcome[] = [];
  for (const name of names) {
    const made = READY_MADE[name];
    if (made === undefined) continue;
    const analyses = [...new Set(made.visuals.map((v) => (v.source.kind === 'latest-of-analysis' ? v.source.analysis : '')))].filter((a) => a !== '');
    const dashboard = await saveDashboard(workspace, member, { name, title: made.title, description: made.description, readyMade: name, filters: [{ id: 'campaign', column: 'campaign_id', label: 'Campaign' }], visuals: made.visuals }, { replace: true });
    out.push({ dashboard, missing: analyses.filter((a) => latestOf(tables, a) === undefined) });
  }
  return out;
}
