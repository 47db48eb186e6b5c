import { DuckDBInstance } from '@duckdb/node-api';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { associate } from '../src/collaboration/associations.ts';
import { acceptCollaboration, createCollaboration } from '../src/collaboration/collaborations.ts';
import { createDataset, showDataset } from '../src/collaboration/datasets.ts';
import { CleanroomError } from '../src/collaboration/errors.ts';
import { internalErrorOf } from '../src/collaboration/member-keys.ts';
import { createMember } from '../src/collaboration/members.ts';
import { queryLogs } from '../src/collaboration/query-logs.ts';
import { exportResult, listResults } from '../src/collaboration/results.ts';
import { runQuery } from '../src/collaboration/run-query.ts';
import { createTable } from '../src/collaboration/tables.ts';
import { Workspace } from '../src/collaboration/workspace.ts';
import { generateMasterKeyText } from '../src/storage/encryption/local-key-provider.ts';
import { runCli } from './support/run-cli.ts';

/**
 * A brand and a platform with a handful of hand-written rows, in an encrypted
 * workspace: what is stored is ciphertext, what members are entitled to read comes back
 * as plaintext, and every way the keys or objects can be wrong is refused by name.
 */
const CUSTOMERS = ['email_address,segment', ...['a', 'b', 'c', 'd', 'e', 'f'].map((u, i) => `${u}.secret@victim.example,${i < 3 ? 'gold' : 'blue'}`)].join('\n');
const IMPRESSIONS = ['email_address,campaign', ...['a', 'b', 'c', 'd', 'e'].map((u) => `${u}.secret@victim.example,cmp-1`)].join('\n');
const OVERLAP = "SELECT segment, COUNT(DISTINCT c.email_address) AS users FROM customers c JOIN impressions i ON c.email_address = i.email_address WHERE c.segment <> 'tin.secret@victim.example' GROUP BY segment";

const aggregation = (dimensions: string[], minimum: number) => ({
  v1: {
    aggregation: {
      aggregateColumns: [{ columnNames: ['email_address'], function: 'COUNT_DISTINCT' }],
      joinColumns: ['email_address'],
      dimensionColumns: dimensions,
      scalarFunctions: [],
      outputConstraints: [{ columnName: 'email_address', minimum, type: 'COUNT_DISTINCT' }],
    },
  },
});

describe('encrypted workspace', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cr-encws-'));
  const home = join(dir, 'home');
  const keyFile = join(dir, 'master.key');
  const env = { CLEANROOM_MASTER_KEY_FILE: keyFile };
  let ws: Workspace;

  beforeAll(async () => {
    writeFileSync(keyFile, `${generateMasterKeyText()}\n`, { mode: 0o600 });
    writeFileSync(join(dir, 'customers.csv'), CUSTOMERS);
    writeFileSync(join(dir, 'impressions.csv'), IMPRESSIONS);
    ws = await Workspace.open(home, { threads: 1, memoryLimit: '1GB', env });
    for (const m of ['brand', 'platform']) await createMember(ws.db, m);
    await createDataset(ws, 'brand', 'customers', [join(dir, 'customers.csv')]);
    await createDataset(ws, 'platform', 'impressions', [join(dir, 'impressions.csv')]);
    await createTable(ws.db, 'brand', 'customers', 'customers', undefined, aggregation(['segment'], 2));
    await createTable(ws.db, 'platform', 'impressions', 'impressions', undefined, aggregation(['campaign'], 2));
    await createCollaboration(ws.db, 'brand', 'c', [
      { member: 'brand', query: true, receive: true },
      { member: 'platform', query: false, receive: false },
    ], true);
    await acceptCollaboration(ws.db, 'platform', 'c');
    await associate(ws.db, 'c', 'brand', 'customers', 'customers', undefined);
    await associate(ws.db, 'c', 'platform', 'impressions', 'impressions', undefined);
  });
  afterAll(async () => {
    await ws?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates a data key per member at member creation, wrapped by the configured master key', async () => {
    const keys = await ws.db.selectFrom('member_keys').selectAll().orderBy('member').execute();
    expect(keys.map((k) => [k.member, k.key_id, k.master_key_id])).toEqual([
      ['brand', 'brand/v1', ws.keyProvider.masterKeyId],
      ['platform', 'platform/v1', ws.keyProvider.masterKeyId],
    ]);
    // The configured key file is used; no key is made in the home.
    expect(() => readFileSync(join(home, 'master.key'))).toThrow();
  });

  it('runs a query over encrypted inputs; the result is encrypted and exports as the plaintext the engine wrote', async () => {
    const outcome = await runQuery(ws, 'c', 'brand', OVERLAP);
    if (outcome.status !== 'succeeded' || !outcome.delivery) throw new Error(JSON.stringify(outcome));
    // By hand: a, b, c are gold and seen; d, e are blue and seen; f is not seen.
    expect([...outcome.delivery.rows].sort()).toEqual([['blue', 2], ['gold', 3]]);
    expect(outcome.delivery.location).toMatch(/^members\/brand\/results\/[0-9a-f-]+\.parquet$/);
    const stored = readFileSync(join(home, 'store', ...outcome.delivery.location.split('/')));
    expect(stored.includes(Buffer.from('gold'))).toBe(false);
    const file = join(dir, 'export.parquet');
    await exportResult(ws, 'brand', outcome.delivery.resultId, file);
    const duck = await DuckDBInstance.create(':memory:');
    const c = await duck.connect();
    const rows = (await c.runAndReadAll(`SELECT segment, users FROM read_parquet('${file}') ORDER BY segment`)).getRowsJson();
    c.closeSync();
    duck.closeSync();
    expect(rows).toEqual([['blue', '2'], ['gold', '3']]);
    expect((await listResults(ws, 'brand')).map((r) => r.location)).toContain(outcome.delivery.location);
  });

  it('seals query texts and statistics in metadata; entitled readers get the plaintext', async () => {
    const rows = await ws.db.selectFrom('queries').select(['sql_text']).execute();
    for (const r of rows) expect(r.sql_text).toMatch(/^crenc1:brand\/v1:[A-Za-z0-9_-]+$/);
    const log = await queryLogs(ws.db, 'c', 'platform');
    expect(log.map((e) => e.sql)).toContain(OVERLAP);
    const versions = await ws.db.selectFrom('dataset_versions').select('stats_json').execute();
    for (const v of versions) {
      expect(v.stats_json).toMatch(/^crenc1:(brand|platform)\/v1:/);
      expect(v.stats_json).not.toContain('secret@victim');
    }
    const shown = await showDataset(ws, 'brand', 'customers');
    // Independently: the smallest and largest email of the CSV above.
    expect(shown.versions[0]?.stats['email_address']).toMatchObject({ min: 'a.secret@victim.example', max: 'f.secret@victim.example', nullCount: 0, approxDistinct: 6 });
    const db = readFileSync(join(home, 'metadata.db')).toString('latin1');
    expect(db).not.toContain('secret@victim');
  });

  it('a tampered dataset object fails the query with an error naming the object; the query is recorded as failed', async () => {
    const version = await ws.db.selectFrom('dataset_versions').innerJoin('datasets', 'datasets.id', 'dataset_versions.dataset_id')
      .select('files_json').where('datasets.name', '=', 'impressions').executeTakeFirstOrThrow();
    const key = (JSON.parse(version.files_json) as string[])[0] ?? '';
    const path = join(home, 'store', ...key.split('/'));
    const original = readFileSync(path);
    const tampered = Buffer.from(original);
    tampered[tampered.length - 20] = (tampered[tampered.length - 20] ?? 0) ^ 0x40;
    writeFileSync(path, tampered);
    try {
      await expect(runQuery(ws, 'c', 'brand', OVERLAP)).rejects.toThrow(
        `Internal error: cannot decrypt object "${key}": chunk 0 failed authentication`,
      );
      const failed = await ws.db.selectFrom('queries').select(['status', 'internal_error']).where('status', '=', 'failed').execute();
      expect(failed).toHaveLength(1);
      // Operator-only text, sealed like the query text; the operator's accessor opens it.
      expect(failed[0]?.internal_error).toMatch(/^crenc1:brand\/v1:/);
      const failedId = (await ws.db.selectFrom('queries').select('id').where('status', '=', 'failed').executeTakeFirstOrThrow()).id;
      expect(await internalErrorOf(ws.db, failedId)).toMatch(/^Internal error: cannot decrypt object "members\/platform\/datasets\/impressions\/v1\/part-0\.parquet": chunk 0 failed authentication/);
      const cli = runCli(home, ['query', 'run', 'c', '--as', 'brand', '--sql', OVERLAP], env);
      expect(cli.code).toBe(1);
      expect(cli.stderr).toMatch(/^Internal error: cannot decrypt object "members\/platform\/datasets\/impressions\/v1\/part-0\.parquet": chunk 0 /);
      expect(cli.stderr).not.toMatch(/\n\s+at /);
    } finally {
      writeFileSync(path, original);
    }
    expect((await runQuery(ws, 'c', 'brand', OVERLAP)).status).toBe('succeeded');
  });

  it('refuses a wrong, missing, open or doubly given master key by name, without a stack trace', () => {
    const wrong = runCli(home, ['member', 'list'], { CLEANROOM_MASTER_KEY: generateMasterKeyText() });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^error: \[master-key-wrong\] The master key from the environment variable CLEANROOM_MASTER_KEY \(id local:[0-9a-f]{16}\) is not the one this workspace's data keys are wrapped with \(local:[0-9a-f]{16}\)\./);
    const missing = runCli(home, ['member', 'list'], { CLEANROOM_MASTER_KEY_FILE: join(dir, 'nope.key') });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`error: [master-key-unreadable] The master key file ${join(dir, 'nope.key')} (the file named by CLEANROOM_MASTER_KEY_FILE) does not exist.`);
    // Nothing configured on a home whose keys exist: no new key is invented.
    const none = runCli(home, ['member', 'list'], { CLEANROOM_MASTER_KEY_FILE: '', CLEANROOM_MASTER_KEY: '' });
    expect(none.stderr).toMatch(/^error: \[master-key-missing\] No master key is configured and .*master\.key does not exist/);
    const open = join(dir, 'open.key');
    writeFileSync(open, readFileSync(keyFile));
    chmodSync(open, 0o644);
    const readable = runCli(home, ['member', 'list'], { CLEANROOM_MASTER_KEY_FILE: open });
    expect(readable.stderr).toContain('can be read by other users (mode 644)');
    const both = runCli(home, ['member', 'list'], { CLEANROOM_MASTER_KEY_FILE: keyFile, CLEANROOM_MASTER_KEY: generateMasterKeyText() });
    expect(both.stderr).toMatch(/^error: \[master-key-ambiguous\] Both CLEANROOM_MASTER_KEY and CLEANROOM_MASTER_KEY_FILE are set/);
    for (const r of [wrong, missing, none, readable, both]) expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(runCli(home, ['member', 'list'], env).code).toBe(0);
  });

  it('refuses a bad CLEANROOM_STORE by name', async () => {
    const error: unknown = await Workspace.open(join(dir, 'other'), { env: { CLEANROOM_STORE: 'ftp://x' } }).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(CleanroomError);
    expect((error as CleanroomError).diagnostic).toMatchObject({ code: 'store-config-invalid' });
  });
});
