/**
 * The web UI in real headless Chromium against the real server: sign in, every page,
 * and the numbers on each page compared with what the API answers for the same thing.
 * Saves a screenshot of each main page under docs/screenshots/.
 */
import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiWorld, CAMPAIGN_SQL, mediaCollaboration } from '../support/api-world.ts';
import { type BrowserSession, buildWebUi, HAVE_CHROMIUM, listenOnLoopback, openBrowser, screenshot, signInAt, tableCells } from './browser.ts';

type Cell = string | number | boolean | null;
const shown = (v: Cell): string => (v === null ? '—' : String(v));

/** A join column in the output: refused by the aggregation rule, and recorded. */
const REFUSED_SQL =
  'SELECT i.email_address, COUNT(i.cost) AS n FROM impressions i INNER JOIN customers c ON i.email_address = c.email_address GROUP BY i.email_address';

const PEOPLE_CSV = ['email_address,state,birth_country,status']
  .concat(Array.from({ length: 12 }, (_, i) => `p${i}@x.io,${['CA', 'NY', 'TX'][i % 3]},US,${i % 4 === 0 ? 'inactive' : 'active'}`))
  .join('\n') + '\n';
const VIEWS_CSV = ['email_address,device_type']
  .concat(Array.from({ length: 16 }, (_, i) => `p${i + 4}@x.io,${i % 2 === 0 ? 'mobile' : 'desktop'}`))
  .join('\n') + '\n';
const CUSTOM_RULE = { v1: { custom: { allowedAnalyses: [], disallowedOutputColumns: ['email_address'] } } };
const DP_RULE = {
  v1: {
    custom: {
      allowedAnalyses: ['ANY_QUERY'],
      allowedAnalysisProviders: ['brand'],
      disallowedOutputColumns: ['email_address'],
      differentialPrivacy: { columns: [{ name: 'email_address' }] },
    },
  },
};

interface SqlAnswer {
  columns: { name: string; type: string }[];
  rows: Cell[][];
  hasMore: boolean;
}
interface Catalog {
  tables: { name: string; id: string; named: boolean }[];
  saved: { name: string; kind: string; sql: string }[];
}
type Kinds = Record<'COUNT' | 'COUNT_DISTINCT' | 'SUM' | 'AVG' | 'STDDEV', number>;
interface Report {
  tables: (
    | { view: 'owner'; table: string; settings: { epsilon: number; delta: number; usersNoisePerQuery: number; refresh: string } | null; spentEpsilon: number; spentDelta: number; remainingEpsilon: number; queriesRemaining: Kinds; ledger: { queryId: string; epsilon: number; status: string; runner: string }[] }
    | { view: 'member'; table: string; budgetSet: boolean; queriesRemaining: Kinds }
  )[];
}

describe.skipIf(!HAVE_CHROMIUM)('the web UI in Chromium', () => {
  let world: ApiWorld;
  let keys: { brand: string; platform: string };
  let base = '';
  let session: BrowserSession;
  let page: Page;
  let problems: string[] = [];

  const api = async <T>(token: string, method: string, url: string, body?: unknown, status = 200): Promise<T> => {
    const r = await world.call(token, method, url, body);
    if (r.status !== status) throw new Error(`${method} ${url}: expected ${status}, got ${r.status}: ${r.text}`);
    return r.body as T;
  };

  const nav = (name: string): Promise<void> => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true }).click();

  const signIn = (token: string): Promise<void> => signInAt(page, `${base}/app/collaborations`, token);

  beforeAll(async () => {
    buildWebUi();
    world = await ApiWorld.start();
    keys = await mediaCollaboration(world);
    const { brand, platform } = keys;
    // History: one accepted query and one the rules refuse.
    const ok = await world.call(brand, 'POST', '/v1/collaborations/media/queries?wait=30', { sql: CAMPAIGN_SQL });
    expect((await world.finish(brand, 'media', (ok.body as { id: string }).id))['status']).toBe('succeeded');
    const refused = await world.call(brand, 'POST', '/v1/collaborations/media/queries?wait=30', { sql: REFUSED_SQL });
    expect([200, 202, 422]).toContain(refused.status);

    // A second collaboration over custom-rule tables, with the library's audience-overlap approved.
    await api(brand, 'POST', '/v1/members/brand/datasets/people?filename=people.csv', PEOPLE_CSV, 201);
    await api(platform, 'POST', '/v1/members/platform/datasets/views?filename=views.csv', VIEWS_CSV, 201);
    await api(brand, 'POST', '/v1/members/brand/tables', { name: 'people', dataset: 'people', rule: CUSTOM_RULE, columns: ['email_address', 'state', 'birth_country', 'status'] }, 201);
    await api(platform, 'POST', '/v1/members/platform/tables', { name: 'views', dataset: 'views', rule: CUSTOM_RULE, columns: ['email_address', 'device_type'] }, 201);
    await api(brand, 'POST', '/v1/collaborations', {
      name: 'planning',
      members: [
        { member: 'brand', query: true, receive: true },
        { member: 'platform', query: false, receive: false },
      ],
    }, 201);
    await api(platform, 'POST', '/v1/collaborations/planning/accept');
    await api(brand, 'POST', '/v1/collaborations/planning/associations', { table: 'people', name: 'customers' }, 201);
    await api(platform, 'POST', '/v1/collaborations/planning/associations', { table: 'views', name: 'impressions' }, 201);
    await api(brand, 'POST', '/v1/collaborations/planning/insights/install', { only: ['audience-overlap', 'reach-frequency'] });
    await api(brand, 'POST', '/v1/collaborations/planning/templates/audience-overlap/approve', { table: 'customers' });
    await api(platform, 'POST', '/v1/collaborations/planning/templates/audience-overlap/approve', { table: 'impressions' });

    // A third, over a table with differential privacy (no budget yet): the privacy page.
    await api(platform, 'POST', '/v1/members/platform/tables', { name: 'views_dp', dataset: 'views', rule: DP_RULE, columns: ['email_address', 'device_type'] }, 201);
    await api(brand, 'POST', '/v1/collaborations', {
      name: 'spending',
      members: [
        { member: 'brand', query: true, receive: true },
        { member: 'platform', query: false, receive: false },
      ],
    }, 201);
    await api(platform, 'POST', '/v1/collaborations/spending/accept');
    await api(platform, 'POST', '/v1/collaborations/spending/associations', { table: 'views_dp', name: 'impressions' }, 201);

    base = await listenOnLoopback(world.server.app);
    // A blocked script or style (CSP) and an uncaught exception are failures of the page.
    session = await openBrowser();
    page = session.page;
    problems = session.problems;
  }, 180_000);

  afterAll(async () => {
    await session?.close();
    await world?.close();
  });

  it('shows sign-in to an unauthenticated visit and refuses a wrong key with the server diagnostic', async () => {
    await page.goto(`${base}/app/results`);
    await expect(page.getByRole('heading', { name: 'Cleanroom' }).isVisible()).resolves.toBe(true);
    await expect(page.getByLabel('Member API key').isVisible()).resolves.toBe(true);
    await screenshot(page, 'sign-in');
    await page.getByLabel('Member API key').fill('crk_nobody_0000000000000000000000000000000000000000000');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/\[invalid-api-key\]|HTTP 401/);
    expect(await page.evaluate(() => sessionStorage.getItem('cleanroom.apiKey'))).toBeNull();
    expect(await page.getByTestId('me').count()).toBe(0);
  });

  it('signs in with a member key, says who you are, and lists the collaborations', async () => {
    await signIn(keys.brand);
    expect(await page.getByTestId('me').textContent()).toBe('brand');
    await page.getByTestId('collaborations').waitFor();
    const rows = await page.$$eval('[data-testid=collaborations] tbody tr td:first-child', (tds) => tds.map((t) => t.textContent));
    const names = (await api<{ name: string }[]>(keys.brand, 'GET', '/v1/collaborations')).map((c) => c.name);
    expect([...rows].sort()).toEqual([...names].sort());
    await screenshot(page, 'collaborations');
    // Keyboard: the first Tab stops are the skip link, then the header's links.
    await page.locator('body').focus();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Collaborations');
  });

  it('explains a collaboration: members, abilities, tables with schemas and rules in sentences, templates', async () => {
    await page.getByRole('link', { name: 'media', exact: true }).click();
    await page.getByTestId('members').waitFor();
    const memberRows = await page.$$eval('[data-testid=members] tbody tr', (rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent)));
    expect(memberRows).toEqual([
      ['brandyou', 'yes', 'yes', 'accepted'],
      ['platform', 'no', 'no', 'accepted'],
    ]);
    const impressions = await page.getByTestId('table-impressions').textContent();
    expect(impressions).toContain('Minimum users per row: every output row must come from at least 2 distinct “email_address” values');
    expect(impressions).toContain('Queries may aggregate: count distinct values of “email_address” and sum “cost”.');
    expect(impressions).toContain('Results may be grouped and filtered by “campaign_id”.');
    expect(impressions).toContain("It may be joined with other members' tables only on “email_address”");
    await screenshot(page, 'collaboration');

    await page.goto(`${base}/app/collaborations/planning`);
    await page.getByTestId('templates').waitFor();
    const templates = await page.getByTestId('templates').textContent();
    expect(templates).toContain('audience-overlap');
    expect(templates).toContain('approved');
    expect(await page.getByTestId('table-customers').textContent()).toContain('Approved analysis templates may run on it: “audience-overlap”.');
  });

  it('shows your datasets with the statistics the API reports, and your configured tables', async () => {
    await nav('Datasets');
    await page.getByTestId('datasets').waitFor();
    const listed = await api<{ name: string; rows: number }[]>(keys.brand, 'GET', '/v1/members/brand/datasets');
    const cells = await page.$$eval('[data-testid=datasets] tbody tr', (rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent)));
    expect(cells.map((c) => c[0]).sort()).toEqual(listed.map((d) => d.name).sort());
    await page.getByRole('link', { name: 'people' }).click();
    await page.getByTestId('column-stats').waitFor();
    const shownStats = await page.$$eval('[data-testid=column-stats] tbody tr', (rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent)));
    const described = await api<{ versions: { rowCount: number; columns: { name: string }[]; stats: Record<string, { nullCount: number; approxDistinct: number; min: string | null; max: string | null }> }[] }>(
      keys.brand,
      'GET',
      '/v1/members/brand/datasets/people',
    );
    const latest = described.versions[described.versions.length - 1]!;
    expect(await page.getByTestId('row-count').textContent()).toBe(String(latest.rowCount));
    expect(shownStats.map((r) => [r[0], r[3], r[4], r[5], r[6]])).toEqual(
      latest.columns.map((c) => {
        const s = latest.stats[c.name]!;
        return [c.name, String(s.nullCount), String(s.approxDistinct), s.min ?? '—', s.max ?? '—'];
      }),
    );
    await screenshot(page, 'dataset');

    await nav('Tables');
    await page.getByTestId('table-people').waitFor();
    await screenshot(page, 'tables');
    expect(await page.getByTestId('table-people').textContent()).toContain('may be joined and counted but never appear in an output');
    expect(await page.getByTestId('table-people').textContent()).toContain('Approved analysis templates may run on it: “audience-overlap”.');
    expect(await page.getByTestId('table-customers').textContent()).toContain('Aggregation rule');
  });

  it('shows query history with status, rows, duration and the diagnostic of a refused query', async () => {
    await nav('Queries');
    await page.getByTestId('queries').waitFor();
    const own = await api<{ id: string; status: string; rowCount?: number; error?: { code: string; message: string } }[]>(keys.brand, 'GET', '/v1/collaborations/media/queries');
    const statuses = await page.$$eval('[data-testid=query-row]', (rows) => rows.map((r) => r.getAttribute('data-status')));
    expect([...statuses].sort()).toEqual(own.map((q) => q.status).sort());
    const refused = own.find((q) => q.status === 'refused');
    expect(refused?.error).toBeDefined();
    const diagnostic = await page.locator('tr.diagnostic-row').first().textContent();
    expect(diagnostic).toContain(`[${refused!.error!.code}]`);
    expect(diagnostic).toContain(refused!.error!.message);
    const succeeded = own.find((q) => q.status === 'succeeded')!;
    const row = await page.$eval('[data-testid=query-row][data-status=succeeded]', (r) => [...r.querySelectorAll('td')].map((td) => td.textContent));
    expect(row[4]).toBe(String(succeeded.rowCount));
    await screenshot(page, 'queries');
  });

  it('validates parameters in the form before anything is sent', async () => {
    await page.goto(`${base}/app/insights/reach-frequency?collaboration=planning`);
    const field = page.locator('form.run-form input[type=text]').first();
    await field.waitFor();
    await field.fill('not a number');
    await page.getByRole('button', { name: /^Run reach-frequency/ }).click();
    expect(await page.locator('.field-error').first().textContent()).toMatch(/number/);
    expect(await page.getByTestId('run-progress').count()).toBe(0);
    expect(await page.getByTestId('run-outcome').count()).toBe(0);
  });

  it('runs an analysis from the library and shows the same rows the API returns', async () => {
    await nav('Insights');
    await page.getByLabel('Collaboration').selectOption('planning');
    await page.waitForURL(/collaboration=planning/);
    await screenshot(page, 'insights');
    await page.getByRole('link', { name: 'audience-overlap' }).click();
    await page.getByLabel(/segment/).selectOption('status');
    await screenshot(page, 'insight-form');
    await page.getByRole('button', { name: 'Run audience-overlap in planning' }).click();
    const outcome = page.getByTestId('run-outcome');
    await outcome.waitFor({ timeout: 60_000 });
    expect(await outcome.getAttribute('data-status')).toBe('succeeded');
    const link = await page.getByRole('link', { name: 'Open the result' }).getAttribute('href');
    const resultId = decodeURIComponent(link!.split('/').pop()!);
    const rows = await api<{ columns: { name: string }[]; rows: Cell[][] }>(keys.brand, 'GET', `/v1/results/${encodeURIComponent(resultId)}/rows?limit=100`);
    expect(rows.rows.length).toBeGreaterThan(0);
    expect(await tableCells(page, '[data-testid=run-outcome] [data-testid=result-table]')).toEqual(rows.rows.map((r) => r.map(shown)));
    // brand_customers by status, counted by hand from PEOPLE_CSV: p0,p4,p8 inactive; 9 active.
    const byStatus = Object.fromEntries(rows.rows.map((r) => [r[0], r[1]]));
    expect(Number(byStatus['inactive'])).toBe(3);
    expect(Number(byStatus['active'])).toBe(9);
    await screenshot(page, 'insight-run');
  });

  it('lists results, pages through one, and downloads it as the API serves it', async () => {
    await nav('Results');
    await page.getByTestId('results').waitFor();
    const results = await api<{ id: string; rowCount: number; createdAt: string }[]>(keys.brand, 'GET', '/v1/results');
    const ids = await page.$$eval('[data-testid=results] tbody tr td:first-child', (tds) => tds.map((t) => t.textContent));
    expect([...ids].sort()).toEqual(results.map((r) => r.id).sort());
    await screenshot(page, 'results');

    const first = [...results].sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0]!;
    await page.getByRole('link', { name: first.id }).click();
    await page.getByTestId('result-table').waitFor();
    const apiRows = await api<{ rows: Cell[][] }>(keys.brand, 'GET', `/v1/results/${first.id}/rows?offset=0&limit=50`);
    expect(await tableCells(page, '[data-testid=result-table]')).toEqual(apiRows.rows.map((r) => r.map(shown)));
    // Column statistics, computed here from every row of the result.
    const all = await api<{ columns: { name: string }[]; rows: Cell[][] }>(keys.brand, 'GET', `/v1/results/${first.id}/rows?offset=0&limit=10000`);
    await page.getByTestId('column-stats').waitFor();
    const stats = await page.$$eval('[data-testid=column-stats] tbody tr', (rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent ?? '')));
    expect(stats.map((r) => r[0])).toEqual(all.columns.map((c) => c.name));
    all.columns.forEach((_, j) => {
      const values = all.rows.map((r) => r[j] ?? null);
      const present = values.filter((v): v is string | number | boolean => v !== null);
      const [, , nulls, distinct, min, max] = stats[j]!;
      expect(Number(nulls)).toBe(values.length - present.length);
      expect(Number(distinct)).toBe(new Set(present.map(String)).size);
      const numeric = present.every((v) => typeof v === 'number' || (typeof v === 'string' && v !== '' && Number.isFinite(Number(v))));
      const sorted = numeric ? [...present].map(Number).sort((a, b) => a - b) : [...present].map(String).sort();
      if (present.length > 0) {
        expect(numeric ? Number(min) : min).toBe(sorted[0]);
        expect(numeric ? Number(max) : max).toBe(sorted[sorted.length - 1]);
      }
    });
    await screenshot(page, 'result');

    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('button[data-format=csv]').click()]);
    const text = await readFile((await download.path())!, 'utf8');
    expect(text).toBe((await world.call(keys.brand, 'GET', `/v1/results/${first.id}/download?format=csv`)).text);
  });

  it('runs results SQL beside the catalog, pages, shows refusals with the diagnostic, saves, opens, deletes and renames', async () => {
    await nav('Results SQL');
    await page.getByTestId('catalog-tables').waitFor();
    const catalog = await api<Catalog>(keys.brand, 'GET', '/v1/results-sql/catalog');
    const listed = await page.$$eval('[data-testid=catalog-tables] > li', (lis) => lis.map((li) => li.getAttribute('data-table')));
    expect([...listed].sort()).toEqual(catalog.tables.map((t) => t.name).sort());
    expect(catalog.tables.length).toBeGreaterThanOrEqual(2);

    // Six-fold cross join of the catalog listing: more than one page, in a total order.
    const cross = 'SELECT a.name AS a, b.name AS b, c.name AS c, d.name AS d, e.name AS e, f.name AS f FROM results a, results b, results c, results d, results e, results f ORDER BY 1, 2, 3, 4, 5, 6';
    await page.getByLabel('SQL', { exact: true }).fill(cross);
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await page.getByTestId('sql-rows').waitFor();
    const first = await api<SqlAnswer>(keys.brand, 'POST', '/v1/results-sql/query', { sql: cross, offset: 0, limit: 50 });
    expect(first.hasMore).toBe(true);
    expect(await tableCells(page, '[data-testid=sql-rows]')).toEqual(first.rows.map((r) => r.map(shown)));
    await page.getByRole('navigation', { name: 'Pages of rows' }).getByRole('button', { name: 'Next →' }).click();
    await page.locator('[data-testid=sql-rows] caption', { hasText: 'rows 51–' }).waitFor();
    const second = await api<SqlAnswer>(keys.brand, 'POST', '/v1/results-sql/query', { sql: cross, offset: 50, limit: 50 });
    expect(await tableCells(page, '[data-testid=sql-rows]')).toEqual(second.rows.map((r) => r.map(shown)));

    const target = catalog.tables[0]!.name;
    const sql = `SELECT * FROM ${target} ORDER BY 1`;
    await page.getByLabel('SQL', { exact: true }).fill(sql);
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await page.locator('[data-testid=sql-rows] caption', { hasText: /^(rows 1–|no rows)/ }).waitFor();
    const answer = await api<SqlAnswer>(keys.brand, 'POST', '/v1/results-sql/query', { sql, limit: 50 });
    expect(await tableCells(page, '[data-testid=sql-rows]')).toEqual(answer.rows.map((r) => r.map(shown)));
    await screenshot(page, 'results-sql');

    // A raw table is out of reach: the page shows the server's refusal and marks the name.
    const raw = 'SELECT state, count(*) AS n FROM customers GROUP BY state';
    await page.getByLabel('SQL', { exact: true }).fill(raw);
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    const refusal = page.getByTestId('sql-refusal');
    await refusal.waitFor();
    const refused = await world.call(keys.brand, 'POST', '/v1/results-sql/query', { sql: raw });
    expect(refused.status).toBe(422);
    const diagnostic = (refused.body as { error: { code: string; message: string; position?: number; fragment?: string } }).error;
    expect(diagnostic.code).toBe('unknown-result-table');
    const text = await refusal.textContent();
    expect(text).toContain(`[${diagnostic.code}]`);
    expect(text).toContain(diagnostic.message);
    expect(text).toContain('HTTP 422');
    if (diagnostic.position !== undefined || diagnostic.fragment !== undefined) {
      expect(await page.locator('[data-testid=sql-marked] mark').textContent()).toContain('customers');
    }
    await screenshot(page, 'results-sql-refused');

    // Save as a view, see it listed, open it, delete it.
    await page.getByLabel('SQL', { exact: true }).fill(sql);
    await page.getByText('Save as a named query or view').click();
    await page.locator('input[name=saved-name]').fill('first_result');
    await page.locator('select[name=saved-kind]').selectOption('view');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.locator('[data-testid=saved-list] li[data-saved=first_result]').waitFor();
    const saved = await api<{ name: string; kind: string; sql: string }>(keys.brand, 'GET', '/v1/results-sql/saved/first_result');
    expect(saved).toMatchObject({ name: 'first_result', kind: 'view' });
    await page.getByLabel('SQL', { exact: true }).fill('');
    await page.getByRole('button', { name: 'Open first_result' }).click();
    expect(await page.getByLabel('SQL', { exact: true }).inputValue()).toBe(saved.sql);
    await page.getByRole('button', { name: 'Delete first_result' }).click();
    await page.getByRole('button', { name: 'Confirm deleting first_result' }).click();
    await page.locator('[data-testid=saved-list] li[data-saved=first_result]').waitFor({ state: 'detached' });
    expect((await world.call(keys.brand, 'GET', '/v1/results-sql/saved/first_result')).status).toBe(404);

    // Rename a result: the catalog (page and API) knows it by the new name.
    const renamed = catalog.tables[0]!;
    await page.locator(`[data-testid=catalog-tables] li[data-table=${renamed.name}] summary`).click();
    await page.getByRole('button', { name: `Rename ${renamed.name}` }).click();
    await page.getByLabel(`New name for result ${renamed.id.slice(0, 8)}`).fill('renamed_result');
    await page.getByRole('button', { name: 'Rename', exact: true }).click();
    await page.locator('[data-testid=catalog-tables] li[data-table=renamed_result]').waitFor();
    const after = await api<Catalog>(keys.brand, 'GET', '/v1/results-sql/catalog');
    expect(after.tables.find((t) => t.id === renamed.id)).toMatchObject({ name: 'renamed_result', named: true });
  });

  it('signs out: the key is forgotten and sign-in shows again', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Member API key').waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem('cleanroom.apiKey'))).toBeNull();
    await page.goto(`${base}/app/datasets`);
    await page.getByLabel('Member API key').waitFor();
    expect(await page.getByTestId('me').count()).toBe(0);
  });

  it('lets a table owner review templates and approve or revoke them on its tables', async () => {
    await signIn(keys.platform);
    await page.goto(`${base}/app/templates?collaboration=planning`);
    const card = page.getByTestId('template-audience-overlap');
    await card.waitFor();
    const view = await api<{ runSql: string; outputs: string[]; approvals: Record<string, boolean>; reads: Record<string, string[]> }>(
      keys.platform, 'GET', '/v1/collaborations/planning/templates/audience-overlap');
    expect(await card.getByTestId('run-sql').textContent()).toBe(view.runSql);
    expect(await card.getByTestId('outputs').textContent()).toBe(view.outputs.join(', '));
    const approvals = await card.locator('[data-testid=approval]').evaluateAll((rows) => Object.fromEntries(rows.map((r) => [r.getAttribute('data-table'), r.getAttribute('data-approved') === 'true'])));
    expect(approvals).toEqual(view.approvals);
    // Only the platform's own table has a button; the brand's table is the brand's to decide.
    expect(await card.getByRole('button', { name: 'Revoke audience-overlap on customers' }).count()).toBe(0);
    await screenshot(page, 'templates');

    await card.getByRole('button', { name: 'Revoke audience-overlap on impressions' }).click();
    await card.locator('[data-testid=approval][data-table=impressions][data-approved=false]').waitFor();
    expect((await api<{ approvals: Record<string, boolean> }>(keys.platform, 'GET', '/v1/collaborations/planning/templates/audience-overlap')).approvals['impressions']).toBe(false);
    await card.getByRole('button', { name: 'Approve audience-overlap on impressions' }).click();
    await card.locator('[data-testid=approval][data-table=impressions][data-approved=true]').waitFor();
    expect((await api<{ approvals: Record<string, boolean> }>(keys.platform, 'GET', '/v1/collaborations/planning/templates/audience-overlap')).approvals['impressions']).toBe(true);
  });

  it('shows the owner its budget, checks the form before sending, previews and saves it, and lists the ledger', async () => {
    await nav('Privacy');
    await page.getByLabel('Collaboration').selectOption('spending');
    const card = page.getByTestId('budget-impressions');
    await card.waitFor();
    expect(await card.getAttribute('data-view')).toBe('owner');
    // Out of range: refused next to the field, and nothing is sent.
    await card.getByLabel('Total epsilon per period').fill('50');
    await card.getByRole('button', { name: 'Save budget' }).click();
    expect(await card.locator('.field-error').textContent()).toContain('epsilon: must be a number from 0.01 to 20');
    const untouched = await api<Report>(keys.platform, 'GET', '/v1/collaborations/spending/privacy-budget');
    expect(untouched.tables[0]).toMatchObject({ view: 'owner', settings: null });

    await card.getByLabel('Total epsilon per period').fill('3');
    await card.getByRole('button', { name: 'Preview' }).click();
    await card.getByTestId('budget-preview').waitFor();
    const preview = await api<{ queries: Kinds }>(keys.platform, 'POST', '/v1/collaborations/spending/privacy-preview', { epsilon: 3, usersNoisePerQuery: 30 });
    const previewShown = await card.locator('[data-testid=preview-queries] td').evaluateAll((tds) => Object.fromEntries(tds.map((td) => [td.getAttribute('data-kind'), Number(td.textContent)])));
    expect(previewShown).toEqual(preview.queries);
    await card.getByRole('button', { name: 'Save budget' }).click();
    await card.getByTestId('budget-saved').waitFor();
    await card.getByTestId('budget-facts').waitFor();

    // A differentially private query by the brand spends some of it.
    const run = await world.call(keys.brand, 'POST', '/v1/collaborations/spending/queries?wait=30', { sql: 'SELECT COUNT(DISTINCT email_address) AS reach FROM impressions' });
    expect((await world.finish(keys.brand, 'spending', (run.body as { id: string }).id))['status']).toBe('succeeded');
    await page.getByRole('button', { name: 'Refresh' }).click();
    await card.getByTestId('ledger').waitFor();
    const report = await api<Report>(keys.platform, 'GET', '/v1/collaborations/spending/privacy-budget');
    const owned = report.tables[0]!;
    if (owned.view !== 'owner' || owned.settings === null) throw new Error('expected the owner view with settings');
    expect(owned.settings).toEqual({ epsilon: 3, delta: 1e-6, usersNoisePerQuery: 30, refresh: 'none' });
    expect(await card.getByTestId('spent').textContent()).toBe(`ε ${owned.spentEpsilon}, δ ${owned.spentDelta}`);
    expect(await card.getByTestId('remaining').textContent()).toBe(`ε ${owned.remainingEpsilon}`);
    const left = await card.locator('[data-testid=queries-remaining] td').evaluateAll((tds) => Object.fromEntries(tds.map((td) => [td.getAttribute('data-kind'), Number(td.textContent)])));
    expect(left).toEqual(owned.queriesRemaining);
    const ledger = await card.locator('[data-testid=ledger] tbody tr').evaluateAll((rows) => rows.map((r) => [r.getAttribute('data-query'), r.querySelectorAll('td')[5]?.textContent, r.querySelectorAll('td')[7]?.textContent]));
    expect(ledger).toEqual(owned.ledger.map((e) => [e.queryId, String(e.epsilon), e.status]));
    expect(owned.ledger.length).toBe(1);
    await screenshot(page, 'privacy-owner');
  });

  it('shows another member only how many queries remain', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await signIn(keys.brand);
    await page.goto(`${base}/app/privacy?collaboration=spending`);
    const card = page.getByTestId('budget-impressions');
    await card.waitFor();
    expect(await card.getAttribute('data-view')).toBe('member');
    expect(await card.locator('form').count()).toBe(0);
    const report = await api<Report>(keys.brand, 'GET', '/v1/collaborations/spending/privacy-budget');
    const seen = report.tables[0]!;
    expect(seen.view).toBe('member');
    const left = await card.locator('[data-testid=queries-remaining] td').evaluateAll((tds) => Object.fromEntries(tds.map((td) => [td.getAttribute('data-kind'), Number(td.textContent)])));
    expect(left).toEqual(seen.queriesRemaining);
    await screenshot(page, 'privacy-member');
  });

  it('lets an invited member accept the invitation from the collaboration page', async () => {
    await api(keys.brand, 'POST', '/v1/collaborations', {
      name: 'invite',
      members: [
        { member: 'brand', query: true, receive: true },
        { member: 'platform', query: false, receive: true },
      ],
    }, 201);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await signIn(keys.platform);
    await page.getByTestId('collaborations').waitFor();
    const row = page.locator('[data-testid=collaborations] tr', { hasText: 'invite' });
    expect(await row.locator('.badge.warn').textContent()).toBe('not accepted');
    await page.getByRole('link', { name: 'invite', exact: true }).click();
    const invitation = page.getByTestId('invitation');
    await invitation.waitFor();
    expect(await invitation.textContent()).toContain('brand invited you to receive results');
    await screenshot(page, 'invitation');
    await page.getByRole('button', { name: 'Accept the invitation to invite' }).click();
    await page.getByTestId('invitation').waitFor({ state: 'detached' });
    const described = await api<{ members: { member: string; accepted: boolean }[] }>(keys.platform, 'GET', '/v1/collaborations/invite');
    expect(described.members.find((m) => m.member === 'platform')?.accepted).toBe(true);
    expect(await page.locator('[data-testid=members] tr', { hasText: 'platform' }).locator('td').nth(3).textContent()).toBe('accepted');
  });

  it('ran without a CSP violation or an uncaught error, and the CSP does block inline script', async () => {
    expect(problems).toEqual([]);
    const ran = await page.evaluate(() => {
      const s = document.createElement('script');
      s.textContent = 'window.__inlineRan = true';
      document.body.append(s);
      return (window as unknown as Record<string, unknown>)['__inlineRan'] === true;
    });
    expect(ran).toBe(false);
    await expect.poll(() => problems.some((p) => /Content.Security.Policy/i.test(p))).toBe(true);
  });
});
