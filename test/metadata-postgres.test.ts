import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Migrator, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { associate, disassociate, listAssociations } from '../src/collaboration/associations.ts';
import {
  acceptCollaboration,
  createCollaboration,
  enableDifferenceChecks,
  findCollaboration,
  listCollaborations,
  memberships,
} from '../src/collaboration/collaborations.ts';
import { datasetVersions } from '../src/collaboration/dataset-records.ts';
import { createMember, listMembers } from '../src/collaboration/members.ts';
import { getBudget, reserveBudget, setBudget, settleBudget, spentNow } from '../src/collaboration/privacy-budgets.ts';
import { insertQuery, markFailed, markRefused, markRunning } from '../src/collaboration/query-records.ts';
import { createTable, listTables, showTable, updateTable } from '../src/collaboration/tables.ts';
import { migrations } from '../src/metadata/migrations.ts';
import type { Database } from '../src/metadata/schema.ts';
import { metadataBackends, openTestMetadata, POSTGRES_SKIPPED, type MetadataBackend } from './support/metadata-backends.ts';

/**
 * The control plane on both metadata databases, through the real collaboration
 * functions: SQLite always, PostgreSQL when CLEANROOM_TEST_POSTGRES_URL is set (.ci/run
 * sets it). Every test opens its own fresh database. Expected values are worked out by
 * hand in the comments, never read back from the code under test.
 */

const COLUMNS = [
  { name: 'email_address', type: 'VARCHAR', originalName: 'email_address' },
  { name: 'campaign_id', type: 'VARCHAR', originalName: 'campaign_id' },
];
const DP_RULE = {
  v1: {
    custom: {
      allowedAnalyses: ['ANY_QUERY'],
      allowedAnalysisProviders: ['brand'],
      differentialPrivacy: { columns: [{ name: 'email_address' }] },
    },
  },
};
// One COUNT with public group keys at 100 users of noise costs ln 20 / 100 = 0.0299573;
// epsilon 3 holds floor(3 / 0.0299573) = floor(100.14) = 100 of them.
const COST = Math.log(20) / 100;
const FIT = 100;
const WORKER = fileURLToPath(new URL('./support/metadata-reserve-worker.ts', import.meta.url));

/** A dataset version as src/collaboration/datasets.ts records one (without crawling files). */
async function registerDataset(db: Kysely<Database>, member: string, name: string, rows: number, bytes: number): Promise<number> {
  const { id } = await db.insertInto('datasets').values({ member, name, created_at: '2025-01-01T00:00:00.000Z' }).returning('id').executeTakeFirstOrThrow();
  await db
    .insertInto('dataset_versions')
    .values({
      dataset_id: id, version: 1, files_json: '["k"]', columns_json: JSON.stringify(COLUMNS), stats_json: '{}',
      sources_json: '[]', row_count: rows, bytes, created_at: '2025-01-01T00:00:00.000Z',
    })
    .execute();
  return id;
}

/** brand and platform; platform's `events` dataset and `impressions` table; collaboration `media`. */
async function mediaSetUp(db: Kysely<Database>): Promise<number> {
  for (const m of ['brand', 'platform']) await createMember(db, m);
  await registerDataset(db, 'platform', 'events', 3, 100);
  const table = await createTable(db, 'platform', 'impressions', 'events', ['email_address', 'campaign_id'], DP_RULE);
  await createCollaboration(db, 'brand', 'media', [
    { member: 'brand', query: true, receive: true },
    { member: 'platform', query: false, receive: false },
  ], true);
  await acceptCollaboration(db, 'platform', 'media');
  await associate(db, 'media', 'platform', 'impressions', undefined, undefined);
  return table.id;
}

/** Starts `workers` processes that reserve on one table until refused; returns their tallies. */
async function race(spec: string, tableId: number, workers: number): Promise<{ reserved: number; refusal: string }[]> {
  const children = Array.from({ length: workers }, (_, i) =>
    spawn(process.execPath, ['--import', 'tsx', WORKER, spec, String(tableId), `w${i}`], { stdio: ['pipe', 'pipe', 'pipe'] }),
  );
  const runs = children.map((child) => {
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const ready = new Promise<void>((resolve, reject) => {
      child.stdout.on('data', () => out.startsWith('ready\n') && resolve());
      child.on('exit', () => reject(new Error(`worker exited before it was ready: ${err}`)));
    });
    const done = new Promise<{ reserved: number; refusal: string }>((resolve, reject) => {
      child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').at(-1) ?? '') as { reserved: number; refusal: string }) : reject(new Error(`worker failed (${code}): ${err}`))));
    });
    return { ready, done };
  });
  await Promise.all(runs.map((r) => r.ready));
  for (const child of children) child.stdin.end('go\n');
  return Promise.all(runs.map((r) => r.done));
}

function suite(backend: MetadataBackend): void {
  const opened: Kysely<Database>[] = [];
  const fresh = async (): Promise<{ db: Kysely<Database>; spec: string }> => {
    const spec = await backend.fresh();
    const db = await openTestMetadata(spec);
    opened.push(db);
    return { db, spec };
  };
  afterAll(async () => {
    for (const db of opened.splice(0)) await db.destroy();
    await backend.cleanup();
  });

  it('applies every migration once; reopening applies none and keeps the data', async () => {
    const { db, spec } = await fresh();
    await createMember(db, 'brand');
    const applied = await sql<{ name: string }>`SELECT name FROM kysely_migration ORDER BY name`.execute(db);
    expect(applied.rows.map((m) => m.name)).toEqual(Object.keys(migrations).sort());
    const again = await openTestMetadata(spec);
    opened.push(again);
    class Static implements MigrationProvider {
      async getMigrations(): Promise<Record<string, Migration>> {
        return migrations;
      }
    }
    const rerun = await new Migrator({ db: again, provider: new Static() }).migrateToLatest();
    expect(rerun.error).toBeUndefined();
    expect(rerun.results).toEqual([]);
    expect((await listMembers(again)).map((m) => m.name)).toEqual(['brand']);
  });

  it('lists members in byte order whatever the database collation, and refuses duplicates and dangling references', async () => {
    const { db } = await fresh();
    for (const m of ['ba', 'b_a', 'b1', 'b-a']) await createMember(db, m);
    // Bytes: '-' 0x2d < '1' 0x31 < '_' 0x5f < 'a' 0x61 (a linguistic collation puts b_a first).
    expect((await listMembers(db)).map((m) => m.name)).toEqual(['b-a', 'b1', 'b_a', 'ba']);
    await expect(createMember(db, 'ba')).rejects.toMatchObject({ diagnostic: { code: 'member-exists' } });
    await expect(registerDataset(db, 'nobody', 'x', 1, 1)).rejects.toThrow(/foreign key/i);
  });

  it('keeps dataset sizes past 2^32 exact, numbers configured tables, and versions their rules', async () => {
    const { db } = await fresh();
    await createMember(db, 'platform');
    // 5e9 bytes and 3e9 rows: past a 32-bit integer, as SQLite's 64-bit integers allow.
    const first = await registerDataset(db, 'platform', 'events', 3_000_000_000, 5_000_000_000);
    const second = await registerDataset(db, 'platform', 'clicks', 1, 1);
    expect(typeof first).toBe('number');
    expect(second).toBe(first + 1);
    expect(await datasetVersions(db, first)).toMatchObject([{ datasetId: first, version: 1, rowCount: 3_000_000_000, bytes: 5_000_000_000 }]);
    const created = await createTable(db, 'platform', 'impressions', 'events', ['email_address'], DP_RULE);
    expect(created).toMatchObject({ member: 'platform', name: 'impressions', dataset: 'events', datasetId: first, version: 1 });
    expect(typeof created.id).toBe('number');
    const updated = await updateTable(db, 'platform', 'impressions', ['email_address', 'campaign_id'], undefined);
    expect(updated.version).toBe(2);
    expect(updated.columns.map((c) => c.name)).toEqual(['email_address', 'campaign_id']);
    await createTable(db, 'platform', 'aa_clicks', 'clicks', ['email_address'], DP_RULE);
    expect((await listTables(db, 'platform')).map((t) => t.name)).toEqual(['aa_clicks', 'impressions']);
    expect((await showTable(db, 'platform', 'impressions')).rule.kind).toBe('custom');
  });

  it('creates collaborations with memberships and associations', async () => {
    const { db } = await fresh();
    await mediaSetUp(db);
    const media = await findCollaboration(db, 'media');
    expect(media).toMatchObject({ name: 'media', creator: 'brand', queryLogs: true, differenceChecks: false });
    expect(await memberships(db, media.id)).toEqual([
      { member: 'brand', query: true, receive: true, accepted: true, left: false },
      { member: 'platform', query: false, receive: false, accepted: true, left: false },
    ]);
    expect(await enableDifferenceChecks(db, 'brand', 'media')).toMatchObject({ differenceChecks: true });
    expect((await findCollaboration(db, 'media')).differenceChecks).toBe(true);
    expect((await listCollaborations(db, 'platform')).map((c) => c.name)).toEqual(['media']);
    await expect(associate(db, 'media', 'platform', 'impressions', undefined, undefined)).rejects.toMatchObject({
      diagnostic: { code: 'association-exists' },
    });
    await associate(db, 'media', 'platform', 'impressions', 'imp2', ['brand']);
    const listed = await listAssociations(db, media.id);
    expect(listed.map((a) => [a.sqlName, a.receivers])).toEqual([['imp2', ['brand']], ['impressions', undefined]]);
    await disassociate(db, 'media', 'platform', 'imp2');
    expect((await listAssociations(db, media.id)).map((a) => a.sqlName)).toEqual(['impressions']);
  });

  it('records queries through their lifecycle, and their changes in the audit chain', async () => {
    const { db } = await fresh();
    const tableId = await mediaSetUp(db);
    const media = await findCollaboration(db, 'media');
    const base = { collaboration_id: media.id, runner: 'brand', receiver: 'brand', template_id: null, parameters_json: null };
    const tables = [{ sqlName: 'impressions', owner: 'platform', tableId, ruleVersion: 1 }];
    const entriesBefore = (await db.selectFrom('audit_log').select('seq').execute()).length;
    await insertQuery(db, { ...base, id: 'q-refused', sql_text: 'SELECT 1' });
    await markRefused(db, 'q-refused', { code: 'no-table', message: 'reads no table' }, []);
    await insertQuery(db, { ...base, id: 'q-failed', sql_text: 'SELECT 2' });
    await markRunning(db, 'q-failed', tables);
    await markFailed(db, 'q-failed', 'engine said no', 1234);
    const rows = await db.selectFrom('queries').selectAll().orderBy('id').execute();
    expect(rows.map((r) => [r.id, r.status, r.duration_ms, r.worker_pid, r.internal_error])).toEqual([
      ['q-failed', 'failed', 1234, process.pid, 'engine said no'],
      ['q-refused', 'refused', null, process.pid, null],
    ]);
    expect(JSON.parse(rows[0]!.tables_json)).toEqual(tables);
    expect(rows[0]!.started_at).not.toBeNull();
    // The changes were recorded in the audit chain, numbered on without gaps (bigint seq).
    const seqs = (await db.selectFrom('audit_log').select('seq').orderBy('seq').execute()).map((r) => Number(r.seq));
    expect(seqs.length).toBeGreaterThan(entriesBefore);
    expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i));
  });

  it('reserves, settles and exhausts a privacy budget with epsilon kept to the last bit', async () => {
    const { db } = await fresh();
    const tableId = await mediaSetUp(db);
    const now = new Date('2025-03-15T12:00:00Z');
    await setBudget({ db }, 'platform', 'impressions', { epsilon: 3 * COST, delta: 1e-6, usersNoisePerQuery: 100, refresh: 'none' }, now);
    expect(await getBudget(db, tableId)).toEqual({ epsilon: 3 * COST, delta: 1e-6, usersNoisePerQuery: 100, refresh: 'none' });
    const reserve = (queryId: string) =>
      reserveBudget({ db }, { queryId, runner: 'brand', tableIds: [tableId], kinds: ['COUNT'], partitionSelection: false, now });
    for (const q of ['q1', 'q2', 'q3']) expect(await reserve(q)).toMatchObject({ ok: true, cost: { epsilon: COST, delta: 0 } });
    // A 4-byte float would round ln 20 / 100; a double keeps it exactly.
    const ledger = await db.selectFrom('privacy_ledger').select(['id', 'epsilon']).orderBy('id').execute();
    expect(ledger.map((r) => r.epsilon)).toEqual([COST, COST, COST]);
    expect(ledger.map((r) => r.id)).toEqual([ledger[0]!.id, ledger[0]!.id + 1, ledger[0]!.id + 2]);
    expect(await reserve('q4')).toMatchObject({ ok: false, error: { code: 'privacy-budget-exhausted', table: 'impressions' } });
    expect(await settleBudget({ db }, 'q1', 'refunded', now)).toBe(1);
    expect(await settleBudget({ db }, 'q2', 'spent', now)).toBe(1);
    expect(await settleBudget({ db }, 'q2', 'spent', now)).toBe(0);
    expect((await spentNow(db, tableId, { epsilon: 3 * COST, delta: 1e-6, usersNoisePerQuery: 100, refresh: 'none' }, now)).epsilon).toBeCloseTo(2 * COST, 15);
    expect(await reserve('q5')).toMatchObject({ ok: true });
    await expect(reserve('q5')).rejects.toThrow(/already reserved/);
  });

  it('never overdraws a budget that four processes reserve from at once', async () => {
    const { db, spec } = await fresh();
    const tableId = await mediaSetUp(db);
    await setBudget({ db }, 'platform', 'impressions', { epsilon: 3, delta: 1e-6, usersNoisePerQuery: 100, refresh: 'none' });
    const tallies = await race(spec, tableId, 4);
    expect(tallies.map((t) => t.refusal)).toEqual(Array(4).fill('privacy-budget-exhausted'));
    expect(tallies.reduce((sum, t) => sum + t.reserved, 0)).toBe(FIT);
    const rows = await db.selectFrom('privacy_ledger').select(['epsilon', 'status']).where('table_id', '=', tableId).execute();
    expect(rows).toHaveLength(FIT);
    expect(rows.reduce((sum, r) => sum + r.epsilon, 0)).toBeLessThanOrEqual(3 + 1e-9);
  }, 120_000);
}

for (const backend of metadataBackends()) {
  if (!backend.available) {
    // Visible in every run's output, and as a skipped suite in the summary.
    console.warn(POSTGRES_SKIPPED);
  }
  describe.skipIf(!backend.available)(`the control plane on ${backend.name}`, () => suite(backend));
}
