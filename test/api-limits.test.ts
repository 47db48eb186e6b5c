/**
 * Request limits of the HTTP API: upload size, JSON body size, rate limit, malformed
 * headers: each answered with a status and a diagnostic, nothing half-written.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ApiWorld, CUSTOMERS_CSV } from './support/api-world.ts';

describe('HTTP API limits', () => {
  let world: ApiWorld | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  it('refuses an upload over the limit with 413 and registers nothing', async () => {
    world = await ApiWorld.start({ maxUploadBytes: 64 });
    const brand = await world.member('brand');
    const big = 'email_address,segment\n' + 'someone@example.com,gold\n'.repeat(10);
    expect(Buffer.byteLength(big)).toBeGreaterThan(64);
    const r = await world.call(brand, 'POST', '/v1/members/brand/datasets/customers?filename=customers.csv', big);
    expect(r.status).toBe(413);
    expect((r.body as { error: { code: string } }).error.code).toBe('upload-too-large');
    const list = await world.call(brand, 'GET', '/v1/members/brand/datasets');
    expect(list.body).toEqual([]);
  });

  it('refuses a path-like or missing file name, and a body that is not a file', async () => {
    world = await ApiWorld.start();
    const brand = await world.member('brand');
    const traversal = await world.call(brand, 'POST', `/v1/members/brand/datasets/customers?filename=${encodeURIComponent('../x.csv')}`, CUSTOMERS_CSV);
    expect(traversal.status).toBe(400);
    expect((traversal.body as { error: { code: string } }).error.code).toBe('invalid-filename');
    const missing = await world.call(brand, 'POST', '/v1/members/brand/datasets/customers', CUSTOMERS_CSV);
    expect(missing.status).toBe(400);
    const json = await world.call(brand, 'POST', '/v1/members/brand/datasets/customers?filename=c.csv', { not: 'a file' });
    expect(json.status).toBe(415);
    const malformed = await world.call(brand, 'POST', '/v1/members/brand/datasets/customers?filename=c.parquet', 'this is no parquet');
    expect(malformed.status).toBe(400);
    expect((malformed.body as { error: { message: string } }).error.message.length).toBeGreaterThan(5);
    expect((await world.call(brand, 'GET', '/v1/members/brand/datasets')).body).toEqual([]);
  });

  it('refuses a JSON body over the limit', async () => {
    world = await ApiWorld.start({ bodyLimit: 1024 });
    const brand = await world.member('brand');
    const r = await world.call(brand, 'POST', '/v1/collaborations', { name: 'x', members: [{ member: 'brand', query: true }], pad: 'x'.repeat(4000) });
    expect(r.status).toBe(413);
    expect((r.body as { error: { code: string } }).error.code).toBe('too-large');
  });

  it('limits requests per key per minute with 429 and a retry hint', async () => {
    world = await ApiWorld.start({ rateLimitPerMinute: 5 });
    const brand = await world.member('brand');
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await world.call(brand, 'GET', '/v1/me')).status);
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    const last = await world.call(brand, 'GET', '/v1/me');
    expect(last.status).toBe(429);
    expect((last.body as { error: { code: string } }).error.code).toBe('rate-limited');
    expect(last.headers['retry-after']).toBeDefined();
  });

  it('explains a malformed Authorization header', async () => {
    world = await ApiWorld.start();
    const r = await world.call(undefined, 'GET', '/v1/me', undefined, { authorization: 'Basic dXNlcjpwYXNz' });
    expect(r.status).toBe(401);
    expect((r.body as { error: { code: string } }).error.code).toBe('invalid-authorization');
  });
});
