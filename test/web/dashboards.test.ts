/**
 * The acceptance path for dashboards, in real headless Chromium against the real
 * server over the demo workspace (every library analysis already run once by the brand):
 * run an analysis from the library, open the ready-made "Campaign measurement" dashboard
 * and find the result's numbers in it; build a dashboard with two visuals, arrange and
 * share it; sign in as the other member and see it read-only, while an unshared
 * dashboard and the raw tables stay out of reach. Screenshots go to docs/screenshots/.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/api/api-keys.ts';
import { buildServer, type CleanroomServer } from '../../src/api/server.ts';
import { runDemo } from '../../src/cli/demo/run-demo.ts';
import { Workspace } from '../../src/collaboration/workspace.ts';
import { type BrowserSession, buildWebUi, HAVE_CHROMIUM, listenOnLoopback, openBrowser, screenshot, signInAt, tableCells } from './browser.ts';

type Cell = string | number | boolean | null;
const shown = (v: Cell): string => (v === null ? '—' : String(v));
interface Rows {
  columns: { name: string }[];
  rows: Cell[][];
}
interface SpecView {
  id: string;
  spec: { visuals: { id: string; title: string; fields: { columns?: string[]; x?: string; y?: string[] } }[] };
}

/** Rows as the page shows them, in a fixed order (a table visual without a sort has no defined order). */
const sortedRows = (rows: string[][]): string[][] => [...rows].sort((a, b) => a.join('\u0000').localeCompare(b.join('\u0000')));

describe.skipIf(!HAVE_CHROMIUM)('dashboards in the web UI (Chromium)', () => {
  const home = mkdtempSync(join(tmpdir(), 'cr-web-dash-'));
  let workspace: Workspace;
  let server: CleanroomServer;
  let keys: { brand: string; platform: string };
  let base = '';
  let session: BrowserSession;
  let page: Page;
  let roasResult = '';
  let builtId = '';

  const api = async <T>(token: string, method: string, url: string, body?: unknown, status = 200): Promise<T> => {
    const r = await server.app.inject({ method: method as 'GET', url, headers: { authorization: `Bearer ${token}` }, ...(body === undefined ? {} : { payload: body as object }) });
    if (r.statusCode !== status) throw new Error(`${method} ${url}: expected ${status}, got ${r.statusCode}: ${r.body}`);
    return (r.headers['content-type']?.toString().startsWith('application/json') ? JSON.parse(r.body) : r.body) as T;
  };
  const nav = (name: string): Promise<void> => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true }).click();
  const signIn = (token: string): Promise<void> => signInAt(page, `${base}/app/collaborations`, token);
  const download = async (click: () => Promise<void>): Promise<Buffer> => {
    const [file] = await Promise.all([page.waitForEvent('download'), click()]);
    return readFile((await file.path())!);
  };

  beforeAll(async () => {
    buildWebUi();
    workspace = await Workspace.open(home, { threads: 1, memoryLimit: '1GB' });
    await runDemo(workspace, 100_000, 7);
    keys = {
      brand: (await createApiKey(workspace.db, { member: 'brand', label: 'browser test', createdBy: 'test' })).token,
      platform: (await createApiKey(workspace.db, { member: 'platform', label: 'browser test', createdBy: 'test' })).token,
    };
    server = await buildServer({ workspace, rateLimitPerMinute: false });
    base = await listenOnLoopback(server.app);
    session = await openBrowser();
    page = session.page;
  }, 240_000);

  afterAll(async () => {
    await session?.close();
    await server?.shutdown(5_000);
    await workspace?.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('runs an analysis from the library, and the Campaign measurement dashboard shows that result', async () => {
    await signIn(keys.brand);
    await page.goto(`${base}/app/insights/roas?collaboration=media-insights`);
    // Not the demo's 7 days: the new result's rows differ from the older one's.
    await page.getByLabel(/lookback_days/).fill('30');
    await page.getByRole('button', { name: /^Run roas/ }).click();
    const outcome = page.getByTestId('run-outcome');
    await outcome.waitFor({ timeout: 60_000 });
    expect(await outcome.getAttribute('data-status')).toBe('succeeded');
    const link = await page.getByRole('link', { name: 'Open the result' }).getAttribute('href');
    roasResult = decodeURIComponent(link!.split('/').pop()!);

    await nav('Dashboards');
    await page.getByRole('button', { name: 'Set up the ready-made dashboards' }).click();
    await page.getByRole('link', { name: 'Campaign measurement' }).first().click();
    await page.getByTestId('dashboard-title').waitFor();
    expect(await page.getByTestId('dashboard-title').textContent()).toBe('Campaign measurement');
    const table = page.locator('[data-visual=roas-table] table');
    await table.waitFor({ timeout: 60_000 });

    // The numbers on the page are the new result's rows, as the result table serves them
    // (the columns the dashboard's table visual names).
    const measurement = await api<SpecView>(keys.brand, 'GET', '/v1/dashboards/campaign-measurement');
    const tableVisual = measurement.spec.visuals.find((v) => v.id === 'roas-table')!;
    const rows = await api<Rows>(keys.brand, 'GET', `/v1/results/${encodeURIComponent(roasResult)}/rows?limit=1000`);
    const idx = (tableVisual.fields.columns ?? rows.columns.map((c) => c.name)).map((c) => rows.columns.findIndex((x) => x.name === c));
    expect(idx.every((i) => i >= 0)).toBe(true);
    expect(rows.rows.length).toBeGreaterThan(0);
    const expected = rows.rows.map((r) => idx.map((i) => shown(r[i] ?? null)));
    expect(sortedRows(await tableCells(page, '[data-visual=roas-table]'))).toEqual(sortedRows(expected));
    // ...and differ from the demo's older roas result (7-day lookback), so this is the newest.
    const older = (await api<{ id: string; queryId: string; createdAt: string }[]>(keys.brand, 'GET', '/v1/results')).filter((r) => r.id !== roasResult);
    const olderRoas = [];
    for (const r of older) {
      const o = await api<Rows>(keys.brand, 'GET', `/v1/results/${encodeURIComponent(r.id)}/rows?limit=1000`);
      if (o.columns.map((c) => c.name).join() === rows.columns.map((c) => c.name).join()) olderRoas.push(o);
    }
    expect(olderRoas.length).toBeGreaterThan(0);
    expect(olderRoas.some((o) => JSON.stringify(sortedRows(o.rows.map((r) => idx.map((i) => shown(r[i] ?? null))))) !== JSON.stringify(sortedRows(expected)))).toBe(true);

    // The ROAS bars carry each campaign's main-row roas (computed here from the rows).
    await page.locator('[data-visual=roas] svg.chart').waitFor();
    const bars = await page.$$eval('[data-visual=roas] rect[data-value]', (rs) => rs.map((r) => [r.getAttribute('data-category'), Number(r.getAttribute('data-value'))] as const));
    const ci = rows.columns.findIndex((c) => c.name === 'campaign_id');
    const ri = rows.columns.findIndex((c) => c.name === 'roas');
    const byCampaign = new Map<string, number>();
    for (const r of rows.rows) if (r[ri] !== null) byCampaign.set(String(r[ci]), (byCampaign.get(String(r[ci])) ?? 0) + Number(r[ri]));
    expect(bars.length).toBe(byCampaign.size);
    for (const [campaign, value] of bars) expect(value).toBeCloseTo(byCampaign.get(campaign ?? '') ?? Number.NaN, 9);
    await page.waitForFunction(() => document.querySelectorAll('.visual .loading').length === 0);
    // A taller window for this one: the dashboard has seven visuals.
    await page.setViewportSize({ width: 1280, height: 1900 });
    await screenshot(page, 'dashboard-measurement');
    await page.setViewportSize({ width: 1280, height: 800 });

    // CSV of one visual: what the API serves for it.
    const csv = await download(() => page.getByRole('button', { name: `Download the data of ${tableVisual.title} as CSV` }).click());
    expect(csv.toString('utf8')).toBe(await api<string>(keys.brand, 'GET', `/v1/dashboards/${measurement.id}/visuals/roas-table/csv`));

    // PNG of the whole dashboard: a real image as wide as the grid (drawn at 2x).
    const png = await download(() => page.getByRole('button', { name: 'Export PNG' }).click());
    expect(png.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe(true);
    const width = png.readUInt32BE(16);
    const height = png.readUInt32BE(20);
    const grid = await page.getByTestId('dashboard-grid').boundingBox();
    expect(width).toBe(Math.ceil(grid!.width * 2));
    expect(height).toBeGreaterThan(grid!.height * 2);
    expect(png.length).toBeGreaterThan(20_000);
  });

  it('filters every visual that has the column', async () => {
    const rows = await api<Rows>(keys.brand, 'GET', `/v1/results/${encodeURIComponent(roasResult)}/rows?limit=1000`);
    const ci = rows.columns.findIndex((c) => c.name === 'campaign_id');
    const campaigns = [...new Set(rows.rows.map((r) => String(r[ci])))].sort();
    expect(campaigns.length).toBeGreaterThan(1);
    const pick = campaigns[0]!;
    await page.locator('[data-filter=campaign]').getByLabel(pick, { exact: true }).check();
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForFunction((c) => {
      const cells = [...document.querySelectorAll('[data-visual=roas-table] tbody tr td:nth-child(2)')].map((td) => td.textContent);
      const bars = [...document.querySelectorAll('[data-visual=roas] rect[data-value]')].map((r) => r.getAttribute('data-category'));
      return cells.length > 0 && cells.every((t) => t === c) && bars.length > 0 && bars.every((b) => b === c);
    }, pick);
    const expected = rows.rows.filter((r) => String(r[ci]) === pick).length;
    expect((await tableCells(page, '[data-visual=roas-table]')).length).toBe(expected);
    const bars = await page.$$eval('[data-visual=roas] rect[data-value]', (rs) => rs.map((r) => r.getAttribute('data-category')));
    expect(new Set(bars)).toEqual(new Set([pick]));
    await page.getByRole('button', { name: 'Clear' }).click();
  });

  it('builds a dashboard with two visuals, arranges it, saves it and shares it', async () => {
    await nav('Dashboards');
    await page.getByRole('link', { name: 'New dashboard' }).click();
    await page.getByLabel(/^Name/).fill('q4-review');
    await page.getByLabel(/^Title/).first().fill('Q4 review');

    await page.getByLabel('Kind of visual').selectOption('kpi');
    await page.getByRole('button', { name: 'Add visual' }).click();
    const first = page.locator('[data-editing=visual-1]');
    await first.getByLabel('Title').fill('Total spend');
    await first.getByLabel('Rows from').selectOption('latest-of-analysis');
    await first.getByLabel('Analysis', { exact: true }).fill('roas');
    await first.getByLabel(/^SQL over the newest result/).fill('SELECT SUM(spend) AS total_spend FROM latest');
    await first.getByLabel(/^value/).fill('total_spend');

    await page.getByLabel('Kind of visual').selectOption('bar');
    await page.getByRole('button', { name: 'Add visual' }).click();
    const second = page.locator('[data-editing=visual-2]');
    await second.getByLabel('Title').fill('ROAS by campaign');
    await second.getByLabel('Rows from').selectOption('latest-of-analysis');
    await second.getByLabel('Analysis', { exact: true }).fill('roas');
    await second.getByLabel(/^x /).fill('campaign_id');
    await second.getByLabel(/^y /).fill('roas');
    await second.getByLabel('Sort by').fill('roas');

    // Arrange: the bar chart moves up beside the KPI tile, which becomes narrower.
    for (let i = 0; i < 2; i++) await page.getByRole('button', { name: 'Make Total spend narrower' }).click();
    for (let i = 0; i < 6; i++) await page.getByRole('button', { name: 'Move ROAS by campaign right' }).click();
    for (let i = 0; i < 4; i++) await page.getByRole('button', { name: 'Move ROAS by campaign up' }).click();
    // Each step is announced to screen readers.
    expect(await page.getByTestId('arrange-status').textContent()).toBe('ROAS by campaign: column 7, row 1, 6 wide, 4 high');
    await screenshot(page, 'dashboard-builder');
    // A third visual, added and removed: the focus goes to "Add visual", not to the page.
    await page.getByLabel('Kind of visual').selectOption('table');
    await page.getByRole('button', { name: 'Add visual' }).click();
    await page.locator('[data-arrange=visual-3]').getByRole('button', { name: /^Remove/ }).click();
    expect(await page.locator('[data-arrange=visual-3]').count()).toBe(0);
    expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).toBe('Add visual');
    await page.getByRole('button', { name: 'Save dashboard' }).click();
    await page.locator('[data-testid=dashboard-title], [role=alert]').first().waitFor();
    if ((await page.getByRole('alert').count()) > 0) throw new Error(`saving failed: ${await page.getByRole('alert').first().textContent()}`);
    expect(await page.getByTestId('dashboard-title').textContent()).toBe('Q4 review');

    const saved = await api<{ id: string; spec: { visuals: { id: string; layout: { x: number; y: number; w: number; h: number } }[] } }>(keys.brand, 'GET', '/v1/dashboards/q4-review');
    builtId = saved.id;
    expect(saved.spec.visuals.map((v) => [v.id, v.layout])).toEqual([
      ['visual-1', { x: 0, y: 0, w: 4, h: 4 }],
      ['visual-2', { x: 6, y: 0, w: 6, h: 4 }],
    ]);

    // The KPI is the sum of spend over the newest roas result, added up here from its rows.
    const rows = await api<Rows>(keys.brand, 'GET', `/v1/results/${encodeURIComponent(roasResult)}/rows?limit=1000`);
    const si = rows.columns.findIndex((c) => c.name === 'spend');
    const total = rows.rows.reduce((s, r) => s + (r[si] === null ? 0 : Number(r[si])), 0);
    const kpi = page.locator('[data-visual=visual-1] .kpi-value');
    await kpi.waitFor();
    expect(Number(await kpi.getAttribute('data-value'))).toBeCloseTo(total, 6);
    await page.locator('[data-visual=visual-2] svg.chart').waitFor();
    const bars = await page.$$eval('[data-visual=visual-2] rect[data-value]', (rs) => rs.map((r) => Number(r.getAttribute('data-value'))));
    const ri = rows.columns.findIndex((c) => c.name === 'roas');
    const roas = rows.rows.map((r) => r[ri]).filter((v) => v !== null).map(Number).sort((a, b) => b - a);
    expect(bars).toEqual(roas);

    // Share with the platform, which may receive results in media-insights.
    const sharing = page.locator('.share-panel');
    await sharing.getByLabel('Collaboration', { exact: true }).selectOption('media-insights');
    await sharing.getByLabel('Member', { exact: true }).selectOption('platform');
    await page.getByRole('button', { name: 'Share read-only' }).click();
    await page.locator('[data-testid=shares] td', { hasText: 'platform' }).first().waitFor();
    await page.locator('[data-visual=visual-2] svg.chart').waitFor();
    await screenshot(page, 'dashboard');
    const view = await api<{ shares: { member: string; collaboration: string }[] }>(keys.brand, 'GET', `/v1/dashboards/${builtId}`);
    expect(view.shares.map((s) => [s.member, s.collaboration])).toEqual([['platform', 'media-insights']]);
  });

  it('shows the other member the shared dashboard read-only, and keeps an unshared one and the raw tables out of reach', async () => {
    const secret = await api<{ id: string }>(keys.brand, 'POST', '/v1/dashboards', {
      name: 'not-shared',
      visuals: [{ id: 'spend', kind: 'kpi', source: { kind: 'latest-of-analysis', analysis: 'roas', sql: 'SELECT SUM(spend) AS s FROM latest' }, fields: { value: 's' } }],
    }, 201);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await signIn(keys.platform);
    await nav('Dashboards');
    await page.getByTestId('shared-dashboards').waitFor();
    const shared = await page.$$eval('[data-testid=shared-dashboards] tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    expect(shared.map((r) => r.slice(0, 3))).toEqual([['Q4 review', 'brand', 'media-insights']]);
    await page.getByRole('link', { name: 'Q4 review' }).click();
    const kpi = page.locator('[data-visual=visual-1] .kpi-value');
    await kpi.waitFor();
    const ownerView = await api<{ rows: Cell[][] }>(keys.brand, 'POST', `/v1/dashboards/${builtId}/visuals/visual-1/data`, {});
    expect(await kpi.getAttribute('data-value')).toBe(String(ownerView.rows[0]![0]));
    expect(await page.getByText(/Shared with you read-only by/).count()).toBe(1);
    expect(await page.getByRole('link', { name: 'Edit' }).count()).toBe(0);
    expect(await page.getByRole('heading', { name: 'Sharing' }).count()).toBe(0);
    await page.locator('[data-visual=visual-2] svg.chart').waitFor();
    await screenshot(page, 'dashboard-shared');
    // On a phone-sized screen the grid is one column in reading order.
    await page.setViewportSize({ width: 390, height: 800 });
    const boxes = await page.$$eval('.dashboard-grid > .grid-cell', (cells) => cells.map((c) => c.getBoundingClientRect()).map((r) => ({ x: Math.round(r.x), y: r.y, w: r.width })));
    expect(new Set(boxes.map((b) => b.x)).size).toBe(1);
    expect(boxes[1]!.y).toBeGreaterThan(boxes[0]!.y);
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1)).toBe(true);
    await page.setViewportSize({ width: 1280, height: 800 });

    // The unshared dashboard answers exactly like one that does not exist.
    await page.goto(`${base}/app/dashboards/${secret.id}`);
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/\[unknown-dashboard\].*HTTP 404|HTTP 404.*\[unknown-dashboard\]/s);
    expect(await page.locator('.kpi-value').count()).toBe(0);
    // Nor can the viewer edit the shared one.
    await page.goto(`${base}/app/dashboards/${builtId}/edit`);
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('button', { name: 'Save dashboard' }).count()).toBe(0);

    // Raw tables: results SQL reaches only the platform's own results, so the brand's table is unknown.
    await nav('Results SQL');
    await page.getByLabel('SQL', { exact: true }).fill('SELECT * FROM customers_custom');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await page.getByTestId('sql-marked').waitFor();
    expect(await page.locator('.diagnostic-code').first().textContent()).toBe('[unknown-result-table]');
    expect(await page.getByTestId('sql-rows').count()).toBe(0);
  });

  it('ran without a CSP violation or an uncaught error', () => {
    expect(session.problems).toEqual([]);
  });
});
