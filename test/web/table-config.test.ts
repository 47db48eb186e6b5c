/**
 * Configuring tables and rules in the web UI, in real headless Chromium against the real
 * server: a table created through the form (rule editor, JSON, live sentences) is
 * compared with what the API returns; a bad rule shows the server's diagnostic; an edit
 * makes a new rule version; the table is associated with a collaboration and shows on
 * the collaboration's page. Saves docs/screenshots/table-create.png and table-edit.png.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explainRule } from '../../web/src/rule-text.ts';
import { ApiWorld, mediaCollaboration } from '../support/api-world.ts';
import { buildWebUi, HAVE_CHROMIUM, openBrowser, listenOnLoopback, type BrowserSession, screenshot } from './browser.ts';

/** What the form below enters, as the server writes it back. */
const CREATED = {
  v1: {
    aggregation: {
      aggregateColumns: [
        { columnNames: ['email_address'], function: 'COUNT_DISTINCT' },
        { columnNames: ['cost'], function: 'SUM' },
      ],
      joinColumns: ['email_address'],
      joinRequired: 'QUERY_RUNNER',
      allowedJoinOperators: ['AND'],
      dimensionColumns: ['campaign_id'],
      scalarFunctions: ['LOWER'],
      outputConstraints: [{ columnName: 'email_address', minimum: 3, type: 'COUNT_DISTINCT' }],
    },
  },
};
/** The edit: AVG of cost granted as well, and a minimum of 5. */
const EDITED = {
  v1: {
    aggregation: {
      ...CREATED.v1.aggregation,
      aggregateColumns: [...CREATED.v1.aggregation.aggregateColumns, { columnNames: ['cost'], function: 'AVG' }],
      outputConstraints: [{ columnName: 'email_address', minimum: 5, type: 'COUNT_DISTINCT' }],
    },
  },
};

interface Table {
  readonly table: string;
  readonly dataset: string;
  readonly version: number;
  readonly kind: string;
  readonly columns: readonly { readonly name: string; readonly type: string }[];
  readonly rule: unknown;
}

describe.skipIf(!HAVE_CHROMIUM)('configuring tables and rules in the web UI', () => {
  let world: ApiWorld;
  let platform = '';
  let brand = '';
  let base = '';
  let session: BrowserSession;
  let page: Page;
  let problems: string[] = [];

  const form = () => page.getByTestId('table-form');
  const preview = async (): Promise<string[]> => form().getByTestId('rule-preview').locator('li').allTextContents();
  const json = () => form().getByLabel('The rule as JSON (editable)');
  const box = (label: string | RegExp) => form().getByRole('checkbox', { name: label, exact: true });
  const tick = async (label: string | RegExp, on = true): Promise<void> => box(label).setChecked(on);
  const getTable = async (name: string): Promise<Table> => {
    const r = await world.call(platform, 'GET', `/v1/members/platform/tables/${name}`);
    if (r.status !== 200) throw new Error(r.text);
    return r.body as Table;
  };

  beforeAll(async () => {
    buildWebUi();
    world = await ApiWorld.start();
    ({ platform, brand } = await mediaCollaboration(world));
    base = await listenOnLoopback(world.server.app);
    session = await openBrowser();
    page = session.page;
    problems = session.problems;
    await page.goto(`${base}/app/tables`);
    await page.getByLabel('Member API key').fill(platform);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('table-impressions').waitFor();
  }, 180_000);

  afterAll(async () => {
    await session?.close();
    await world?.close();
  });

  it('builds an aggregation rule in the form, the JSON and the sentences following each change', async () => {
    await page.getByRole('button', { name: 'New table' }).click();
    await form().waitFor();
    expect(new URL(page.url()).search).toBe('?new');
    await form().getByLabel('Table name').fill('reach');
    expect(await form().getByLabel('Dataset').inputValue()).toBe('impressions');
    for (const c of ['email_address', 'campaign_id', 'cost']) await tick(`Allow ${c}`);

    // The other kinds' forms, each with its own sentences; joins carry over from aggregation to list.
    const kind = (label: RegExp) => form().getByRole('radio', { name: label });
    await kind(/^List/).check();
    expect(await form().getByTestId('rule-preview').getAttribute('data-rule-kind')).toBe('list');
    expect(await form().getByTestId('rule-fields').textContent()).toContain('whoever may query this table learns the values of its list columns');
    await tick('email_address: join column');
    await tick('campaign_id: list column');
    expect((await preview())[0]).toBe('Queries may return the values of “campaign_id” row by row for the people in the overlap: whoever may query this table learns those values.');
    await kind(/^Custom/).check();
    expect(await form().getByTestId('rule-preview').getAttribute('data-rule-kind')).toBe('custom');
    await tick('Any query (ANY_QUERY) from the providers below');
    await tick('brand');
    expect((await preview())[0]).toBe('Any SQL query may run on it when “brand” submits it.');
    expect(JSON.parse(await json().inputValue())).toEqual({
      v1: { custom: { allowedAnalyses: ['ANY_QUERY'], allowedAnalysisProviders: ['brand'], disallowedOutputColumns: [], outputConstraints: [] } },
    });
    await kind(/^Aggregation/).check();

    const empty = await preview();
    expect(empty[0]).toBe('No column may be aggregated, so no query can use this table.');
    await tick('email_address: join column');
    await tick('email_address: COUNT_DISTINCT');
    await tick('cost: SUM');
    await tick('campaign_id: dimension');
    await tick('LOWER');
    await tick(/^Join required/);
    await form().getByRole('button', { name: 'Add a minimum' }).click();
    await form().getByLabel('Minimum 1: column').selectOption('email_address');
    await form().getByLabel('Minimum 1: distinct values').fill('3');

    // The sentences are those of the rule the JSON shows, and they changed.
    expect(JSON.parse(await json().inputValue())).toEqual(CREATED);
    const sentences = await preview();
    expect(sentences).toEqual(explainRule(CREATED).sentences);
    expect(sentences).not.toEqual(empty);
    expect(sentences).toContain('Results may be grouped and filtered by “campaign_id”.');

    // A JSON edit shows back in the form; malformed JSON says so and blocks saving.
    await json().fill(JSON.stringify({ v1: { aggregation: { ...CREATED.v1.aggregation, dimensionColumns: [] } } }, null, 2));
    expect(await box('campaign_id: dimension').isChecked()).toBe(false);
    expect(await preview()).toContain('Results cannot be grouped by any of its columns: only overall totals.');
    await json().fill('{"v1": {"aggregation": ');
    expect(await form().getByTestId('rule-json-error').textContent()).toMatch(/^The JSON is malformed: /);
    expect(await form().getByRole('button', { name: 'Create table' }).isDisabled()).toBe(true);
    await json().fill(JSON.stringify(CREATED, null, 2));
    expect(await form().getByTestId('rule-json-error').count()).toBe(0);
    expect(await box('campaign_id: dimension').isChecked()).toBe(true);
    expect(await preview()).toEqual(explainRule(CREATED).sentences);
    await form().getByRole('heading', { name: 'Analysis rule' }).evaluate((h) => h.scrollIntoView({ block: 'start' }));
    await screenshot(page, 'table-create');
  });

  it('creates the table: the API returns what was entered', async () => {
    // First a check with the server (dryRun): accepted, and nothing is created.
    await form().getByRole('button', { name: 'Check with the server' }).click();
    const checked = form().getByTestId('table-form-checked');
    await checked.waitFor();
    expect(await checked.textContent()).toBe('The server accepts it: saving would store rule version 1 with the columns email_address, campaign_id, cost. Nothing was saved.');
    expect((await world.call(platform, 'GET', '/v1/members/platform/tables/reach')).status).toBe(404);
    await form().getByRole('button', { name: 'Create table' }).click();
    await page.getByTestId('tables-notice').waitFor();
    expect(await page.getByTestId('tables-notice').textContent()).toBe('Created table reach (rule version 1).');
    const table = await getTable('reach');
    expect(table).toMatchObject({ table: 'reach', dataset: 'impressions', version: 1, kind: 'aggregation' });
    expect(table.columns.map((c) => c.name)).toEqual(['email_address', 'campaign_id', 'cost']);
    expect(table.rule).toEqual(CREATED);
    const card = page.getByTestId('table-reach');
    expect(await card.getByTestId('rule-version').textContent()).toBe('1');
    expect(await card.locator('.rule-sentences li').allTextContents()).toEqual(explainRule(table.rule).sentences);
  });

  it("shows the server's diagnostic next to the form for a bad rule", async () => {
    await page.getByTestId('table-reach').getByRole('button', { name: 'Edit rule and columns' }).click();
    await form().waitFor();
    expect(new URL(page.url()).search).toBe('?edit=reach');
    // Prefilled from the table.
    expect(JSON.parse(await json().inputValue())).toEqual(CREATED);
    expect(await box('cost: SUM').isChecked()).toBe(true);
    expect(await box('Allow cost').isChecked()).toBe(true);
    expect(await form().getByTestId('version-note').textContent()).toContain('Saving makes rule version 2.');

    // A column the dataset does not have, typed in the JSON: the form shows it, the server refuses it.
    const bad = { v1: { aggregation: { ...CREATED.v1.aggregation, aggregateColumns: [...CREATED.v1.aggregation.aggregateColumns, { columnNames: ['costs'], function: 'AVG' }] } } };
    await json().fill(JSON.stringify(bad, null, 2));
    expect(await box('costs: AVG').isChecked()).toBe(true);
    expect(await form().getByRole('rowheader', { name: /costs/ }).textContent()).toContain('not in the dataset');
    // Checking with the server shows its refusal before anything is saved...
    await form().getByRole('button', { name: 'Check with the server' }).click();
    await form().getByTestId('table-form-error').waitFor();
    expect(await form().getByTestId('table-form-error').textContent()).toContain('[rule-unknown-column]');
    expect(await form().getByTestId('table-form-checked').count()).toBe(0);
    // ...and saving gives the same.
    await form().getByRole('button', { name: 'Save as rule version 2' }).click();
    const error = form().getByTestId('table-form-error');
    await error.waitFor();
    const answer = await world.call(platform, 'PATCH', '/v1/members/platform/tables/reach', { rule: bad, columns: ['email_address', 'campaign_id', 'cost'] });
    const diagnostic = (answer.body as { error: { code: string; message: string; rule?: string; fragment?: string } }).error;
    expect(diagnostic.code).toBe('rule-unknown-column');
    const shown = (await error.textContent()) ?? '';
    expect(shown).toContain(`(HTTP ${answer.status})`);
    expect(shown).toContain(`[${diagnostic.code}]`);
    expect(shown).toContain(diagnostic.message);
    expect(shown).toContain('did you mean "cost"?');
    expect(shown).toContain(`offending part: ${diagnostic.fragment ?? '?'}`);

    // An allowed column taken away while the rule still names it: a warning here, the server's refusal there.
    // Unticked, the row goes: the rule no longer names the column.
    await box('costs: AVG').click();
    expect(await form().getByRole('rowheader', { name: /costs/ }).count()).toBe(0);
    await tick('Allow cost', false);
    expect(await form().getByTestId('rule-not-allowed').textContent()).toContain('not ticked as allowed: cost.');
    await form().getByRole('button', { name: 'Save as rule version 2' }).click();
    await expect.poll(async () => error.textContent()).toContain('[rule-column-not-allowed]');
    expect((await getTable('reach')).version).toBe(1);
  });

  it('edits the rule and the columns: a new rule version, counted from the next query', async () => {
    await tick('Allow cost');
    await tick('cost: AVG');
    await form().getByLabel('Minimum 1: distinct values').fill('5');
    expect(JSON.parse(await json().inputValue())).toEqual(EDITED);
    expect(await preview()).toEqual(explainRule(EDITED).sentences);
    expect(await preview()).toContain('Queries may aggregate: count distinct values of “email_address”, sum “cost” and average “cost”.');
    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, 'table-edit');
    await form().getByRole('button', { name: 'Save as rule version 2' }).click();
    await page.getByTestId('tables-notice').waitFor();
    expect(await page.getByTestId('tables-notice').textContent()).toBe('Saved table reach: rule version 2, in force for queries submitted from now on.');
    const table = await getTable('reach');
    expect(table.version).toBe(2);
    expect(table.rule).toEqual(EDITED);
    expect(table.columns.map((c) => c.name)).toEqual(['email_address', 'campaign_id', 'cost']);
    const card = page.getByTestId('table-reach');
    expect(await card.getByTestId('rule-version').textContent()).toBe('2');
    expect(await card.locator('.rule-sentences li').allTextContents()).toEqual(explainRule(EDITED).sentences);
  });

  it('associates the table with a collaboration, which then shows it', async () => {
    const card = page.getByTestId('table-reach');
    expect(await card.getByTestId('associated-in').textContent()).toBe('Not in any collaboration yet.');
    await card.getByText('Bring into a collaboration').click();
    const associate = card.getByRole('form', { name: 'Bring reach into a collaboration' });
    expect(await associate.getByLabel('Collaboration').inputValue()).toBe('media');
    await associate.getByLabel('Name in SQL').fill('reach_v');
    await associate.getByRole('button', { name: 'Associate' }).click();
    const done = card.getByTestId('associate-reach-done');
    await done.waitFor();
    expect(await done.textContent()).toContain('now see this table as reach_v');
    const described = (await world.call(platform, 'GET', '/v1/collaborations/media')).body as { tables: { name: string; owner: string; rule: unknown }[] };
    expect(described.tables.find((t) => t.name === 'reach_v')).toMatchObject({ owner: 'platform', rule: EDITED, table: 'reach' });
    // Another member is not told the owner's name for the table.
    const seenByBrand = (await world.call(brand, 'GET', '/v1/collaborations/media')).body as { tables: { name: string; table?: string }[] };
    expect(seenByBrand.tables.find((t) => t.name === 'reach_v')).not.toHaveProperty('table');
    expect(seenByBrand.tables.filter((t) => t.table !== undefined).every((t) => t.name === 'customers')).toBe(true);

    await done.getByRole('link', { name: 'media' }).click();
    const shown = page.getByTestId('table-reach_v');
    await shown.waitFor();
    expect(await shown.textContent()).toContain('Owner: platform');
    expect(await shown.locator('.rule-sentences li').allTextContents()).toEqual(explainRule(EDITED).sentences);
    // Back on the Tables page, the card says where the table is.
    await page.goto(`${base}/app/tables`);
    await expect.poll(() => page.getByTestId('table-reach').getByTestId('associated-in').textContent()).toBe('In media as reach_v');
  });

  it('ran without a blocked script or style and without an uncaught error', () => {
    expect(problems).toEqual([]);
  });
});
