/**
 * The query lists (GET .../queries and .../query-logs) carry each finished query's
 * `resultId` exactly where the single view (GET .../queries/{id}) does: for the receiver
 * of a succeeded query, never for a runner who did not receive it or an owner who
 * only sees the entry. Expected ids come from the receiver's own result list.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiWorld, CAMPAIGN_SQL, mediaCollaboration } from './support/api-world.ts';

interface Entry {
  id: string;
  status: string;
  runner: string;
  receiver: string;
  resultId?: string;
}

describe('HTTP API: result ids in the query lists', () => {
  let world: ApiWorld;
  let keys: { brand: string; platform: string };
  /** Query ids by what happened to them. */
  const ran = { own: '', refused: '', toPlatform: '', shared: '' };

  const get = async <T>(token: string, url: string): Promise<T> => {
    const r = await world.call(token, 'GET', url);
    if (r.status !== 200) throw new Error(`GET ${url}: ${r.status} ${r.text}`);
    return r.body as T;
  };
  const submit = async (token: string, collaboration: string, body: object): Promise<string> => {
    const r = await world.call(token, 'POST', `/v1/collaborations/${collaboration}/queries?wait=30`, body);
    if (![200, 202].includes(r.status)) throw new Error(`submitting: ${r.status} ${r.text}`);
    const id = (r.body as { id: string }).id;
    await world.finish(token, collaboration, id);
    return id;
  };
  /** The receiver's result for a query, from GET /v1/results: the independent answer. */
  const resultOf = async (token: string, queryId: string): Promise<string | undefined> =>
    (await get<{ id: string; queryId: string }[]>(token, '/v1/results')).find((r) => r.queryId === queryId)?.id;

  beforeAll(async () => {
    world = await ApiWorld.start();
    keys = await mediaCollaboration(world);
    const { brand, platform } = keys;
    ran.own = await submit(brand, 'media', { sql: CAMPAIGN_SQL });
    ran.refused = await submit(brand, 'media', { sql: 'SELECT i.email_address FROM impressions i' });
    // A second collaboration where the platform may receive: one result to it, one to the brand.
    const created = await world.call(brand, 'POST', '/v1/collaborations', {
      name: 'shared',
      members: [
        { member: 'brand', query: true, receive: true },
        { member: 'platform', query: false, receive: true },
      ],
    });
    expect(created.status, created.text).toBe(201);
    expect((await world.call(platform, 'POST', '/v1/collaborations/shared/accept')).status).toBe(200);
    expect((await world.call(brand, 'POST', '/v1/collaborations/shared/associations', { table: 'customers' })).status).toBe(201);
    expect((await world.call(platform, 'POST', '/v1/collaborations/shared/associations', { table: 'impressions' })).status).toBe(201);
    ran.toPlatform = await submit(brand, 'shared', { sql: CAMPAIGN_SQL, receiver: 'platform' });
    ran.shared = await submit(brand, 'shared', { sql: CAMPAIGN_SQL });
  }, 120_000);
  afterAll(async () => world?.close());

  it("gives the runner who receives each succeeded query's result id in its own list, none to a refused query", async () => {
    const list = await get<Entry[]>(keys.brand, '/v1/collaborations/media/queries');
    expect(list.map((q) => q.id)).toEqual([ran.own, ran.refused]);
    const own = list.find((q) => q.id === ran.own)!;
    expect(own.status).toBe('succeeded');
    expect(own.resultId).toBeDefined();
    expect(own.resultId).toBe(await resultOf(keys.brand, ran.own));
    const refused = list.find((q) => q.id === ran.refused)!;
    expect(refused.status).toBe('refused');
    expect(refused).not.toHaveProperty('resultId');
    // The result id opens the result.
    expect((await world.call(keys.brand, 'GET', `/v1/results/${own.resultId}/rows?limit=5`)).status).toBe(200);
  });

  it('gives it to the receiver, not to the runner, when someone else receives', async () => {
    const runnerList = await get<Entry[]>(keys.brand, '/v1/collaborations/shared/queries');
    const sent = runnerList.find((q) => q.id === ran.toPlatform)!;
    expect(sent).toMatchObject({ status: 'succeeded', runner: 'brand', receiver: 'platform' });
    expect(sent).not.toHaveProperty('resultId');
    expect(runnerList.find((q) => q.id === ran.shared)?.resultId).toBe(await resultOf(keys.brand, ran.shared));

    const receiverLog = await get<Entry[]>(keys.platform, '/v1/collaborations/shared/query-logs');
    const received = receiverLog.find((q) => q.id === ran.toPlatform)!;
    expect(received.resultId).toBeDefined();
    expect(received.resultId).toBe(await resultOf(keys.platform, ran.toPlatform));
    // The platform owns impressions, so it sees the brand's own query in the log, without its result.
    const ownedOnly = receiverLog.find((q) => q.id === ran.shared)!;
    expect(ownedOnly.receiver).toBe('brand');
    expect(ownedOnly).not.toHaveProperty('resultId');
    // And nobody gets another member's result through the id.
    expect((await world.call(keys.brand, 'GET', `/v1/results/${received.resultId}/rows`)).status).toBe(404);
  });

  it('answers every list item exactly as the single view answers that query, for every viewer', async () => {
    let compared = 0;
    for (const token of [keys.brand, keys.platform]) {
      for (const collaboration of ['media', 'shared']) {
        for (const route of ['queries', 'query-logs']) {
          for (const item of await get<Entry[]>(token, `/v1/collaborations/${collaboration}/${route}`)) {
            expect(await get<Entry>(token, `/v1/collaborations/${collaboration}/queries/${item.id}`)).toEqual(item);
            compared++;
          }
        }
      }
    }
    // brand: media 2+2, shared 2+2; platform: no own queries, and as the owner of impressions
    // every entry of both logs (the refused query read impressions too).
    expect(compared).toBe(8 + 2 + 2);
  });

  it('publishes resultId in the OpenAPI schema of the lists and of the single view', async () => {
    const doc = await get<{ paths: Record<string, Record<string, { responses?: Record<string, { content?: Record<string, { schema: Record<string, unknown> }> }> }>> }>(
      keys.brand,
      '/openapi.json',
    );
    const schemaOf = (path: string): Record<string, unknown> | undefined => doc.paths[path]?.['get']?.responses?.['200']?.content?.['application/json']?.schema;
    for (const path of ['/v1/collaborations/{collaboration}/queries', '/v1/collaborations/{collaboration}/query-logs']) {
      const schema = schemaOf(path) as { type: string; items: { properties: Record<string, { type: string; description: string }> } } | undefined;
      expect(schema?.type, path).toBe('array');
      expect(schema?.items.properties['resultId']).toMatchObject({ type: 'string', description: expect.stringContaining('receiver') });
    }
    const single = schemaOf('/v1/collaborations/{collaboration}/queries/{id}') as { properties: Record<string, unknown> } | undefined;
    expect(single?.properties['resultId']).toBeDefined();
  });
});
