import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { associate } from '../src/collaboration/associations.ts';
import { acceptCollaboration, createCollaboration } from '../src/collaboration/collaborations.ts';
import { createDataset, showDataset } from '../src/collaboration/datasets.ts';
import { createMember } from '../src/collaboration/members.ts';
import { exportResult } from '../src/collaboration/results.ts';
import { runQuery } from '../src/collaboration/run-query.ts';
import { createTable } from '../src/collaboration/tables.ts';
import { Workspace } from '../src/collaboration/workspace.ts';
import { generateMasterKeyText } from '../src/storage/encryption/local-key-provider.ts';
import { MAGIC } from '../src/storage/encryption/object-format.ts';
import { S3Store } from '../src/storage/s3-store.ts';
import { s3rverCompatible, startS3TestServer, type S3TestServer } from '../src/storage/s3-test-server.ts';

/**
 * The query path once against an S3-compatible store (s3rver on loopback): datasets and
 * results live encrypted in the bucket under `<prefix>/members/<member>/`, and a query
 * downloads and decrypts its inputs into its private folder.
 */
const rule = (dimensions: string[]) => ({
  v1: {
    aggregation: {
      aggregateColumns: [{ columnNames: ['email_address'], function: 'COUNT_DISTINCT' }],
      joinColumns: ['email_address'],
      dimensionColumns: dimensions,
      scalarFunctions: [],
      outputConstraints: [{ columnName: 'email_address', minimum: 2, type: 'COUNT_DISTINCT' }],
    },
  },
});

describe('workspace on an S3 store', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cr-s3ws-'));
  let server: S3TestServer;
  let store: S3Store;
  let ws: Workspace;

  beforeAll(async () => {
    server = await startS3TestServer();
    store = await S3Store.open({
      endpoint: server.endpoint,
      bucket: server.bucket,
      credentials: server.credentials,
      prefix: 'prod',
      onClient: s3rverCompatible,
    });
    writeFileSync(join(dir, 'customers.csv'), 'email_address,tier\nu1@x.example,gold\nu2@x.example,gold\nu3@x.example,gold\nu4@x.example,blue\nu5@x.example,blue\n');
    writeFileSync(join(dir, 'visits.csv'), 'email_address,site\nu1@x.example,news\nu2@x.example,news\nu4@x.example,news\nu5@x.example,news\nu9@x.example,news\n');
    ws = await Workspace.open(join(dir, 'home'), { threads: 1, memoryLimit: '1GB', store, env: { CLEANROOM_MASTER_KEY: generateMasterKeyText() } });
    for (const m of ['brand', 'publisher']) await createMember(ws.db, m);
    await createDataset(ws, 'brand', 'customers', [join(dir, 'customers.csv')]);
    await createDataset(ws, 'publisher', 'visits', [join(dir, 'visits.csv')]);
    await createTable(ws.db, 'brand', 'customers', 'customers', undefined, rule(['tier']));
    await createTable(ws.db, 'publisher', 'visits', 'visits', undefined, rule(['site']));
    await createCollaboration(ws.db, 'brand', 'c', [
      { member: 'brand', query: true, receive: true },
      { member: 'publisher', query: false, receive: false },
    ], true);
    await acceptCollaboration(ws.db, 'publisher', 'c');
    await associate(ws.db, 'c', 'brand', 'customers', 'customers', undefined);
    await associate(ws.db, 'c', 'publisher', 'visits', 'visits', undefined);
  }, 120_000);
  afterAll(async () => {
    await ws?.close();
    store?.destroy();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs a query over encrypted objects in the bucket and stores the result there, encrypted', async () => {
    const outcome = await runQuery(ws, 'c', 'brand', 'SELECT tier, COUNT(DISTINCT c.email_address) AS n FROM customers c JOIN visits v ON c.email_address = v.email_address GROUP BY tier');
    if (outcome.status !== 'succeeded' || !outcome.delivery) throw new Error(JSON.stringify(outcome));
    // By hand: gold u1, u2 seen (u3 not); blue u4, u5 seen.
    expect([...outcome.delivery.rows].sort()).toEqual([['blue', 2], ['gold', 2]]);
    const keys = (await store.list('')).map((o) => o.key);
    expect(keys).toEqual([
      'members/brand/datasets/customers/v1/part-0.parquet',
      outcome.delivery.location,
      'members/publisher/datasets/visits/v1/part-0.parquet',
    ]);
    for (const key of keys) {
      const raw = Buffer.from((await store.read(key)) ?? []);
      expect(raw.subarray(0, 8).equals(MAGIC), key).toBe(true);
      expect(raw.includes(Buffer.from('x.example'))).toBe(false);
    }
    // Nothing of the data lands in the home's local store.
    expect(existsSync(join(dir, 'home', 'store'))).toBe(false);
    const file = join(dir, 'result.parquet');
    await exportResult(ws, 'brand', outcome.delivery.resultId, file);
    expect(existsSync(file)).toBe(true);
  });

  it('reads the owner\'s statistics back', async () => {
    const shown = await showDataset(ws, 'publisher', 'visits');
    expect(shown.versions[0]?.stats['email_address']).toMatchObject({ min: 'u1@x.example', max: 'u9@x.example' });
  });
});
