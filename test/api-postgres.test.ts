/**
 * The whole server on each metadata backend: the same media collaboration set up over
 * HTTP, a protected query, its rows, the audit chain, a crash-free restart that keeps
 * everything. PostgreSQL runs when CLEANROOM_TEST_POSTGRES_URL is set (.ci/run sets it).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { metadataBackends } from './support/metadata-backends.ts';
import { ApiWorld, CAMPAIGN_SQL, mediaCollaboration } from './support/api-world.ts';

for (const backend of metadataBackends()) {
  describe.skipIf(!backend.available)(`the server with its control plane on ${backend.name}`, () => {
    afterAll(async () => backend.cleanup());

    it('runs a media collaboration end to end and keeps an intact audit chain', async () => {
      const spec = await backend.fresh();
      const world = await ApiWorld.start({}, spec);
      try {
        const keys = await mediaCollaboration(world);
        const submitted = await world.call(keys.brand, 'POST', '/v1/collaborations/media/queries', { sql: CAMPAIGN_SQL });
        const done = await world.finish(keys.brand, 'media', (submitted.body as { id: string }).id);
        expect(done['status']).toBe('succeeded');
        const rows = await world.call(keys.brand, 'GET', `/v1/results/${String(done['resultId'])}/rows`);
        const page = rows.body as { rows: unknown[][] };
        // By hand, as in test/api-flow.test.ts: c1 3 users cost 36; c2 suppressed; c3 2 users cost 5.
        expect(page.rows.map((r) => [r[0], Number(r[1]), Number(r[2])]).sort((a, b) => String(a[0]).localeCompare(String(b[0])))).toEqual([
          ['c1', 3, 36],
          ['c3', 2, 5],
        ]);
        const logs = await world.call(keys.platform, 'GET', '/v1/collaborations/media/query-logs');
        expect((logs.body as { id: string }[]).map((e) => e.id)).toContain(done['id']);
        const verified = await world.call(world.adminToken, 'GET', '/v1/audit/verify');
        expect(verified.body).toMatchObject({ ok: true });
      } finally {
        await world.close();
      }
    }, 120_000);
  });
}
