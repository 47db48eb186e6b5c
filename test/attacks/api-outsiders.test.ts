/**
 * HTTP API attack suite 1/3: callers with no standing in a collaboration (no key, a bad or
 * revoked key, the administrator, a member of no collaboration here) try to learn
 * something about it, or to reach member data and operator routes by header and URL
 * tricks. Policy: docs/server.md "Who may do what" (no key: /healthz, /readyz,
 * /openapi.json, /docs only; administrator: members, keys, /metrics, never member data;
 * only members of a collaboration read its members, schemas and rules).
 *
 * Each test asserts the SAFE behaviour; a failing test is an attack that worked.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiWorld, CAMPAIGN_SQL, mediaCollaboration, type ApiResponse } from '../support/api-world.ts';

const errorOf = (r: ApiResponse): { code?: string; message?: string } =>
  ((r.body as { error?: { code?: string; message?: string } } | undefined)?.error ?? {});

/** Status and error code: what a caller can tell two answers apart by (messages may name what was asked). */
const shape = (r: ApiResponse): string => `${r.status} ${errorOf(r).code ?? ''}`;

describe('outsiders learn nothing about a collaboration they are not in', () => {
  let world: ApiWorld;
  let brand = '';
  let retailer = '';
  let queryId = '';

  beforeAll(async () => {
    world = await ApiWorld.start();
    ({ brand } = await mediaCollaboration(world));
    retailer = await world.member('retailer');
    const q = await world.call(brand, 'POST', '/v1/collaborations/media/queries?wait=30', { sql: CAMPAIGN_SQL });
    queryId = (q.body as { id: string }).id;
    await world.finish(brand, 'media', queryId);
  }, 120_000);
  afterAll(async () => world.close());

  // Attack: the list-rule insights analysis resolves its table mapping against the
  // collaboration's associations BEFORE checking that the caller is a member
  // (collaboration/insights.ts runInsight, list branch), so an outsider can test guessed
  // association names: a real name gets 403, a wrong one 400 "no associated table".
  it('insights run (list analysis): an outsider cannot test association names of a foreign collaboration', async () => {
    const real = await world.call(retailer, 'POST', '/v1/collaborations/media/insights/segment-export/runs', {
      tables: { customers: 'customers', impressions: 'impressions' },
    });
    const guessed = await world.call(retailer, 'POST', '/v1/collaborations/media/insights/segment-export/runs', {
      tables: { customers: 'no_such_table', impressions: 'impressions' },
    });
    expect(real.status).toBe(403);
    expect(shape(guessed)).toBe(shape(real));
    expect(guessed.text).not.toMatch(/no associated table/);
  });

  // Attack: DELETE /v1/collaborations/{c} checks "creator" before membership, and the
  // refusal names the creator: an outsider learns who runs the collaboration.
  it('delete collaboration: an outsider is not told who created it', async () => {
    const r = await world.call(retailer, 'DELETE', '/v1/collaborations/media');
    expect(r.status).toBe(403);
    expect(r.text).not.toContain('brand');
    // Still there for its members.
    expect((await world.call(brand, 'GET', '/v1/collaborations/media')).status).toBe(200);
  });

  it('every other collaboration route answers an outsider alike for real and guessed names', async () => {
    const pairs: [string, string, string, unknown?][] = [
      ['DELETE', '/v1/collaborations/media/associations/customers', '/v1/collaborations/media/associations/nothing_here'],
      ['GET', '/v1/collaborations/media/templates/audience-overlap', '/v1/collaborations/media/templates/nothing-here'],
      ['POST', '/v1/collaborations/media/templates/x/approve', '/v1/collaborations/media/templates/x/approve', { table: 'customers' }],
      ['GET', `/v1/collaborations/media/queries/${queryId}`, '/v1/collaborations/media/queries/00000000-0000-4000-8000-000000000000'],
      ['GET', `/v1/collaborations/media/queries/${queryId}?wait=5`, '/v1/collaborations/media/queries/00000000-0000-4000-8000-000000000000?wait=5'],
      ['POST', `/v1/collaborations/media/queries/${queryId}/cancel`, '/v1/collaborations/media/queries/00000000-0000-4000-8000-000000000000/cancel'],
      ['GET', `/v1/collaborations/media/insights/runs/${queryId}`, '/v1/collaborations/media/insights/runs/00000000-0000-4000-8000-000000000000'],
      ['POST', '/v1/collaborations/media/queries', '/v1/collaborations/media/queries', { sql: CAMPAIGN_SQL, dryRun: true }],
      ['POST', '/v1/collaborations/media/queries', '/v1/collaborations/media/queries', { sql: 'SELECT COUNT(DISTINCT x.y) FROM nothing_here x', dryRun: true }],
      ['POST', '/v1/collaborations/media/insights/audience-overlap/runs', '/v1/collaborations/media/insights/audience-overlap/runs', { tables: { customers: 'nothing_here' } }],
      ['POST', '/v1/collaborations/media/associations', '/v1/collaborations/media/associations', { table: 'customers', name: 'impressions' }],
    ];
    const wrong: string[] = [];
    for (const [method, real, guessed, body] of pairs) {
      const started = Date.now();
      const a = await world.call(retailer, method, real, body);
      const b = await world.call(retailer, method, guessed, body);
      // A long-poll must not wait on a query the caller may not see (timing tells it exists and runs).
      if (Date.now() - started > 3_000) wrong.push(`${method} ${real}: took ${Date.now() - started} ms`);
      if (a.status !== 403 || shape(a) !== shape(b)) wrong.push(`${method} ${real}: ${shape(a)} vs ${shape(b)}`);
      for (const r of [a, b]) if (/@x\.io|gold|silver|"c1"|brand'/.test(r.text.replace(/[0-9a-f-]{36}/gi, 'ID'))) wrong.push(`${method} ${real}: ${r.text.slice(0, 200)}`);
    }
    expect(wrong).toEqual([]);
  });

  it('the administrator never reads member data, even through collaboration and result routes', async () => {
    const results = await world.call(brand, 'GET', '/v1/results');
    const resultId = (results.body as { id: string }[])[0]?.id ?? '';
    expect(resultId).not.toBe('');
    for (const [method, url] of [
      ['GET', '/v1/collaborations/media'],
      ['GET', `/v1/collaborations/media/queries/${queryId}`],
      ['GET', '/v1/collaborations/media/query-logs'],
      ['GET', `/v1/results/${resultId}`],
      ['GET', `/v1/results/${resultId}/rows`],
      ['GET', `/v1/results/${resultId}/download?format=json`],
      ['GET', '/v1/members/brand/datasets/customers'],
      ['GET', '/v1/members/brand/tables/customers'],
    ] as const) {
      const r = await world.call(world.adminToken, method, url);
      expect(r.status, `${method} ${url}`).toBe(403);
      expect(r.text).not.toMatch(/@x\.io|gold|campaign_id/);
    }
  });
});

describe('keys, headers and URLs', () => {
  let world: ApiWorld;
  let brand = '';
  let brandKeyId = '';

  beforeAll(async () => {
    world = await ApiWorld.start();
    ({ brand } = await mediaCollaboration(world));
    brandKeyId = ((await world.call(brand, 'GET', '/v1/me')).body as { keyId: string }).keyId;
  }, 120_000);
  afterAll(async () => world.close());

  it('a key id with another key\'s secret is refused (no mixing of the admin id and a member secret)', async () => {
    const adminId = world.adminToken.split('_')[1]!;
    const brandSecret = brand.slice(`crk_${brandKeyId}_`.length);
    const spliced = `crk_${adminId}_${brandSecret}`;
    const r = await world.call(spliced, 'GET', '/metrics');
    expect(r.status).toBe(401);
    expect((await world.call(spliced, 'GET', '/v1/members')).status).toBe(401);
  });

  it('a revoked key with a wrong secret is not told the key exists and was revoked', async () => {
    const spare = await world.call(brand, 'POST', '/v1/members/brand/keys', { label: 'spare' });
    const { id, token } = spare.body as { id: string; token: string };
    expect((await world.call(brand, 'DELETE', `/v1/keys/${id}`)).status).toBe(200);
    // The holder of the real token hears that it was revoked ...
    expect(errorOf(await world.call(token, 'GET', '/v1/me')).code).toBe('api-key-revoked');
    // ... someone who only knows (or guesses) the id does not.
    const guess = `crk_${id}_${'A'.repeat(43)}`;
    const r = await world.call(guess, 'GET', '/v1/me');
    const unknown = await world.call(`crk_0123456789abcdef_${'A'.repeat(43)}`, 'GET', '/v1/me');
    expect(r.status).toBe(401);
    expect(shape(r)).toBe(shape(unknown));
    expect(r.text).toBe(unknown.text);
  });

  it('a revoked key is refused on the very next request (no cache of good keys)', async () => {
    const spare = await world.call(brand, 'POST', '/v1/members/brand/keys', { label: 'cached' });
    const { id, token } = spare.body as { id: string; token: string };
    // Warm any cache there might be.
    for (let i = 0; i < 3; i++) expect((await world.call(token, 'GET', '/v1/members/brand/datasets')).status).toBe(200);
    expect((await world.call(brand, 'DELETE', `/v1/keys/${id}`)).status).toBe(200);
    const after = await world.call(token, 'GET', '/v1/members/brand/datasets');
    expect(after.status).toBe(401);
    expect(after.text).not.toContain('customers');
  });

  it('a member cannot mint an administrator key or a key for someone else through extra body fields', async () => {
    for (const body of [{ label: 'x', role: 'admin' }, { label: 'x', member: null }, { label: 'x', member: 'platform' }]) {
      const r = await world.call(brand, 'POST', '/v1/members/brand/keys', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
    }
    // A key it may create is a member key of its own.
    const ok = await world.call(brand, 'POST', '/v1/members/brand/keys', { label: 'plain' });
    const token = (ok.body as { token: string }).token;
    expect((await world.call(token, 'GET', '/v1/me')).body).toMatchObject({ role: 'member', member: 'brand' });
    expect((await world.call(token, 'GET', '/metrics')).status).toBe(403);
    // And it cannot revoke the operator's key (the id answers as unknown).
    const adminId = world.adminToken.split('_')[1]!;
    const r = await world.call(brand, 'DELETE', `/v1/keys/${adminId}`);
    expect(r.status).toBe(404);
    expect((await world.call(world.adminToken, 'GET', '/v1/me')).status).toBe(200);
  });

  it('odd Authorization headers never widen what a caller gets', async () => {
    const cases: [string, number][] = [
      [`bearer ${brand}`, 200], // the scheme is case-insensitive (RFC 7235): still brand, nothing more
      [`Bearer    ${brand}   `, 200],
      [`Bearer ${brand} ${world.adminToken}`, 401],
      [`Bearer ${brand},Bearer ${world.adminToken}`, 401],
      [`Bearer ${world.adminToken.slice(0, -1)}`, 401],
      [`Basic ${Buffer.from(`brand:${brand}`).toString('base64')}`, 401],
      ['Bearer', 401],
      ['', 401],
    ];
    // A trailing no-break space is white space to the header regex: at most the same member.
    const nbsp = await world.call(undefined, 'GET', '/v1/me', undefined, { authorization: `Bearer ${brand}\u00a0` });
    if (nbsp.status === 200) expect(nbsp.body).toMatchObject({ role: 'member', member: 'brand' });
    else expect(nbsp.status).toBe(401);
    for (const [header, status] of cases) {
      const r = await world.call(undefined, 'GET', '/v1/me', undefined, { authorization: header });
      expect(r.status, JSON.stringify(header)).toBe(status);
      if (r.status === 200) expect(r.body).toMatchObject({ role: 'member', member: 'brand' });
      const m = await world.call(undefined, 'GET', '/metrics', undefined, { authorization: header });
      expect(m.status, `metrics ${JSON.stringify(header)}`).toBe(status === 200 ? 403 : 401);
      expect(m.status, `metrics ${JSON.stringify(header)}`).not.toBe(200);
      expect(m.text).not.toMatch(/cleanroom_/);
    }
  });

  it('two Authorization headers on the wire resolve to one identity, never the administrator for a member', async () => {
    await world.server.app.listen({ host: '127.0.0.1', port: 0 });
    const address = world.server.app.server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    const raw = (first: string, second: string, path: string): Promise<string> =>
      new Promise((resolve, reject) => {
        const socket = connect(port, '127.0.0.1');
        let data = '';
        socket.on('data', (chunk) => (data += chunk.toString()));
        socket.on('end', () => resolve(data));
        socket.on('error', reject);
        socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${first}\r\nAuthorization: Bearer ${second}\r\nConnection: close\r\n\r\n`);
      });
    // A member's key first, the operator's second: must not reach the operator's routes.
    const metrics = await raw(brand, world.adminToken, '/metrics');
    expect(metrics).not.toMatch(/cleanroom_queries_total/);
    expect(metrics).toMatch(/^HTTP\/1\.1 (400|401|403)/);
    // A bogus key first and a member's second: whatever is answered, not another identity.
    const me = await raw(`crk_0123456789abcdef_${'A'.repeat(43)}`, brand, '/v1/me');
    expect(me).not.toMatch(/"role":"admin"/);
    // The operator's first and a member's second: still not member data (the admin reads none).
    const data = await raw(world.adminToken, brand, '/v1/members/brand/datasets/customers');
    expect(data).not.toMatch(/"rowCount"|gold|@x\.io/);
  });

  it('URL tricks neither skip authentication nor reach /metrics as a member', async () => {
    const revoked = await world.call(brand, 'POST', '/v1/members/brand/keys', { label: 'to revoke' });
    const { id, token } = revoked.body as { id: string; token: string };
    await world.call(brand, 'DELETE', `/v1/keys/${id}`);
    // Percent-encoded prefixes are routed like /v1/... after decoding but not seen by a
    // prefix check on the raw URL: the route itself must still demand a valid key.
    for (const url of ['/%761/me', '/%76%31/members/brand/datasets', '/v1/%6De', '/%761/members/brand/datasets/customers', '/%6Detrics', '/metric%73']) {
      for (const t of [undefined, token]) {
        const r = await world.call(t, 'GET', url);
        expect(r.status, `${url} ${t ? 'revoked' : 'none'}`).not.toBe(200);
        expect(r.text).not.toMatch(/cleanroom_|"member":"brand"|gold/);
      }
    }
    for (const url of ['/metrics', '/metrics?x=1', '/metrics/', '//metrics', '/METRICS', '/%6Detrics', '/metrics%00', '/metrics;x', '/./metrics', '/v1/../metrics']) {
      for (const method of ['GET', 'HEAD', 'POST', 'OPTIONS']) {
        const r = await world.call(brand, method, url);
        expect(r.status, `${method} ${url}`).not.toBe(200);
        expect(r.text).not.toMatch(/cleanroom_/);
      }
    }
  });

  it('a client-chosen request id is not echoed (no log forging through x-request-id)', async () => {
    const r = await world.call(brand, 'GET', '/v1/me', undefined, { 'x-request-id': 'forged\r\nline' });
    expect(r.headers['x-request-id']).not.toContain('forged');
    expect(String(r.headers['x-request-id'])).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('/openapi.json and /docs are the same with and without member data, and quote none of it', async () => {
    const fresh = await ApiWorld.start();
    try {
      const emptyDoc = (await fresh.call(undefined, 'GET', '/openapi.json')).text;
      const emptyPage = (await fresh.call(undefined, 'GET', '/docs')).text;
      const doc = await world.call(undefined, 'GET', '/openapi.json');
      const page = await world.call(undefined, 'GET', '/docs');
      expect(doc.status).toBe(200);
      expect(page.status).toBe(200);
      expect(doc.text).toBe(emptyDoc);
      expect(page.text).toBe(emptyPage);
      for (const text of [doc.text, page.text]) {
        expect(text).not.toMatch(/@x\.io|gold|silver|crk_[0-9a-f]{16}_|\/dev\/shm/);
        expect(text).not.toContain(world.home);
        expect(text).not.toContain(brandKeyId);
        expect(text).not.toContain('"platform"');
      }
    } finally {
      await fresh.close();
    }
  });
});

describe('the rate limiter', () => {
  let world: ApiWorld;
  beforeAll(async () => {
    world = await ApiWorld.start({ rateLimitPerMinute: 5 });
  });
  afterAll(async () => world.close());

  it('is keyed on the socket address without a key, never on X-Forwarded-For', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const r = await world.call(undefined, 'GET', '/healthz', undefined, { 'x-forwarded-for': `203.0.113.${i}`, 'x-real-ip': `198.51.100.${i}` });
      statuses.push(r.status);
    }
    expect(statuses.slice(-3)).toEqual([429, 429, 429]);
  });

  // Attack: a request with an invalid or revoked key fails authentication in the onRequest
  // hook, which runs before the rate limiter's: such requests are never counted, so
  // guessing keys (or flooding the key lookup) is not rate-limited at all. docs/server.md:
  // "requests per minute per key (or per address without one)".
  it('also counts requests whose key is invalid (no unlimited key guessing)', async () => {
    const other = await ApiWorld.start({ rateLimitPerMinute: 5 });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) {
        const guess = `crk_${i.toString(16).padStart(16, '0')}_${'A'.repeat(43)}`;
        statuses.push((await other.call(guess, 'GET', '/v1/me')).status);
      }
      expect(statuses).toContain(429);
    } finally {
      await other.close();
    }
  });
});
