/**
 * The HTTP API end to end, in process: members and keys, uploads, tables, a
 * collaboration, a protected query submitted and long-polled, results as rows and
 * downloads. Expected figures are worked by hand from the CSVs in test/support/api-world.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiWorld, CAMPAIGN_SQL, mediaCollaboration } from './support/api-world.ts';

describe('HTTP API: a media collaboration end to end', () => {
  let world: ApiWorld;
  let keys: { brand: string; platform: string };
  beforeAll(async () => {
    world = await ApiWorld.start();
    keys = await mediaCollaboration(world);
  }, 60_000);
  afterAll(async () => world.close());

  it('answers a submitted query at once, then with its outcome', async () => {
    const submitted = await world.call(keys.brand, 'POST', '/v1/collaborations/media/queries', { sql: CAMPAIGN_SQL });
    expect([200, 202]).toContain(submitted.status);
    const id = (submitted.body as { id: string }).id;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(submitted.headers['location']).toBe(`/v1/collaborations/media/queries/${id}`);
    const done = await world.finish(keys.brand, 'media', id);
    expect(done['status']).toBe('succeeded');
    // By hand: customers a..e. c1: a,b,c -> 3 users, cost 10+20+5+1 = 36. c2: d only -> 1 user,
    // below both minimums of 2 -> suppressed. c3: a,e (z is no customer) -> 2 users, cost 5.
    expect(done['rowCount']).toBe(2);
    const resultId = done['resultId'] as string;
    const rows = await world.call(keys.brand, 'GET', `/v1/results/${resultId}/rows?limit=10`);
    expect(rows.status).toBe(200);
    const page = rows.body as { rowCount: number; columns: { name: string }[]; rows: unknown[][] };
    expect(page.columns.map((c) => c.name)).toEqual(['campaign_id', 'users', 'cost']);
    const sorted = [...page.rows].sort((a, b) => String(a[0]).localeCompare(String(b[0])));
    expect(sorted.map((r) => [r[0], Number(r[1]), Number(r[2])])).toEqual([
      ['c1', 3, 36],
      ['c3', 2, 5],
    ]);
    const csv = await world.call(keys.brand, 'GET', `/v1/results/${resultId}/download?format=csv`);
    expect(csv.status).toBe(200);
    const lines = csv.text.trim().split('\n');
    expect(lines[0]).toBe('campaign_id,users,cost');
    expect(lines.slice(1).sort()).toEqual(['c1,3,36', 'c3,2,5']);
    const ndjson = await world.call(keys.brand, 'GET', `/v1/results/${resultId}/download?format=json`);
    const records = ndjson.text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records.map((r) => r['campaign_id']).sort()).toEqual(['c1', 'c3']);
    const parquet = await world.call(keys.brand, 'GET', `/v1/results/${resultId}/download`);
    expect(parquet.status).toBe(200);
    expect(parquet.headers['content-type']).toBe('application/vnd.apache.parquet');
  });

  it('refuses a query the rules forbid with the CLI\'s diagnostic', async () => {
    const submitted = await world.call(keys.brand, 'POST', '/v1/collaborations/media/queries?wait=10', {
      sql: 'SELECT i.email_address FROM impressions i',
    });
    expect(submitted.status).toBe(200);
    const body = submitted.body as { status: string; error: { code: string; message: string } };
    expect(body.status).toBe('refused');
    expect(body.error.code).toMatch(/^[a-z-]+$/);
    expect(body.error.message.length).toBeGreaterThan(10);
  });

  it('a dry run returns the SQL that would run and records nothing', async () => {
    const before = await world.call(keys.brand, 'GET', '/v1/collaborations/media/queries');
    const dry = await world.call(keys.brand, 'POST', '/v1/collaborations/media/queries', { sql: CAMPAIGN_SQL, dryRun: true });
    expect(dry.status).toBe(200);
    expect((dry.body as { status: string; sql: string }).sql).toContain('HAVING');
    const after = await world.call(keys.brand, 'GET', '/v1/collaborations/media/queries');
    expect((after.body as unknown[]).length).toBe((before.body as unknown[]).length);
  });

  it('validates request bodies and names the problem', async () => {
    const r = await world.call(keys.brand, 'POST', '/v1/collaborations/media/queries', { sql: CAMPAIGN_SQL, surprise: 1 });
    expect(r.status).toBe(400);
    expect((r.body as { error: { code: string; message: string } }).error.code).toBe('invalid-request');
    expect((r.body as { error: { message: string } }).error.message).toContain('additional properties');
  });

  it('publishes an OpenAPI document and a reference page naming every route', async () => {
    const doc = await world.call(undefined, 'GET', '/openapi.json');
    expect(doc.status).toBe(200);
    const paths = Object.keys((doc.body as { paths: Record<string, unknown> }).paths);
    expect(paths).toContain('/v1/collaborations/{collaboration}/queries');
    expect(paths).toContain('/v1/results/{id}/download');
    expect((doc.body as { openapi: string }).openapi).toMatch(/^3\./);
    const page = await world.call(undefined, 'GET', '/docs');
    expect(page.status).toBe(200);
    for (const path of paths) expect(page.text).toContain(path.replaceAll('&', '&amp;'));
  });

  it('health and readiness need no key; metrics need the administrator key', async () => {
    expect((await world.call(undefined, 'GET', '/healthz')).status).toBe(200);
    expect((await world.call(undefined, 'GET', '/readyz')).status).toBe(200);
    expect((await world.call(undefined, 'GET', '/metrics')).status).toBe(401);
    expect((await world.call(keys.brand, 'GET', '/metrics')).status).toBe(403);
    const metrics = await world.call(world.adminToken, 'GET', '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.text).toMatch(/cleanroom_queries_total\{status="succeeded",rule="aggregation"\} [1-9]/);
    expect(metrics.text).toMatch(/cleanroom_bytes_ingested_total [1-9]/);
  });

  it('records every change and query in an audit chain the operator can verify', async () => {
    const verified = await world.call(world.adminToken, 'GET', '/v1/audit/verify');
    expect(verified.status).toBe(200);
    expect(verified.body).toMatchObject({ ok: true });
    const entries = (await world.call(world.adminToken, 'GET', '/v1/audit?limit=10000')).body as { action: string; actor: string }[];
    const actions = entries.map((e) => `${e.actor} ${e.action}`);
    expect(actions).toContain('brand collaboration.create');
    expect(actions.some((a) => a.startsWith('brand query.'))).toBe(true);
    // The audit log holds no data value of the members' files.
    expect(JSON.stringify(entries)).not.toMatch(/@x\.io/);
  });
});
