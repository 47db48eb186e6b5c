/**
 * POST /v1/members/{member}/tables/{table}/check: a table owner tests a sample query
 * against its own rule over HTTP. Expected verdicts are worked out by hand from the
 * rules in test/support/api-world.ts (RULES.md semantics).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiWorld, CAMPAIGN_SQL, mediaCollaboration } from './support/api-world.ts';

const ALLOWED = 'SELECT campaign_id, COUNT(DISTINCT email_address) AS users, SUM(cost) AS cost FROM impressions GROUP BY campaign_id';
const JOIN_COLUMN_OUT = 'SELECT email_address, SUM(cost) AS cost FROM impressions GROUP BY email_address';

describe('testing a sample query against a table rule over HTTP', () => {
  let world: ApiWorld;
  let keys: { brand: string; platform: string };
  const check = (token: string, member: string, table: string, body: unknown) =>
    world.call(token, 'POST', `/v1/members/${member}/tables/${table}/check`, body);

  beforeAll(async () => {
    world = await ApiWorld.start();
    keys = await mediaCollaboration(world);
  }, 120_000);
  afterAll(async () => world.close());

  it('answers the owner: allowed, with the SQL that would run (the output constraint as HAVING)', async () => {
    const r = await check(keys.platform, 'platform', 'impressions', { sql: ALLOWED });
    expect(r.status).toBe(200);
    // IMPRESSIONS_RULE: COUNT_DISTINCT email, SUM cost, campaign_id a dimension, at least 2 users a row.
    expect(r.body).toEqual({
      allowed: true,
      sql:
        'SELECT "impressions"."campaign_id" AS "campaign_id", count(DISTINCT "impressions"."email_address") AS "users", ' +
        'sum("impressions"."cost") AS "cost" FROM "impressions" GROUP BY "impressions"."campaign_id" ' +
        'HAVING (count(DISTINCT "impressions"."email_address") >= 2)',
    });
  });

  it('answers a refusal as 200 with the diagnostic a query runner would get', async () => {
    const r = await check(keys.platform, 'platform', 'impressions', { sql: JOIN_COLUMN_OUT });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      allowed: false,
      error: {
        code: 'join-column-in-output',
        message: 'aggregation rule: join column impressions.email_address of impressions may not appear in SELECT',
        rule: 'aggregation',
        table: 'impressions',
        fragment: 'email_address',
        position: 7,
        hint: 'join columns are used only in ON conditions and inside an allowed COUNT or COUNT(DISTINCT ...)',
      },
    });
  });

  it('gives the SQL and the refusal a dry run in a collaboration gives, where the table is queried alone', async () => {
    // brand may query in media, where its customers table is associated as `customers`.
    const alone = 'SELECT c.segment, COUNT(DISTINCT c.email_address) AS n FROM customers c GROUP BY c.segment';
    const dry = await world.call(keys.brand, 'POST', '/v1/collaborations/media/queries', { sql: alone, dryRun: true });
    const checked = await check(keys.brand, 'brand', 'customers', { sql: alone });
    expect(dry.status).toBe(200);
    expect(checked.body).toEqual({ allowed: true, sql: (dry.body as { sql: string }).sql });
    const refused = 'SELECT c.email_address FROM customers c';
    const dryRefused = await world.call(keys.brand, 'POST', '/v1/collaborations/media/queries', { sql: refused, dryRun: true });
    expect(dryRefused.status).toBe(422);
    expect(((await check(keys.brand, 'brand', 'customers', { sql: refused })).body as { error: unknown }).error).toEqual(
      (dryRefused.body as { error: unknown }).error,
    );
  });

  it("sees the table alone: another member's table is unknown to the check", async () => {
    const r = await check(keys.platform, 'platform', 'impressions', { sql: CAMPAIGN_SQL });
    expect(r.body).toMatchObject({ allowed: false, error: { code: 'unknown-table', fragment: 'customers' } });
  });

  it('names the table in SQL as the owner asks', async () => {
    const sql = 'SELECT i.campaign_id, COUNT(DISTINCT i.email_address) AS users FROM imp i GROUP BY i.campaign_id';
    expect((await check(keys.platform, 'platform', 'impressions', { sql, name: 'imp' })).body).toMatchObject({ allowed: true });
    expect((await check(keys.platform, 'platform', 'impressions', { sql })).body).toMatchObject({ allowed: false, error: { code: 'unknown-table' } });
  });

  it('is for the owner only: another member is forbidden as on every table route, an unknown table is 404', async () => {
    const other = await check(keys.brand, 'platform', 'impressions', { sql: ALLOWED });
    const neighbour = await world.call(keys.brand, 'GET', '/v1/members/platform/tables/impressions');
    expect([other.status, neighbour.status]).toEqual([403, 403]);
    expect((other.body as { error: { code: string } }).error.code).toBe('forbidden');
    // The answer does not depend on whether the table exists.
    expect((await check(keys.brand, 'platform', 'nothing', { sql: ALLOWED })).status).toBe(403);
    const unknown = await check(keys.platform, 'platform', 'nothing', { sql: ALLOWED });
    expect(unknown.status).toBe(404);
    expect((unknown.body as { error: { code: string } }).error.code).toBe('unknown-table');
    expect((await check(world.adminToken, 'platform', 'impressions', { sql: ALLOWED })).status).toBe(403);
    expect((await world.call(undefined, 'POST', '/v1/members/platform/tables/impressions/check', { sql: ALLOWED })).status).toBe(401);
  });

  it('refuses a malformed body (400) and records no query', async () => {
    const before = await world.workspace.db.selectFrom('queries').select('id').execute();
    expect((await check(keys.platform, 'platform', 'impressions', {})).status).toBe(400);
    expect((await check(keys.platform, 'platform', 'impressions', { sql: '' })).status).toBe(400);
    expect((await check(keys.platform, 'platform', 'impressions', { sql: ALLOWED, dryRun: true })).status).toBe(400);
    await check(keys.platform, 'platform', 'impressions', { sql: JOIN_COLUMN_OUT });
    expect(await world.workspace.db.selectFrom('queries').select('id').execute()).toEqual(before);
  });

  it('is in the OpenAPI document with its body', async () => {
    const doc = (await world.call(undefined, 'GET', '/openapi.json')).body as { paths: Record<string, Record<string, { tags?: string[] }>> };
    const route = doc.paths['/v1/members/{member}/tables/{table}/check']?.['post'];
    expect(route?.tags).toEqual(['tables']);
    expect(JSON.stringify(route)).toContain('"sql"');
  });
});
