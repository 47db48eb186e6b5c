/**
 * The insights run form in real headless Chromium against the real server: a list
 * analysis (segment-export) over tables that are not named like its roles, so the
 * table-role mapping must be chosen; the receiver and the delivery options (normalise,
 * SHA-256); checks next to the fields before anything is sent; the server's diagnostic
 * on a refusal; and the query history linking each result you received. What the page
 * shows is compared with what the API answers for the same query, and the hashed
 * identifiers with node:crypto over the CSVs below (an independent computation).
 */
import { createHash } from 'node:crypto';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiWorld } from '../support/api-world.ts';
import { buildWebUi, HAVE_CHROMIUM, openBrowser, listenOnLoopback, type BrowserSession, screenshot, tableCells } from './browser.ts';

type Cell = string | number | boolean | null;

// The brand's customers and the platform's audience spell identifiers the same (messy) way, so they join.
const CRM_CSV = [
  'email_address,status,date_created',
  'A@X.com,active,2020-01-01',
  'B@x.COM,active,2021-06-01',
  'c@x.com,active,2022-03-01',
  'D@x.com,churned,2022-03-01',
  'e@x.com,active,2023-01-01',
  'F@x.com,active,2019-05-05',
].join('\n') + '\n';
const AUDIENCE_CSV = ['email_address', 'A@X.com', 'A@X.com', 'B@x.COM', 'c@x.com', 'D@x.com', 'F@x.com', 'y@x.com'].join('\n') + '\n';
const listRule = (listColumns: string[], minimumListSize: number): unknown => ({
  v1: { list: { joinColumns: ['email_address'], listColumns, minimumListSize } },
});

const sha256 = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');
// By hand: active customers the platform saw, created on or after 2020-01-01: A, B and c
// (D churned, e never seen, F created in 2019, y no customer); trimmed, lowercased, hashed.
const EXPECTED = ['a@x.com', 'b@x.com', 'c@x.com'].map(sha256).sort();

interface QueryView {
  id: string;
  status: string;
  runner: string;
  receiver: string;
  tables: string[];
  parameters?: Record<string, string>;
  delivery?: { column: string; normalize: boolean; hash?: string }[];
  rowCount?: number;
  resultId?: string;
  error?: { code: string; message: string };
}

describe.skipIf(!HAVE_CHROMIUM)('the insights run form: table roles and delivery, in Chromium', () => {
  let world: ApiWorld;
  let brand = '';
  let platform = '';
  let base = '';
  let session: BrowserSession;
  let page: Page;
  let problems: string[] = [];
  /** Query ids of the runs made from the form, by what they were. */
  const runs = { hashed: '', refused: '', toPlatform: '' };

  const api = async <T>(token: string, method: string, url: string, body?: unknown, status = 200): Promise<T> => {
    const r = await world.call(token, method, url, body);
    if (r.status !== status) throw new Error(`${method} ${url}: expected ${status}, got ${r.status}: ${r.text}`);
    return r.body as T;
  };
  const runButton = () => page.getByRole('button', { name: 'Run segment-export in activation' });
  /** Runs the form and waits for the outcome of this run (not the one shown before). */
  const runFromForm = async (previous: string): Promise<{ id: string; status: string }> => {
    await runButton().click();
    const outcome = page.locator(`[data-testid=run-outcome]:not([data-query-id="${previous}"])`);
    await outcome.waitFor({ timeout: 60_000 });
    return { id: (await outcome.getAttribute('data-query-id'))!, status: (await outcome.getAttribute('data-status'))! };
  };

  beforeAll(async () => {
    buildWebUi();
    world = await ApiWorld.start();
    brand = await world.member('brand');
    platform = await world.member('platform');
    await api(brand, 'POST', '/v1/members/brand/datasets/crm?filename=crm.csv', CRM_CSV, 201);
    await api(platform, 'POST', '/v1/members/platform/datasets/audience?filename=audience.csv', AUDIENCE_CSV, 201);
    await api(brand, 'POST', '/v1/members/brand/tables', { name: 'crm', dataset: 'crm', rule: listRule(['email_address', 'status', 'date_created'], 0) }, 201);
    await api(platform, 'POST', '/v1/members/platform/tables', { name: 'audience', dataset: 'audience', rule: listRule(['email_address'], 3) }, 201);
    await api(brand, 'POST', '/v1/collaborations', {
      name: 'activation',
      members: [
        { member: 'brand', query: true, receive: true },
        { member: 'platform', query: false, receive: true },
      ],
    }, 201);
    await api(platform, 'POST', '/v1/collaborations/activation/accept');
    // Named unlike the roles (customers, impressions): the form must be told which is which.
    await api(brand, 'POST', '/v1/collaborations/activation/associations', { table: 'crm', name: 'crm_list' }, 201);
    await api(platform, 'POST', '/v1/collaborations/activation/associations', { table: 'audience', name: 'audience_list' }, 201);

    base = await listenOnLoopback(world.server.app);
    session = await openBrowser();
    page = session.page;
    problems = session.problems;
    await page.goto(`${base}/app/insights/segment-export?collaboration=activation`);
    await page.getByLabel('Member API key').fill(brand);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('me').waitFor();
  }, 180_000);

  afterAll(async () => {
    await session?.close();
    await world?.close();
  });

  it('offers every associated table for each role and checks the tables and delivery fields before sending', async () => {
    const customers = page.getByLabel('customers table');
    await customers.waitFor();
    const described = await api<{ tables: { name: string }[] }>(brand, 'GET', '/v1/collaborations/activation');
    const offered = await customers.locator('option').evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value));
    // No table is named like the role, so none is chosen until the runner picks one.
    expect(offered).toEqual(['', ...described.tables.map((t) => t.name)]);
    expect(await customers.inputValue()).toBe('');
    expect(await page.getByLabel('Receiver').inputValue()).toBe('brand');

    await page.getByLabel('Hash on delivery (SHA-256)').fill('email address');
    await runButton().click();
    expect(await page.locator('#table-customers-error').textContent()).toBe("no associated table is named 'customers': choose the table that plays this role");
    expect(await page.locator('#table-impressions-error').textContent()).toContain("no associated table is named 'impressions'");
    expect(await page.locator('#delivery-hash-error').textContent()).toContain("'email address' is not a column name");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('table-customers');
    // The problem is announced with its field.
    expect(await customers.getAttribute('aria-describedby')).toContain('table-customers-error');
    expect(await page.getByTestId('run-outcome').count()).toBe(0);
    expect(await api<QueryView[]>(brand, 'GET', '/v1/collaborations/activation/queries')).toEqual([]);
  });

  it('runs segment-export with the chosen tables, normalised and hashed, and shows what the API has for that query', async () => {
    await page.getByLabel('customers table').selectOption('crm_list');
    await page.getByLabel('impressions table').selectOption('audience_list');
    await page.locator('#param-created_since').fill('2020-01-01');
    await page.getByLabel('Normalise on delivery').fill('email_address');
    await page.getByLabel('Hash on delivery (SHA-256)').fill('email_address');
    expect(await page.locator('.field-error').count()).toBe(0);
    // The mapping and delivery parts of the form, with the Run button.
    await page.locator('form.run-form h2', { hasText: 'Tables' }).evaluate((h) => {
      h.scrollIntoView({ block: 'start' });
      window.scrollBy(0, -16);
    });
    await screenshot(page, 'insight-segment-export');

    const run = await runFromForm('');
    expect(run.status).toBe('succeeded');
    runs.hashed = run.id;
    const view = await api<QueryView>(brand, 'GET', `/v1/collaborations/activation/queries/${run.id}`);
    expect(view).toMatchObject({ status: 'succeeded', runner: 'brand', receiver: 'brand', rowCount: 3 });
    expect([...view.tables].sort()).toEqual(['audience_list', 'crm_list']);
    expect(view.parameters).toEqual({ created_since: '2020-01-01' });
    expect(view.delivery).toEqual([{ column: 'email_address', normalize: true, hash: 'sha256' }]);
    expect(await page.getByTestId('run-delivery').textContent()).toBe('Delivered with email_address normalised and hashed (sha256).');
    expect(await page.getByRole('link', { name: 'Open the result' }).getAttribute('href')).toBe(`/app/results/${view.resultId}`);

    const rows = await api<{ rows: Cell[][] }>(brand, 'GET', `/v1/results/${view.resultId}/rows?limit=100`);
    const shown = await tableCells(page, '[data-testid=run-outcome] [data-testid=result-table]');
    expect(shown).toEqual(rows.rows.map((r) => r.map((v) => (v === null ? '—' : String(v)))));
    expect(shown.map((r) => r[0]).sort()).toEqual(EXPECTED);

    // The same analysis submitted to the API directly delivers the same list.
    const direct = await api<QueryView>(brand, 'POST', '/v1/collaborations/activation/insights/segment-export/runs?wait=30', {
      params: { created_since: '2020-01-01' },
      tables: { customers: 'crm_list', impressions: 'audience_list' },
      normalize: ['email_address'],
      hash: ['email_address'],
    });
    const done = (await world.finish(brand, 'activation', direct.id)) as unknown as QueryView;
    const directRows = await api<{ rows: Cell[][] }>(brand, 'GET', `/v1/results/${done.resultId}/rows?limit=100`);
    expect(directRows.rows.map((r) => String(r[0])).sort()).toEqual(EXPECTED);
  });

  it("shows the server's diagnostic when the rules refuse the run", async () => {
    await page.getByLabel('Normalise on delivery').fill('');
    // A well-formed name, but no output column of this analysis: only the server can tell.
    await page.getByLabel('Hash on delivery (SHA-256)').fill('email');
    const run = await runFromForm(runs.hashed);
    expect(run.status).toBe('refused');
    runs.refused = run.id;
    const view = await api<QueryView>(brand, 'GET', `/v1/collaborations/activation/queries/${run.id}`);
    expect(view.status).toBe('refused');
    expect(view.error?.code).toBe('unknown-column');
    const outcome = page.getByTestId('run-outcome');
    expect(await outcome.getAttribute('role')).toBe('alert');
    expect(await outcome.locator('.diagnostic-code').textContent()).toBe(`[${view.error!.code}]`);
    expect(await outcome.locator('.diagnostic-message').textContent()).toBe(view.error!.message);
  });

  it('delivers to another receiver: the runner sees no rows, the receiver gets the list', async () => {
    await page.getByLabel('Normalise on delivery').fill('email_address');
    await page.getByLabel('Hash on delivery (SHA-256)').fill('email_address');
    await page.getByLabel('Receiver').selectOption('platform');
    const run = await runFromForm(runs.refused);
    expect(run.status).toBe('succeeded');
    runs.toPlatform = run.id;
    const outcome = page.getByTestId('run-outcome');
    expect(await outcome.textContent()).toContain('The result went to platform: only the receiver reads it.');
    expect(await outcome.locator('[data-testid=result-table]').count()).toBe(0);
    expect(await page.getByRole('link', { name: 'Open the result' }).count()).toBe(0);

    const runnerView = await api<QueryView>(brand, 'GET', `/v1/collaborations/activation/queries/${run.id}`);
    expect(runnerView).toMatchObject({ status: 'succeeded', receiver: 'platform' });
    expect(runnerView.resultId).toBeUndefined();
    const received = (await api<QueryView[]>(platform, 'GET', '/v1/collaborations/activation/query-logs')).find((q) => q.id === run.id);
    expect(received?.resultId).toBeDefined();
    const rows = await api<{ rows: Cell[][] }>(platform, 'GET', `/v1/results/${received!.resultId}/rows?limit=100`);
    expect(rows.rows.map((r) => String(r[0])).sort()).toEqual(EXPECTED);
  });

  it('links each query you received to its result in the query history', async () => {
    await page.goto(`${base}/app/queries?collaboration=activation`);
    await page.getByTestId('queries').waitFor();
    const own = await api<QueryView[]>(brand, 'GET', '/v1/collaborations/activation/queries');
    expect(own.map((q) => q.id)).toEqual(expect.arrayContaining([runs.hashed, runs.refused, runs.toPlatform]));
    // Newest first on the page; the last cell holds the result link, or — when you did not receive one.
    const shown = await page.$$eval('[data-testid=query-row]', (rows) =>
      rows.map((r) => {
        const last = r.querySelector('td:last-child');
        return { status: r.getAttribute('data-status'), link: last?.querySelector('a')?.getAttribute('href') ?? null, text: (last?.textContent ?? '').trim() };
      }),
    );
    const expected = [...own]
      .reverse()
      .map((q) => ({ status: q.status, link: q.resultId === undefined ? null : `/app/results/${q.resultId}`, text: q.resultId === undefined ? '—' : 'open' }));
    expect(shown).toEqual(expected);
    expect(own.find((q) => q.id === runs.hashed)?.resultId).toBeDefined();
    expect(own.find((q) => q.id === runs.toPlatform)?.resultId).toBeUndefined();

    // The link opens the result page with the rows the API serves.
    const hashed = own.find((q) => q.id === runs.hashed)!;
    await page.locator(`a[href="/app/results/${hashed.resultId}"]`).click();
    await page.getByTestId('result-table').waitFor();
    expect((await tableCells(page, '[data-testid=result-table]')).map((r) => r[0]).sort()).toEqual(EXPECTED);
  });

  it('shows a table owner the figures of its own table in the query log', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.goto(`${base}/app/queries?collaboration=activation`);
    await page.getByLabel('Member API key').fill(platform);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('me').waitFor();
    await page.getByLabel('the query log I may see').check();
    const row = page.locator(`[data-testid=query-row][data-query-id="${runs.hashed}"]`);
    await row.waitFor();
    const entry = (await api<(QueryView & { tableStats?: Record<string, { rowsRead: number }> })[]>(platform, 'GET', '/v1/collaborations/activation/query-logs')).find(
      (q) => q.id === runs.hashed,
    )!;
    // The platform owns audience_list only: its figures, not the brand's table's, and no result (the brand received it).
    expect(Object.keys(entry.tableStats ?? {})).toEqual(['audience_list']);
    expect(entry.resultId).toBeUndefined();
    await row.locator('summary').click();
    const stats = await row.getByTestId('table-stats').textContent();
    expect(stats).toContain(`your table audience_list: ${entry.tableStats!['audience_list']!.rowsRead} rows read`);
    expect(await row.locator('td:last-child').textContent()).toBe('—');
  });

  it('raised no page error and broke no Content-Security-Policy rule', () => {
    expect(problems).toEqual([]);
  });
});
