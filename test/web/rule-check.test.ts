/**
 * The tables page's "Test a query against this rule" box in real headless Chromium
 * against the real server: what it shows is compared with what the API answers for the
 * same query (POST /v1/members/{m}/tables/{t}/check). Saves docs/screenshots/rule-check.png.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiWorld, mediaCollaboration } from '../support/api-world.ts';
import { buildWebUi, HAVE_CHROMIUM, openBrowser, listenOnLoopback, type BrowserSession, screenshot } from './browser.ts';

const ALLOWED = 'SELECT campaign_id, COUNT(DISTINCT email_address) AS users, SUM(cost) AS cost FROM impressions GROUP BY campaign_id';
/** A join column in the output: the aggregation rule refuses it at character 7 (0-based). */
const REFUSED = 'SELECT email_address, SUM(cost) AS cost FROM impressions GROUP BY email_address';
/**
 * A list query must join a table of its runner; alone, the owner's table is not joined to
 * anything. The table `audience-list` is named `audience_list` in SQL (no `-` there).
 */
const LIST_ALONE = 'SELECT DISTINCT campaign_id FROM audience_list';
const LIST_RULE = { v1: { list: { joinColumns: ['email_address'], listColumns: ['campaign_id'] } } };

interface Check {
  readonly allowed: boolean;
  readonly sql?: string;
  readonly error?: { readonly code: string; readonly message: string; readonly fragment?: string; readonly position?: number; readonly hint?: string };
}

describe.skipIf(!HAVE_CHROMIUM)('testing a query against a rule in the web UI', () => {
  let world: ApiWorld;
  let platform = '';
  let base = '';
  let session: BrowserSession;
  let page: Page;
  let problems: string[] = [];

  const apiCheck = async (table: string, sql: string, name?: string): Promise<Check> => {
    const r = await world.call(platform, 'POST', `/v1/members/platform/tables/${table}/check`, { sql, ...(name !== undefined ? { name } : {}) });
    if (r.status !== 200) throw new Error(`check: ${r.status} ${r.text}`);
    return r.body as Check;
  };
  const card = (table: string) => page.getByTestId(`table-${table}`);
  const box = (table: string) => card(table).getByLabel('Test a query against this rule');
  const button = (table: string) => card(table).getByRole('button', { name: /Check query|Checking/ });

  beforeAll(async () => {
    buildWebUi();
    world = await ApiWorld.start();
    platform = (await mediaCollaboration(world)).platform;
    const list = await world.call(platform, 'POST', '/v1/members/platform/tables', { name: 'audience-list', dataset: 'impressions', rule: LIST_RULE });
    if (list.status !== 201) throw new Error(list.text);
    base = await listenOnLoopback(world.server.app);
    session = await openBrowser();
    page = session.page;
    problems = session.problems;
    await page.goto(`${base}/app/tables`);
    await page.getByLabel('Member API key').fill(platform);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await card('impressions').waitFor();
  }, 180_000);

  afterAll(async () => {
    await session?.close();
    await world?.close();
  });

  it('offers a labelled box and a button per table, the button disabled while the box is empty', async () => {
    for (const table of ['impressions', 'audience-list']) {
      expect(await box(table).count()).toBe(1);
      expect(await button(table).isDisabled()).toBe(true);
    }
    expect(await box('impressions').getAttribute('aria-describedby')).toBe('rule-check-impressions-help');
  });

  it('shows an allowed query with the SQL that would run, as the API answers it (keyboard only)', async () => {
    await box('impressions').focus();
    await page.keyboard.type(ALLOWED);
    // Tab reaches the button; Enter presses it.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Check query');
    await page.keyboard.press('Enter');
    const allowed = card('impressions').getByTestId('rule-check-allowed');
    await allowed.waitFor();
    const expected = await apiCheck('impressions', ALLOWED);
    expect(expected.allowed).toBe(true);
    expect(await allowed.getByTestId('rule-check-sql').textContent()).toBe(expected.sql);
    expect(await allowed.textContent()).toContain('Allowed by this rule');
    expect(await allowed.getAttribute('role')).toBe('status');
  });

  it('shows a refusal with its diagnostic and the offending part of the query marked (Ctrl+Enter)', async () => {
    await box('impressions').fill(REFUSED);
    await box('impressions').press('Control+Enter');
    const refused = card('impressions').getByTestId('rule-check-refused');
    await refused.waitFor();
    const expected = await apiCheck('impressions', REFUSED);
    expect(expected.error?.code).toBe('join-column-in-output');
    const text = (await refused.textContent()) ?? '';
    expect(text).toContain(`[${expected.error?.code}]`);
    expect(text).toContain(expected.error?.message ?? '?');
    expect(text).toContain(`hint: ${expected.error?.hint ?? '?'}`);
    expect(text).toContain('at character 7');
    // The mark covers email_address at character 7, as the server placed it.
    expect(await refused.locator('[data-testid=sql-marked] mark').textContent()).toBe('email_address');
    expect(await refused.getByTestId('sql-marked').textContent()).toBe(REFUSED);
    expect(await card('impressions').getByTestId('rule-check-allowed').count()).toBe(0);
    await card('impressions').getByTestId('rule-check-impressions').scrollIntoViewIfNeeded();
    await screenshot(page, 'rule-check');
  });

  it('checks each table against its own rule: a list query alone is refused for want of a join', async () => {
    expect(await card('audience-list').textContent()).toContain('Name the table audience_list.');
    await box('audience-list').fill(LIST_ALONE);
    await button('audience-list').click();
    const refused = card('audience-list').getByTestId('rule-check-refused');
    await refused.waitFor();
    const expected = await apiCheck('audience-list', LIST_ALONE, 'audience_list');
    expect(expected.error?.code).toBe('join-required');
    expect(await refused.textContent()).toContain('[join-required]');
    expect(await refused.locator('mark').textContent()).toBe(expected.error?.fragment);
    // The other table's answer stays as it was.
    expect(await card('impressions').getByTestId('rule-check-refused').count()).toBe(1);
  });

  it('says it is checking while the server answers, and shows a failed request as an error', async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/tables/impressions/check', async (route) => {
      await held;
      await route.continue();
    });
    await box('impressions').fill(ALLOWED);
    await button('impressions').click();
    await card('impressions').getByRole('status').filter({ hasText: 'Checking…' }).waitFor();
    expect(await button('impressions').textContent()).toBe('Checking…');
    expect(await button('impressions').isDisabled()).toBe(true);
    release();
    await card('impressions').getByTestId('rule-check-allowed').waitFor();
    await page.unroute('**/tables/impressions/check');

    await page.route('**/tables/impressions/check', (route) =>
      route.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify({ error: { code: 'server-shutdown', message: 'the server is stopping' } }) }),
    );
    await button('impressions').click();
    const alert = card('impressions').getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('[server-shutdown]');
    expect(await alert.textContent()).toContain('HTTP 503');
    await page.unroute('**/tables/impressions/check');
  });

  it('ran without a blocked script or style and without an uncaught error', () => {
    expect(problems).toEqual([]);
  });
});
