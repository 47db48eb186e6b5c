/**
 * The typed client (src/client) against the real server listening on loopback: how
 * every kind of failure becomes a ClientError (status + the server's diagnostic, or a
 * network failure naming the URL), and the upload path for each kind of body.
 */
import { createHash } from 'node:crypto';
import { createReadStream, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CleanroomClient } from '../src/client/cleanroom-client.ts';
import { ClientError } from '../src/client/client-error.ts';
import { saveDownload } from '../src/client/node-download.ts';
import { filesToUpload, UploadFileError } from '../src/client/node-upload.ts';
import { ApiWorld, CAMPAIGN_SQL, CUSTOMERS_CSV, mediaCollaboration } from './support/api-world.ts';

async function listening(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return `http://127.0.0.1:${address.port}`;
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

async function failure(work: Promise<unknown>): Promise<ClientError> {
  try {
    await work;
  } catch (e) {
    if (e instanceof ClientError) return e;
    throw e;
  }
  throw new Error('expected a ClientError');
}

describe('CleanroomClient', () => {
  let world: ApiWorld;
  let url: string;
  let dir: string;
  let brand: CleanroomClient;
  let admin: CleanroomClient;

  beforeAll(async () => {
    world = await ApiWorld.start({ maxUploadBytes: 64 * 1024 });
    await world.server.app.listen({ host: '127.0.0.1', port: 0 });
    const address = world.server.app.server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    url = `http://127.0.0.1:${address.port}`;
    const keys = await mediaCollaboration(world);
    brand = new CleanroomClient({ baseUrl: `${url}/`, token: keys.brand });
    admin = new CleanroomClient({ baseUrl: url, token: world.adminToken });
    dir = mkdtempSync(join(tmpdir(), 'cr-client-'));
  }, 60_000);
  afterAll(async () => {
    await world.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('error mapping', () => {
    it('carries the status and the server diagnostic of each kind of problem', async () => {
      const notFound = await failure(brand.results.get('00000000-0000-0000-0000-000000000000'));
      expect([notFound.status, notFound.diagnostic.code]).toEqual([404, 'unknown-result']);
      expect(notFound.url).toBe(`${url}/v1/results/00000000-0000-0000-0000-000000000000`);

      const forbidden = await failure(brand.members.list());
      expect([forbidden.status, forbidden.diagnostic.code]).toEqual([403, 'forbidden']);
      const asAdmin = await failure(admin.results.list());
      expect([asAdmin.status, asAdmin.diagnostic.message]).toEqual([403, 'an administrator key does not act as a member']);

      const conflict = await failure(admin.members.create('brand'));
      expect(conflict.status).toBe(409);

      const invalid = await failure(brand.queries.submit('media', { sql: CAMPAIGN_SQL, surprise: 1 } as never));
      expect([invalid.status, invalid.diagnostic.code]).toEqual([400, 'invalid-request']);

      const badKey = await failure(new CleanroomClient({ baseUrl: url, token: 'crk_0000000000000000_' + 'x'.repeat(43) }).me());
      expect([badKey.status, badKey.diagnostic.code]).toEqual([401, 'invalid-api-key']);
      expect(badKey.unreachable).toBe(false);
    });

    it('returns a dry run refusal as a verdict, not an error', async () => {
      const verdict = await brand.queries.dryRun('media', { sql: 'SELECT i.email_address FROM impressions i' });
      expect(verdict.status).toBe('refused');
      if (verdict.status === 'refused') expect(verdict.error.code).toMatch(/^[a-z-]+$/);
      const accepted = await brand.queries.dryRun('media', { sql: CAMPAIGN_SQL });
      expect(accepted).toMatchObject({ status: 'accepted', sql: expect.stringContaining('HAVING') });
    });

    it('names the URL it could not reach', async () => {
      const port = await closedPort();
      const down = await failure(new CleanroomClient({ baseUrl: `http://127.0.0.1:${port}`, token: 'x' }).health());
      expect(down.status).toBe(0);
      expect(down.unreachable).toBe(true);
      expect(down.diagnostic.code).toBe('server-unreachable');
      expect(down.diagnostic.message).toContain(`cannot reach the Cleanroom server at http://127.0.0.1:${port} (GET http://127.0.0.1:${port}/healthz)`);
      expect(down.diagnostic.message).toMatch(/ECONNREFUSED/);
    });

    it('describes an answer that is not the API\'s error shape from its status line', async () => {
      // A real HTTP server in front that answers like a proxy whose backend is down.
      const proxy = createHttpServer((_request, response) => {
        response.writeHead(502, 'Bad Gateway', { 'content-type': 'text/html' });
        response.end('<html>bad gateway</html>');
      });
      const proxyUrl = await listening(proxy);
      try {
        const e = await failure(new CleanroomClient({ baseUrl: proxyUrl }).health());
        expect([e.status, e.diagnostic.code]).toEqual([502, 'http-502']);
        expect(e.diagnostic.message).toBe(`GET ${proxyUrl}/healthz answered 502 Bad Gateway`);
      } finally {
        await new Promise<void>((resolve) => proxy.close(() => resolve()));
      }
    });
  });

  describe('uploads', () => {
    it('takes a Node stream, bytes, a Blob and an async iterable, each as a new version', async () => {
      const path = join(dir, 'customers.csv');
      writeFileSync(path, CUSTOMERS_CSV);
      const bytes = new TextEncoder().encode(CUSTOMERS_CSV);
      async function* chunks(): AsyncGenerator<Uint8Array> {
        // Split mid-line: the server must see one byte stream.
        yield bytes.slice(0, 17);
        yield bytes.slice(17);
      }
      const bodies = [createReadStream(path), bytes, new Blob([bytes]), chunks()];
      const versions: number[] = [];
      for (const body of bodies) {
        const registered = await brand.datasets.upload('brand', 'uploads', body, { filename: 'customers.csv' });
        expect(registered.rowCount).toBe(5);
        expect(registered.columns.map((c) => c.name)).toEqual(['email_address', 'segment']);
        versions.push(registered.version);
      }
      expect(versions).toEqual([1, 2, 3, 4]);
      const shown = await brand.datasets.show('brand', 'uploads');
      expect(shown.versions.map((v) => v.rowCount)).toEqual([5, 5, 5, 5]);
    });

    it('sends normalize and hash, and answers 413 past the server\'s limit', async () => {
      const registered = await brand.datasets.upload('brand', 'hashed', new TextEncoder().encode('Email,n\n A@X.io ,1\nb@x.io,2\n'), {
        filename: 'hashed.csv',
        normalize: ['email'],
        hash: ['email'],
      });
      expect(registered.rowCount).toBe(2);
      // Trimmed and lower-cased, then hex SHA-256: the owner's min/max are the two digests.
      const digests = ['a@x.io', 'b@x.io'].map((e) => createHash('sha256').update(e).digest('hex')).sort();
      const stats = (await brand.datasets.show('brand', 'hashed')).versions[0]?.stats['email'];
      expect([stats?.min, stats?.max]).toEqual(digests);
      const big = new TextEncoder().encode(`email_address,segment\n${'a@x.io,gold\n'.repeat(10_000)}`);
      const tooLarge = await failure(brand.datasets.upload('brand', 'big', big, { filename: 'big.csv' }));
      expect([tooLarge.status, tooLarge.diagnostic.code]).toEqual([413, 'upload-too-large']);
    });

    it('lists the files of folders as the crawler walks them, and explains a missing one', async () => {
      const folder = join(dir, 'daily');
      mkdirSync(join(folder, 'day=2'), { recursive: true });
      writeFileSync(join(folder, 'b.csv'), CUSTOMERS_CSV);
      writeFileSync(join(folder, 'a.csv'), CUSTOMERS_CSV);
      writeFileSync(join(folder, '.hidden.csv'), 'x');
      writeFileSync(join(folder, '_SUCCESS'), '');
      writeFileSync(join(folder, 'day=2', 'c.csv'), CUSTOMERS_CSV);
      const files = await filesToUpload([folder]);
      expect(files.map((f) => f.filename)).toEqual(['a.csv', 'b.csv', 'c.csv']);
      expect(files[0]?.bytes).toBe(CUSTOMERS_CSV.length);
      await expect(filesToUpload([join(dir, 'nope.csv')])).rejects.toSatisfy(
        (e: unknown) => e instanceof UploadFileError && e.diagnostic.code === 'file-not-found',
      );
    });
  });

  describe('queries and results', () => {
    it('submits, waits for the outcome, reads rows and downloads a stream', async () => {
      const submitted = await brand.queries.submit('media', { sql: CAMPAIGN_SQL });
      const done = await brand.queries.waitUntilFinal('media', submitted.id, { pollSeconds: 5, timeoutMs: 60_000 });
      expect(done.status).toBe('succeeded');
      const resultId = done.resultId ?? '';
      const page = await brand.results.rows(resultId, { limit: 10 });
      // By hand (test/support/api-world.ts): c1 3 users cost 36; c3 2 users cost 5; c2 suppressed.
      expect([...page.rows].sort((a, b) => String(a[0]).localeCompare(String(b[0])))).toEqual([
        ['c1', 3, 36],
        ['c3', 2, 5],
      ]);
      const download = await brand.results.download(resultId, 'csv');
      expect(download.contentType).toMatch(/^text\/csv/);
      expect(download.filename).toBe(`${resultId}.csv`);
      await saveDownload(download, join(dir, 'result.csv'));
      const text = readFileSync(join(dir, 'result.csv'), 'utf8');
      expect(text.trim().split('\n').slice(1).sort()).toEqual(['c1,3,36', 'c3,2,5']);
      const ndjson = await new Response((await brand.results.download(resultId, 'json')).body).text();
      expect(ndjson.trim().split('\n').map((l) => (JSON.parse(l) as { campaign_id: string }).campaign_id).sort()).toEqual(['c1', 'c3']);
      expect((await brand.queries.list('media')).map((q) => q.id)).toContain(submitted.id);
    });
  });
});
