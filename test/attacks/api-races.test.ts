/**
 * HTTP API attack suite 3/3: the query scheduler and long-polls as side channels and
 * race windows. The server runs with no engine slot (`running: 0`), so every accepted
 * query waits in the queue until it is cancelled: the tests control exactly what is
 * queued. Policy: docs/server.md (per-member limit "queued or running queries per
 * member"; a revoked key "is refused at once"; another member's query id answers 404).
 *
 * Each test asserts the SAFE behaviour; a failing test is an attack that worked.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiWorld, CAMPAIGN_SQL, mediaCollaboration, type ApiResponse } from '../support/api-world.ts';

const errorOf = (r: ApiResponse): { code?: string; message?: string } =>
  ((r.body as { error?: { code?: string; message?: string } } | undefined)?.error ?? {});

describe('queued queries as a side channel', () => {
  let world: ApiWorld;
  let brand = '';
  let platform = '';
  const queued: { token: string; collaboration: string; id: string }[] = [];

  beforeAll(async () => {
    world = await ApiWorld.start({ limits: { running: 0, perMember: 2 } });
    ({ brand, platform } = await mediaCollaboration(world));
    // `both`: each member may query and receive; query logs off, so neither sees the other's queries.
    const created = await world.call(brand, 'POST', '/v1/collaborations', {
      name: 'both',
      queryLogs: false,
      members: [
        { member: 'brand', query: true, receive: true },
        { member: 'platform', query: true, receive: true },
      ],
    });
    expect(created.status).toBe(201);
    expect((await world.call(platform, 'POST', '/v1/collaborations/both/accept')).status).toBe(200);
    expect((await world.call(brand, 'POST', '/v1/collaborations/both/associations', { table: 'customers' })).status).toBe(201);
    expect((await world.call(platform, 'POST', '/v1/collaborations/both/associations', { table: 'impressions' })).status).toBe(201);
  }, 120_000);

  afterAll(async () => {
    for (const q of queued) await world.call(q.token, 'POST', `/v1/collaborations/${q.collaboration}/queries/${q.id}/cancel`);
    await world.close();
  });

  const submit = async (token: string, collaboration: string): Promise<ApiResponse> => {
    const r = await world.call(token, 'POST', `/v1/collaborations/${collaboration}/queries`, { sql: CAMPAIGN_SQL });
    if (r.status === 202) queued.push({ token, collaboration, id: (r.body as { id: string }).id });
    return r;
  };

  it("one member's queued queries neither count against nor show in another member's limit", async () => {
    const a = await submit(brand, 'both');
    const b = await submit(brand, 'both');
    expect([a.status, b.status]).toEqual([202, 202]);
    const full = await submit(brand, 'both');
    expect(full.status).toBe(429);
    expect(errorOf(full).code).toBe('query-limit');
    // Platform's own limit is untouched by brand's two queued queries ...
    const p1 = await submit(platform, 'both');
    const p2 = await submit(platform, 'both');
    expect([p1.status, p2.status]).toEqual([202, 202]);
    const pFull = await submit(platform, 'both');
    expect(pFull.status).toBe(429);
    // ... and its refusal tells it about its own queries only.
    expect(pFull.text).not.toContain('brand');
    expect(pFull.text).not.toMatch(/\b4\b/);
    expect(full.text).not.toContain('platform');
  });

  it("a member that cannot see a query gets 404 at once on long-poll, not after the query's wait", async () => {
    const mine = queued.find((q) => q.token === brand)!;
    const started = Date.now();
    const r = await world.call(platform, 'GET', `/v1/collaborations/both/queries/${mine.id}?wait=10`);
    const elapsed = Date.now() - started;
    expect(r.status).toBe(404);
    expect(elapsed).toBeLessThan(3_000);
    const unknown = await world.call(platform, 'GET', '/v1/collaborations/both/queries/00000000-0000-4000-8000-000000000000?wait=10');
    expect(`${r.status} ${errorOf(r).code}`).toBe(`${unknown.status} ${errorOf(unknown).code}`);
    const cancel = await world.call(platform, 'POST', `/v1/collaborations/both/queries/${mine.id}/cancel`);
    expect(cancel.status).toBe(404);
    // Still queued for brand.
    const still = await world.call(brand, 'GET', `/v1/collaborations/both/queries/${mine.id}`);
    expect((still.body as { status: string }).status).toBe('submitted');
  }, 30_000);

  it("the runner's own view of a queued query leaks nothing of the other table", async () => {
    const mine = queued.find((q) => q.token === brand)!;
    const r = await world.call(brand, 'GET', `/v1/collaborations/both/queries/${mine.id}`);
    expect(r.text).not.toMatch(/"impressions":\{|rowsRead|rowsSuppressed/);
  });
});

describe('revocation races', () => {
  let world: ApiWorld;
  let brand = '';

  beforeAll(async () => {
    world = await ApiWorld.start({ limits: { running: 0, perMember: 5 } });
    ({ brand } = await mediaCollaboration(world));
  }, 120_000);
  afterAll(async () => world.close());

  // Attack: a long-poll (GET .../queries/{id}?wait=N) authenticates once, when it starts.
  // If the key is revoked while it waits, the answer that comes afterwards still carries
  // the query's new state, to a key that is already revoked. docs/server.md: "a revoked
  // key is refused at once with 401 api-key-revoked".
  it('a long-poll whose key is revoked while it waits gets no answer after the revocation', async () => {
    const spare = await world.call(brand, 'POST', '/v1/members/brand/keys', { label: 'stolen laptop' });
    const { id: keyId, token: stolen } = spare.body as { id: string; token: string };
    const submitted = await world.call(stolen, 'POST', '/v1/collaborations/media/queries', { sql: CAMPAIGN_SQL });
    expect(submitted.status).toBe(202);
    const queryId = (submitted.body as { id: string }).id;
    const poll = world.call(stolen, 'GET', `/v1/collaborations/media/queries/${queryId}?wait=5`);
    await new Promise((r) => setTimeout(r, 300));
    expect((await world.call(brand, 'DELETE', `/v1/keys/${keyId}`)).status).toBe(200);
    expect((await world.call(stolen, 'GET', '/v1/me')).status).toBe(401);
    // The query changes after the revocation (the owner cancels it with its other key).
    expect((await world.call(brand, 'POST', `/v1/collaborations/media/queries/${queryId}/cancel`)).status).toBe(202);
    const answer = await poll;
    expect(answer.status).toBe(401);
    expect(answer.text).not.toContain('cancelled');
  }, 30_000);

  it('a revoked key cannot start a long-poll, a submission or a cancel', async () => {
    const spare = await world.call(brand, 'POST', '/v1/members/brand/keys', { label: 'x' });
    const { id: keyId, token } = spare.body as { id: string; token: string };
    const submitted = await world.call(brand, 'POST', '/v1/collaborations/media/queries', { sql: CAMPAIGN_SQL });
    const queryId = (submitted.body as { id: string }).id;
    expect((await world.call(brand, 'DELETE', `/v1/keys/${keyId}`)).status).toBe(200);
    for (const [method, url, body] of [
      ['GET', `/v1/collaborations/media/queries/${queryId}?wait=5`, undefined],
      ['POST', '/v1/collaborations/media/queries?wait=5', { sql: CAMPAIGN_SQL }],
      ['POST', `/v1/collaborations/media/queries/${queryId}/cancel`, undefined],
      ['POST', '/v1/members/brand/keys', { label: 'resurrect' }],
    ] as const) {
      const started = Date.now();
      const r = await world.call(token, method, url, body);
      expect(r.status, `${method} ${url}`).toBe(401);
      expect(Date.now() - started).toBeLessThan(2_000);
    }
    const still = await world.call(brand, 'GET', `/v1/collaborations/media/queries/${queryId}`);
    expect((still.body as { status: string }).status).toBe('submitted');
    await world.call(brand, 'POST', `/v1/collaborations/media/queries/${queryId}/cancel`);
  }, 30_000);
});
