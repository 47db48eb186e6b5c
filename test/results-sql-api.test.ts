/**
 * Results SQL through the HTTP API: a receiver's read-only SQL over its own results,
 * names, saved queries and views, the DuckDB export read back with plain DuckDB, and the
 * refusals (raw tables, another member's results, table functions, writes, paths,
 * system catalogs, hostile identifiers).
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiWorld, CAMPAIGN_SQL, mediaCollaboration } from './support/api-world.ts';

const SEGMENT_SQL = 'SELECT c.segment, COUNT(DISTINCT c.email_address) AS customers FROM customers c GROUP BY c.segment';

interface Page {
  columns: { name: string; type: string }[];
  rows: unknown[][];
  hasMore: boolean;
  executed: string;
  tables: string[];
}

describe('results SQL over the API', () => {
  let world: ApiWorld;
  let brand = '';
  let platform = '';
  let campaignsId = '';
  let segmentsId = '';
  let defaultName = '';
  const dir = mkdtempSync(join(tmpdir(), 'cr-rsql-'));

  const run = async (token: string, body: Record<string, unknown>) => world.call(token, 'POST', '/v1/results-sql/query', body);
  const rows = async (sql: string, token = brand): Promise<Page> => {
    const r = await run(token, { sql });
    if (r.status !== 200) throw new Error(`${sql}: ${r.status} ${r.text}`);
    return r.body as Page;
  };
  const refusal = async (sql: string, token = brand): Promise<{ status: number; code: string; message: string }> => {
    const r = await run(token, { sql });
    const error = (r.body as { error?: { code: string; message: string } }).error;
    return { status: r.status, code: error?.code ?? `none (${r.status})`, message: error?.message ?? r.text };
  };

  beforeAll(async () => {
    world = await ApiWorld.start();
    ({ brand, platform } = await mediaCollaboration(world));
    for (const sql of [CAMPAIGN_SQL, SEGMENT_SQL]) {
      const submitted = await world.call(brand, 'POST', '/v1/collaborations/media/queries?wait=30', { sql });
      const done = await world.finish(brand, 'media', (submitted.body as { id: string }).id);
      expect(done['status']).toBe('succeeded');
      if (sql === CAMPAIGN_SQL) campaignsId = done['resultId'] as string;
      else segmentsId = done['resultId'] as string;
    }
  }, 120_000);
  afterAll(async () => {
    await world.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists the receiver\'s result tables under default names', async () => {
    const r = await world.call(brand, 'GET', '/v1/results-sql/catalog');
    expect(r.status).toBe(200);
    const tables = (r.body as { tables: { name: string; id: string; named: boolean; storeKey?: string }[] }).tables;
    expect(tables.map((t) => t.id).sort()).toEqual([campaignsId, segmentsId].sort());
    const campaigns = tables.find((t) => t.id === campaignsId);
    defaultName = campaigns?.name ?? '';
    expect(defaultName).toBe(`query_${campaignsId.replaceAll('-', '').slice(0, 8)}`);
    expect(campaigns?.named).toBe(false);
    expect(campaigns?.storeKey).toBeUndefined();
  });

  it('runs SQL over a result by its default name (hand-worked values)', async () => {
    // c1 reaches customers a, b, c (cost 10+20+5+1); c3 reaches a, e (2+3); c2 (one user) is suppressed.
    const page = await rows(`SELECT campaign_id, users, cost FROM ${defaultName} ORDER BY campaign_id`);
    expect(page.rows.map((r) => [r[0], Number(r[1]), Number(r[2])])).toEqual([['c1', 3, 36], ['c3', 2, 5]]);
    expect(page.hasMore).toBe(false);
    expect(page.executed).toContain(`"${defaultName}"`);
  });

  it('names results and joins them with each other', async () => {
    expect((await world.call(brand, 'PATCH', `/v1/results/${campaignsId}`, { name: 'campaigns' })).status).toBe(200);
    expect((await world.call(brand, 'PATCH', `/v1/results/${segmentsId}`, { name: 'segments' })).status).toBe(200);
    const page = await rows(
      'WITH u AS (SELECT sum(users) AS users FROM campaigns), s AS (SELECT sum(customers) AS customers FROM segments) ' +
        'SELECT u.users, s.customers FROM u CROSS JOIN s',
    );
    // 3 + 2 users reached; gold a, b, e and silver c, d.
    expect(page.rows.map((r) => r.map(Number))).toEqual([[5, 5]]);
    const listing = await rows('SELECT name, row_count FROM results ORDER BY name');
    expect(listing.rows).toEqual([['campaigns', 2], ['segments', 2]]);
    // The default name is gone once named; a taken or bad name is refused.
    expect((await refusal(`SELECT * FROM ${defaultName}`)).code).toBe('unknown-result-table');
    expect((await world.call(brand, 'PATCH', `/v1/results/${segmentsId}`, { name: 'campaigns' })).status).toBe(409);
    expect((await world.call(brand, 'PATCH', `/v1/results/${segmentsId}`, { name: 'Bad Name' })).status).toBe(400);
    expect((await world.call(brand, 'PATCH', `/v1/results/${segmentsId}`, { name: 'duckdb_settings' })).status).toBe(400);
  });

  it('pages rows', async () => {
    const first = (await run(brand, { sql: 'SELECT campaign_id FROM campaigns ORDER BY campaign_id', limit: 1 })).body as Page;
    expect(first.rows).toEqual([['c1']]);
    expect(first.hasMore).toBe(true);
    const second = (await run(brand, { sql: 'SELECT campaign_id FROM campaigns ORDER BY campaign_id', limit: 1, offset: 1 })).body as Page;
    expect(second.rows).toEqual([['c3']]);
    expect(second.hasMore).toBe(false);
  });

  it('saves queries and views; views are read like tables', async () => {
    const view = await world.call(brand, 'PUT', '/v1/results-sql/saved/big_campaigns', { kind: 'view', sql: 'SELECT campaign_id, users FROM campaigns WHERE users >= 3' });
    expect(view.status).toBe(201);
    const query = await world.call(brand, 'PUT', '/v1/results-sql/saved/top', { kind: 'query', sql: 'SELECT campaign_id FROM big_campaigns' });
    expect(query.status).toBe(201);
    expect((await run(brand, { saved: 'top' })).body).toMatchObject({ rows: [['c1']] });
    expect((await rows('SELECT b.campaign_id, b.users FROM big_campaigns b')).rows.map((r) => [r[0], Number(r[1])])).toEqual([['c1', 3]]);
    const list = (await world.call(brand, 'GET', '/v1/results-sql/saved')).body as { name: string; kind: string }[];
    expect(list.map((s) => `${s.kind}:${s.name}`)).toEqual(['view:big_campaigns', 'query:top']);
    // Names are shared with result tables; a view may not read itself; a saved query must run.
    expect((await world.call(brand, 'PUT', '/v1/results-sql/saved/campaigns', { kind: 'query', sql: 'SELECT 1 AS one' })).status).toBe(409);
    const loop = await world.call(brand, 'PUT', '/v1/results-sql/saved/big_campaigns', { kind: 'view', sql: 'SELECT * FROM big_campaigns', replace: true });
    expect(loop.status).toBe(422);
    expect((loop.body as { error: { code: string } }).error.code).toBe('view-cycle');
    expect((await world.call(brand, 'PUT', '/v1/results-sql/saved/raw', { kind: 'query', sql: 'SELECT * FROM customers' })).status).toBe(422);
    // Another member sees none of it.
    expect((await world.call(platform, 'GET', '/v1/results-sql/saved/top')).status).toBe(404);
    expect((await run(platform, { saved: 'top' })).status).toBe(404);
  });

  it('exports a DuckDB file that plain DuckDB reads with the same answers', async () => {
    const r = await world.server.app.inject({ method: 'GET', url: '/v1/results-sql/export', headers: { authorization: `Bearer ${brand}` } });
    expect(r.statusCode).toBe(200);
    const file = join(dir, 'brand.duckdb');
    writeFileSync(file, r.rawPayload);
    const instance = await DuckDBInstance.create(file, { access_mode: 'READ_ONLY' });
    const connection = await instance.connect();
    try {
      const direct = (await connection.runAndReadAll('SELECT campaign_id, users, cost FROM campaigns ORDER BY campaign_id')).getRowsJson();
      const viaApi = await rows('SELECT campaign_id, users, cost FROM campaigns ORDER BY campaign_id');
      expect(viaApi.rows.map((row) => row.map(String))).toEqual(direct.map((row) => row.map(String)));
      expect((await connection.runAndReadAll('SELECT campaign_id FROM big_campaigns')).getRowsJson()).toEqual([['c1']]);
      expect((await connection.runAndReadAll('SELECT count(*)::INTEGER FROM results')).getRowsJson()).toEqual([[2]]);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });

  it('serves one result as Parquet by name, only to its receiver', async () => {
    const r = await world.server.app.inject({ method: 'GET', url: '/v1/results-sql/tables/campaigns/parquet', headers: { authorization: `Bearer ${brand}` } });
    expect(r.statusCode).toBe(200);
    expect(r.rawPayload.subarray(0, 4).toString()).toBe('PAR1');
    expect((await world.call(platform, 'GET', '/v1/results-sql/tables/campaigns/parquet')).status).toBe(404);
    expect((await world.call(platform, 'GET', `/v1/results-sql/tables/${campaignsId}/parquet`)).status).toBe(404);
  });

  describe('refusals', () => {
    it('refuses the raw tables of the collaboration', async () => {
      for (const sql of ['SELECT * FROM customers', 'SELECT email_address FROM impressions', 'SELECT * FROM campaigns c JOIN customers x ON TRUE']) {
        expect(await refusal(sql)).toMatchObject({ status: 422, code: 'unknown-result-table' });
      }
    });

    it('refuses another member\'s results, by name and by id', async () => {
      for (const sql of ['SELECT * FROM campaigns', `SELECT * FROM ${defaultName}`, `SELECT * FROM "${campaignsId}"`, 'SELECT name FROM results WHERE name = \'x\' UNION SELECT campaign_id FROM campaigns']) {
        const got = await refusal(sql, platform);
        expect(got.status, sql).toBe(422);
        expect(['unknown-result-table', 'file-path-not-allowed'], sql).toContain(got.code);
      }
      expect((await world.call(platform, 'PATCH', `/v1/results/${campaignsId}`, { name: 'mine' })).status).toBe(404);
      // The other member's own listing is empty: it holds no trace of brand's results.
      expect((await rows('SELECT count(*) AS n FROM results', platform)).rows.map((r) => r.map(Number))).toEqual([[0]]);
    });

    it('refuses table functions and file paths', async () => {
      const cases: [string, string][] = [
        ["SELECT * FROM read_parquet('/etc/passwd')", 'table-function-not-allowed'],
        ["SELECT * FROM read_csv('x.csv')", 'table-function-not-allowed'],
        ["SELECT * FROM glob('/*')", 'table-function-not-allowed'],
        ['SELECT * FROM duckdb_settings()', 'table-function-not-allowed'],
        ["SELECT * FROM '/etc/passwd'", 'file-path-not-allowed'],
        ["SELECT * FROM 'data.parquet'", 'file-path-not-allowed'],
        ['SELECT * FROM "s3://bucket/x.parquet"', 'file-path-not-allowed'],
        ["SELECT getenv('HOME')", 'function-not-allowed'],
      ];
      for (const [sql, code] of cases) expect(await refusal(sql), sql).toMatchObject({ status: 422, code });
    });

    it('refuses writes and statements other than SELECT', async () => {
      for (const sql of [
        'CREATE TABLE t AS SELECT * FROM campaigns',
        'INSERT INTO campaigns VALUES (1)',
        'DELETE FROM campaigns',
        "COPY campaigns TO '/tmp/x.csv'",
        "ATTACH '/tmp/x.duckdb' AS x",
        'PRAGMA database_list',
        "SET enable_external_access = true",
        "EXPORT DATABASE '/tmp/out'",
        'DROP VIEW campaigns',
        'SELECT 1; SELECT 2',
      ]) {
        const got = await refusal(sql);
        expect(got.status, sql).toBe(422);
        expect(['not-a-select', 'multiple-statements'], sql).toContain(got.code);
      }
    });

    it('refuses system catalogs and schema-qualified names', async () => {
      for (const sql of ['SELECT * FROM duckdb_tables', 'SELECT * FROM information_schema.tables', 'SELECT * FROM pg_catalog.pg_class', 'SELECT * FROM main.campaigns', 'SELECT * FROM sqlite_master']) {
        expect((await refusal(sql)).code, sql).toBe('system-catalog-not-allowed');
      }
    });

    it('keeps hostile identifiers as names', async () => {
      const page = await rows('SELECT campaign_id AS "x""; DROP TABLE campaigns; --" FROM campaigns AS "a""b" ORDER BY 1');
      // Aliases are lower-cased by the converter, as everywhere in the clean room.
      expect(page.columns[0]?.name).toBe('x"; drop table campaigns; --');
      expect(page.rows).toEqual([['c1'], ['c3']]);
      expect((await refusal('SELECT * FROM "campaigns""; SELECT 1"')).code).toBe('unknown-result-table');
      expect((await refusal('SELECT 1 FROM campaigns WHERE campaign_id = $1')).code).toBe('parameter-not-allowed');
    });

    it('is for members only', async () => {
      expect((await world.call(world.adminToken, 'POST', '/v1/results-sql/query', { sql: 'SELECT 1 AS x' })).status).toBe(403);
      expect((await world.call(undefined, 'POST', '/v1/results-sql/query', { sql: 'SELECT 1 AS x' })).status).toBe(401);
    });
  });
});
