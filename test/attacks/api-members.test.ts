/**
 * HTTP API attack suite 2/3: one member (platform, owner of `impressions`, no query
 * ability in `media`) against another (brand, runner and receiver), and brand against
 * the platform's data. Policy: docs/server.md "Who may do what" and shared/RULES.md
 * (catalog statistics to owners only; no data-derived count of dropped rows to the
 * runner; engine texts never to a member; another member's result or query id answers
 * 404 like an id that does not exist).
 *
 * World (test/support/api-world.ts): impressions c1 reaches a,b,c (3 customers), c2 only
 * d (1: below the minimum of 2, suppressed), c3 a,e,z of which a,e are customers (2).
 * So brand's campaign query may release c1 and c3, never c2, z@x.io or d@x.io.
 *
 * Each test asserts the SAFE behaviour; a failing test is an attack that worked.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ApiWorld,
  CAMPAIGN_SQL,
  IMPRESSIONS_CSV,
  mediaCollaboration,
  type ApiResponse,
} from '../support/api-world.ts';

const errorOf = (r: ApiResponse): { code?: string; message?: string } =>
  ((r.body as { error?: { code?: string; message?: string } } | undefined)?.error ?? {});
const shape = (r: ApiResponse): string => `${r.status} ${errorOf(r).code ?? ''}`;
const NO_SUCH = '00000000-0000-4000-8000-000000000000';

/** Values that only the platform's rows hold (never released to brand by the rules). */
const PLATFORM_ONLY = /z@x\.io|d@x\.io|"c2"/;

describe('member against member', () => {
  let world: ApiWorld;
  let brand = '';
  let platform = '';
  let queryId = '';
  let resultId = '';
  let brandKeyId = '';
  const brandViews: ApiResponse[] = [];

  beforeAll(async () => {
    world = await ApiWorld.start();
    ({ brand, platform } = await mediaCollaboration(world));
    brandKeyId = ((await world.call(brand, 'GET', '/v1/me')).body as { keyId: string }).keyId;
    const submitted = await world.call(brand, 'POST', '/v1/collaborations/media/queries?wait=30', { sql: CAMPAIGN_SQL });
    brandViews.push(submitted);
    queryId = (submitted.body as { id: string }).id;
    const done = await world.finish(brand, 'media', queryId);
    expect(done['status']).toBe('succeeded');
    resultId = done['resultId'] as string;
  }, 120_000);
  afterAll(async () => world.close());

  it("another member's result id answers exactly like an id that does not exist, on every result route", async () => {
    const routes = (id: string): [string, string][] => [
      ['GET', `/v1/results/${id}`],
      ['GET', `/v1/results/${id}/rows`],
      ['GET', `/v1/results/${id}/rows?offset=0&limit=10000`],
      ['GET', `/v1/results/${id}/download`],
      ['GET', `/v1/results/${id}/download?format=csv`],
      ['GET', `/v1/results/${id}/download?format=json`],
      ['GET', `/v1/results/${id}/download?format=parquet`],
      ['DELETE', `/v1/results/${id}`],
    ];
    const real = routes(resultId);
    const fake = routes(NO_SUCH);
    for (const [i, [method, url]] of real.entries()) {
      const a = await world.call(platform, method, url);
      const b = await world.call(platform, method, fake[i]![1]);
      expect(a.status, `${method} ${url}`).toBe(404);
      expect(shape(a)).toBe(shape(b));
      expect(a.text.replaceAll(resultId, 'ID')).toBe(b.text.replaceAll(NO_SUCH, 'ID'));
    }
    // Path games on the id do not reach another area of the store.
    for (const id of [`..%2F..%2Fmembers%2Fbrand%2Fresults%2F${resultId}`, `${resultId}%00`, `${resultId}.parquet`, `%2e%2e`, `${resultId.toUpperCase()}`]) {
      const r = await world.call(platform, 'GET', `/v1/results/${id}/download?format=csv`);
      expect(r.status, id).not.toBe(200);
      // (ids are hex: take them out before looking for the result's values)
      expect(r.text.replace(/[0-9a-f-]{36}/gi, 'ID')).not.toMatch(/campaign_id|"c1"|"c3"|,c1,|,c3,/);
    }
    expect((await world.call(platform, 'GET', '/v1/results')).body).toEqual([]);
    // Brand still has it (the DELETE above did nothing).
    expect((await world.call(brand, 'GET', `/v1/results/${resultId}`)).status).toBe(200);
  });

  it("the owner of a referenced table sees the query's log entry but never its result id", async () => {
    const view = await world.call(platform, 'GET', `/v1/collaborations/media/queries/${queryId}`);
    expect(view.status).toBe(200);
    expect(view.text).not.toContain(resultId);
    expect(view.body).not.toHaveProperty('resultId');
    // Per-table figures only of its own table.
    expect(Object.keys((view.body as { tableStats?: object }).tableStats ?? {})).toEqual(['impressions']);
    const logs = await world.call(platform, 'GET', '/v1/collaborations/media/query-logs');
    expect(logs.text).not.toContain(resultId);
    expect(logs.text).not.toMatch(/"customers":\{"rowsRead"/);
  });

  it('the runner never gets a count of suppressed rows or the other table\'s figures, in any view', async () => {
    brandViews.push(
      await world.call(brand, 'GET', `/v1/collaborations/media/queries/${queryId}`),
      await world.call(brand, 'GET', `/v1/collaborations/media/queries/${queryId}?wait=1`),
      await world.call(brand, 'GET', '/v1/collaborations/media/queries'),
      await world.call(brand, 'GET', '/v1/collaborations/media/query-logs'),
      await world.call(brand, 'GET', '/v1/results'),
      await world.call(brand, 'GET', `/v1/results/${resultId}`),
      await world.call(brand, 'GET', `/v1/collaborations/media/insights/runs/${queryId}`),
    );
    for (const r of brandViews) {
      expect(r.text).not.toMatch(/rowsSuppressed|suppressed/i);
      expect(r.text).not.toMatch(/"impressions":\{"rowsRead"/);
      expect(r.text).not.toMatch(PLATFORM_ONLY);
    }
  });

  it('the released rows hold only the groups the rules allow, in every download format', async () => {
    const rows = await world.call(brand, 'GET', `/v1/results/${resultId}/rows?limit=10000`);
    const page = rows.body as { columns: { name: string }[]; rows: unknown[][] };
    const at = page.columns.findIndex((c) => c.name === 'campaign_id');
    expect(page.rows.map((r) => r[at]).sort()).toEqual(['c1', 'c3']);
    for (const format of ['csv', 'json', 'parquet', '']) {
      const r = await world.call(brand, 'GET', `/v1/results/${resultId}/download${format ? `?format=${format}` : ''}`);
      expect([200, 409]).toContain(r.status);
      expect(r.text).not.toMatch(/z@x\.io|d@x\.io/);
      // (a compressed Parquet body may hold the two bytes "c2" by chance: look for the value in text formats)
      if (format === 'csv' || format === 'json') expect(r.text).not.toMatch(/\bc2\b/);
    }
  });

  it("a member cannot cancel another member's query, and the attempt leaves it alone", async () => {
    const r = await world.call(platform, 'POST', `/v1/collaborations/media/queries/${queryId}/cancel`);
    expect([403, 404]).toContain(r.status);
    const after = await world.call(brand, 'GET', `/v1/collaborations/media/queries/${queryId}`);
    expect((after.body as { status: string }).status).toBe('succeeded');
  });

  it("a query id is looked up only in the collaboration of the URL (no reading it through one's own collaboration)", async () => {
    const own = await world.call(platform, 'POST', '/v1/collaborations', {
      name: 'platform-own',
      members: [{ member: 'platform', query: true, receive: true }],
    });
    expect(own.status).toBe(201);
    for (const url of [
      `/v1/collaborations/platform-own/queries/${queryId}`,
      `/v1/collaborations/platform-own/queries/${queryId}?wait=2`,
      `/v1/collaborations/platform-own/insights/runs/${queryId}`,
      `/v1/collaborations/platform-own/queries/${queryId}/cancel`,
    ]) {
      const r = await world.call(platform, url.endsWith('cancel') ? 'POST' : 'GET', url);
      expect(r.status, url).toBe(404);
      expect(r.text).not.toMatch(/SELECT|brand/);
    }
  });

  it("another member's key id answers like an unknown id, and the key keeps working", async () => {
    const a = await world.call(platform, 'DELETE', `/v1/keys/${brandKeyId}`);
    const b = await world.call(platform, 'DELETE', '/v1/keys/0123456789abcdef');
    expect(a.status).toBe(404);
    expect(shape(a)).toBe(shape(b));
    expect(a.text.replaceAll(brandKeyId, 'ID')).toBe(b.text.replaceAll('0123456789abcdef', 'ID'));
    expect((await world.call(brand, 'GET', '/v1/me')).status).toBe(200);
    for (const [method, url, body] of [
      ['GET', '/v1/members/brand/keys', undefined],
      ['POST', '/v1/members/brand/keys', { label: 'stolen' }],
      ['GET', '/v1/members/brand%20/keys', undefined],
      ['GET', '/v1/members/Brand/keys', undefined],
      ['GET', '/v1/members/brand%2F..%2Fplatform/keys', undefined],
    ] as const) {
      const r = await world.call(platform, method, url, body);
      expect(r.status, `${method} ${url}`).not.toBe(200);
      expect(r.status).not.toBe(201);
      expect(r.text).not.toContain(brandKeyId);
    }
  });

  it("another member's datasets and tables answer 403 alike whether they exist or not (no existence oracle)", async () => {
    for (const [real, fake] of [
      ['/v1/members/brand/datasets/customers', '/v1/members/brand/datasets/nothing'],
      ['/v1/members/brand/tables/customers', '/v1/members/brand/tables/nothing'],
      ['/v1/members/brand/datasets', '/v1/members/nobody/datasets'],
      ['/v1/members/brand/tables', '/v1/members/nobody/tables'],
    ] as const) {
      const a = await world.call(platform, 'GET', real);
      const b = await world.call(platform, 'GET', fake);
      expect(a.status, real).toBe(403);
      expect(shape(a)).toBe(shape(b));
      expect(a.text).not.toMatch(/gold|@x\.io|rowCount|segment/);
    }
    // Statistics only to the owner; the other member gets schemas and rules only.
    const described = await world.call(platform, 'GET', '/v1/collaborations/media');
    expect(described.status).toBe(200);
    expect(described.text).not.toMatch(/gold|silver|@x\.io|"min"|"max"|approxDistinct|nullCount|rowCount|rowsRead|"dataset"|"versions"/);
  });

  it('prototype-polluting JSON bodies are refused and change nothing', async () => {
    const bodies = [
      '{"name":"pp1","members":[{"member":"platform","query":true,"receive":true}],"__proto__":{"role":"admin","kind":"admin"}}',
      '{"name":"pp2","members":[{"member":"platform","query":true,"receive":true}],"constructor":{"prototype":{"role":"admin"}}}',
      '{"name":"pp3","members":[{"member":"platform","__proto__":{"query":true}}]}',
    ];
    for (const body of bodies) {
      const r = await world.call(platform, 'POST', '/v1/collaborations', body, { 'content-type': 'application/json' });
      expect(r.status, body).toBe(400);
    }
    const params = [
      '{"template":"x","params":{"__proto__":{"x":"1"}}}',
      '{"sql":"SELECT 1","dryRun":true,"__proto__":{"dryRun":false,"receiver":"platform"}}',
      '{"tables":{"__proto__":{"customers":"impressions"}}}',
    ];
    for (const body of params) {
      const url = body.includes('tables') ? '/v1/collaborations/media/insights/audience-overlap/runs' : '/v1/collaborations/media/queries';
      const r = await world.call(brand, 'POST', url, body, { 'content-type': 'application/json' });
      expect(r.status, body).toBe(400);
    }
    expect(({} as Record<string, unknown>)['role']).toBeUndefined();
    expect(({} as Record<string, unknown>)['kind']).toBeUndefined();
    expect(({} as Record<string, unknown>)['x']).toBeUndefined();
    expect((await world.call(platform, 'GET', '/v1/me')).body).toMatchObject({ role: 'member', member: 'platform' });
    expect((await world.call(platform, 'GET', '/metrics')).status).toBe(403);
    const mine = (await world.call(platform, 'GET', '/v1/collaborations')).body as { name: string }[];
    expect(mine.map((c) => c.name)).not.toContain('pp1');
    // Names that shadow Object.prototype members, as template parameters: never a 500, never a run.
    for (const name of ['constructor', 'toString', 'hasOwnProperty', '__defineGetter__']) {
      const r = await world.call(brand, 'POST', '/v1/collaborations/media/queries', { template: 'nothing', params: { [name]: '1' } });
      expect(r.status, name).toBeLessThan(500);
      expect(r.status).not.toBe(202);
    }
  });

  it('type confusion in query bodies never runs something else or delivers to someone else', async () => {
    const bodies: unknown[] = [
      { sql: [CAMPAIGN_SQL, 'SELECT 1'] },
      { sql: { toString: CAMPAIGN_SQL } },
      { sql: CAMPAIGN_SQL, receiver: ['platform'] },
      { sql: CAMPAIGN_SQL, receiver: ['brand', 'platform'] },
      { sql: CAMPAIGN_SQL, receiver: 'platform' },
      { sql: CAMPAIGN_SQL, format: ['csv', 'parquet'] },
      { sql: CAMPAIGN_SQL, dp: { maxGroupsPerUser: 1e308 } },
      { sql: CAMPAIGN_SQL, dp: { maxGroupsPerUser: -1 } },
      { sql: CAMPAIGN_SQL, dryRun: 'yes' },
      { template: ['a', 'b'] },
      { template: 'audience-overlap', params: { segment: ['state', 'status'] } },
      { template: 'audience-overlap', params: { segment: { $ne: null } } },
      { sql: CAMPAIGN_SQL, hash: 'campaign_id' },
      { sql: CAMPAIGN_SQL, normalize: [['campaign_id']] },
    ];
    for (const body of bodies) {
      const r = await world.call(brand, 'POST', '/v1/collaborations/media/queries?wait=30', body);
      expect(r.status, JSON.stringify(body)).toBeLessThan(500);
    }
    // Whatever was accepted, the platform received nothing (it lacks the receive ability).
    expect((await world.call(platform, 'GET', '/v1/results')).body).toEqual([]);
  }, 120_000);

  it('upload file names and dataset names cannot leave the upload folder or reach another member', async () => {
    const before = (await world.call(platform, 'GET', '/v1/members/platform/datasets')).text;
    const csv = 'email_address,segment\nnew@x.io,gold\n';
    const filenames = [
      '..',
      '.',
      '../customers.csv',
      '..%2Fcustomers.csv',
      '%2e%2e%2fcustomers.csv',
      '/etc/passwd',
      'C:\\x.csv',
      'x.csv%00.parquet',
      'x.csv/..',
      '\u2025x.csv',
      'a'.repeat(5000) + '.csv',
    ];
    for (const name of filenames) {
      const r = await world.call(brand, 'POST', `/v1/members/brand/datasets/upl?filename=${encodeURIComponent(name)}`, csv);
      expect(r.status, name).not.toBe(201);
      expect(r.status, name).toBeGreaterThanOrEqual(400);
      expect(r.text).not.toMatch(/root:|impressions|platform/);
    }
    for (const dataset of ['..', '%2e%2e', 'a%2Fb', '..%2F..%2Fplatform', 'customers%00', 'CUSTOMERS', 'c\u0301ustomers']) {
      const r = await world.call(brand, 'POST', `/v1/members/brand/datasets/${dataset}?filename=x.csv`, csv);
      expect(r.status, dataset).toBeGreaterThanOrEqual(400);
      expect(r.status, dataset).toBeLessThan(500);
    }
    for (const path of ['brand%2F..%2Fplatform', 'platform', 'brand%2f..%2fplatform']) {
      const r = await world.call(brand, 'POST', `/v1/members/${path}/datasets/impressions?filename=x.csv`, csv);
      expect(r.status, path).toBe(403);
    }
    expect((await world.call(platform, 'GET', '/v1/members/platform/datasets')).text).toBe(before);
    const brandSets = (await world.call(brand, 'GET', '/v1/members/brand/datasets')).body as { dataset?: string; name?: string }[];
    expect(JSON.stringify(brandSets)).not.toContain('upl');
  });

  it('a failing upload quotes at most the uploader\'s own file, never another member\'s data', async () => {
    const bad = [
      ['bad.csv', 'email_address,segment\nsecret-of-platform@x.io,1,2,3\n'],
      ['bad.parquet', `PAR1${'\u0007'.repeat(64)}PAR1`],
      ['bad.json', '[{"email_address": "secret-of-platform@x.io", "a": 1, "a": 2}]'],
      ['bad.csv.gz', 'not gzip at all'],
      ['bad.ndjson', '{"a":1}\n{"a": "\u0000\u00ff'],
    ] as const;
    for (const [name, content] of bad) {
      const r = await world.call(platform, 'POST', `/v1/members/platform/datasets/bad?filename=${name}`, content);
      expect(r.status, name).toBeGreaterThanOrEqual(400);
      expect(r.status, `${name}: ${r.text}`).toBeLessThan(500);
      expect(r.text).not.toMatch(/@x\.io(?<!secret-of-platform@x\.io)|gold|silver/);
      expect(r.text).not.toMatch(/a@x\.io|b@x\.io|e@x\.io/);
    }
  });

  it('the dry run is no oracle on other members\' data: its answer does not change when their data does', async () => {
    const probes = [
      { sql: CAMPAIGN_SQL, dryRun: true },
      { sql: `${CAMPAIGN_SQL} HAVING COUNT(DISTINCT i.email_address) > 2`, dryRun: true },
      { sql: "SELECT COUNT(DISTINCT i.email_address) AS n FROM impressions i INNER JOIN customers c ON i.email_address = c.email_address WHERE i.campaign_id = 'c2'", dryRun: true },
      { sql: "SELECT COUNT(DISTINCT i.email_address) AS n FROM impressions i INNER JOIN customers c ON i.email_address = c.email_address WHERE i.campaign_id = 'nope'", dryRun: true },
      { sql: 'SELECT SUM(i.cost) FROM impressions i', dryRun: true },
      { sql: 'SELECT i.email_address, COUNT(i.cost) FROM impressions i INNER JOIN customers c ON i.email_address = c.email_address GROUP BY i.email_address', dryRun: true },
    ];
    const answer = async (): Promise<string[]> => {
      const out: string[] = [];
      for (const body of probes) {
        const r = await world.call(brand, 'POST', '/v1/collaborations/media/queries', body);
        out.push(`${r.status} ${r.text}`);
      }
      return out;
    };
    const first = await answer();
    for (const a of first) expect(a).not.toMatch(/\b[0-9]+ rows?\b|suppressed|z@x\.io|d@x\.io/);
    // The platform replaces its impressions with other rows (same schema, other values and sizes).
    const other = IMPRESSIONS_CSV.replace('c2', 'c9') + 'q@x.io,c2,1\nr@x.io,c2,1\ns@x.io,c2,1\n';
    const up = await world.call(platform, 'POST', '/v1/members/platform/datasets/impressions?filename=impressions.csv', other);
    expect(up.status).toBe(201);
    expect(await answer()).toEqual(first);
  });

  it('very long or malformed inputs are refused without an internal error', async () => {
    const cases: [string, string, unknown, Record<string, string>?][] = [
      ['POST', '/v1/collaborations/media/queries', { sql: `SELECT COUNT(DISTINCT c.email_address) FROM customers c WHERE c.segment IN (${"'x',".repeat(30_000)}'y')` }],
      ['POST', '/v1/collaborations/media/queries', { template: 'x'.repeat(10_000) }],
      ['POST', '/v1/collaborations/media/queries', { sql: 'SELECT 1', receiver: 'x'.repeat(100_000) }],
      ['POST', '/v1/collaborations/media/queries', Buffer.from([0x7b, 0x22, 0x73, 0x71, 0x6c, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]), { 'content-type': 'application/json' }],
      ['POST', '/v1/collaborations/media/queries', '{"sql": "SELECT 1", "dryRun": tru', { 'content-type': 'application/json' }],
      ['POST', '/v1/collaborations/media/queries', `{"sql": "${'\\u0000'.repeat(1000)}", "dryRun": true}`, { 'content-type': 'application/json' }],
      ['POST', '/v1/collaborations/media/privacy-preview', { epsilon: 1e308, usersNoisePerQuery: 1e-308 }],
      ['POST', '/v1/collaborations/media/privacy-preview', { epsilon: -0, usersNoisePerQuery: 9007199254740993 }],
      ['GET', `/v1/results/${'9'.repeat(60)}/rows?offset=9007199254740993&limit=10000`, undefined],
      ['GET', `/v1/collaborations/media/queries/${'x'.repeat(65)}`, undefined],
      ['GET', `/v1/collaborations/${'m'.repeat(129)}`, undefined],
      ['GET', '/v1/members/brand%C0%AE/datasets', undefined],
    ];
    for (const [method, url, body, headers] of cases) {
      const r = await world.call(brand, method, url, body, headers ?? {});
      expect(r.status, `${method} ${url.slice(0, 80)}: ${r.text.slice(0, 200)}`).toBeLessThan(500);
    }
  }, 60_000);

  it("an insights run of another member shows its status at most, never figures", async () => {
    const install = await world.call(brand, 'POST', '/v1/collaborations/media/insights/install', { only: ['audience-overlap'] });
    expect(install.status).toBe(200);
    const run = await world.call(brand, 'POST', '/v1/collaborations/media/insights/audience-overlap/runs?wait=30', {});
    const id = (run.body as { id: string }).id;
    const seen = await world.call(platform, 'GET', `/v1/collaborations/media/insights/runs/${id}`);
    expect(seen.body).not.toHaveProperty('figures');
    expect(seen.text).not.toMatch(/overlap_share|jaccard|resultId/);
  }, 60_000);
});

describe('robustness of hostile upload names (no internals, no 500)', () => {
  let world: ApiWorld;
  let brand = '';
  beforeAll(async () => {
    world = await ApiWorld.start();
    brand = await world.member('brand');
  });
  afterAll(async () => world.close());

  // `..` and `.` pass the FILENAME pattern and equal their basename, so join(dir, '..')
  // names the scratch root: the write fails with EISDIR and the member gets a 500. No
  // data leaks (the body is the generic internal error), but it should be a 400.
  it.each(['..', '.'])('filename %s is refused as not a plain file name (400), not an internal error', async (name) => {
    const r = await world.call(brand, 'POST', `/v1/members/brand/datasets/x?filename=${name}`, 'a,b\n1,2\n');
    expect(r.status).toBe(400);
    expect(errorOf(r).code).toBe('invalid-filename');
  });

  // The crawler's diagnostics name the file by its full path in the server's private
  // scratch (e.g. /dev/shm/cleanroom-0/ws-<id>/op-<pid>-upload-<rand>/x.csv): the
  // operator's directory layout, workspace id and process id reach every member.
  it('a refused upload does not tell the member where the server keeps its scratch files', async () => {
    const r = await world.call(brand, 'POST', '/v1/members/brand/datasets/x?filename=x.csv', 'a,b\n1,2,3\n');
    expect(r.status).toBe(400);
    expect(r.text).not.toMatch(/\/dev\/shm|\/tmp\/|cleanroom-\d|op-\d+-upload/);
    expect(r.text).not.toContain(world.home);
  });
});
