import { createHmac, hkdfSync } from 'node:crypto';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findCollaboration } from '../collaboration/collaborations.ts';
import { insertQuery, markFailed, markRunning } from '../collaboration/query-records.ts';
import { runQuery } from '../collaboration/run-query.ts';
import { listAuditEntries, type AuditEntry } from './list.ts';
import { attachedAuditChain } from './registry.ts';
import { auditWorld, EMAILS, OVERLAP_SQL, type AuditWorld } from './test-support.ts';
import { verifyAuditChain } from './verify.ts';

/** u32be length + UTF-8 per field (docs/audit.md), written out again. */
function encode(fields: readonly string[]): Buffer {
  return Buffer.concat(fields.flatMap((f) => {
    const b = Buffer.from(f, 'utf8');
    const n = Buffer.alloc(4);
    n.writeUInt32BE(b.length);
    return [n, b];
  }));
}

describe('protected queries in the audit chain', () => {
  let world: AuditWorld;
  const entriesOf = async (id: string): Promise<AuditEntry[]> =>
    (await listAuditEntries(world.workspace.db, { limit: 10_000 })).filter((e) => e.subject === id);

  beforeAll(async () => {
    world = await auditWorld();
  });
  afterAll(async () => {
    await world.workspace.close();
    rmSync(world.dir, { recursive: true, force: true });
  });

  it('records a succeeded query: submitted, running, succeeded, with who, where, tables and rows', async () => {
    const outcome = await runQuery(world.workspace, 'c', 'brand', OVERLAP_SQL);
    if (outcome.status !== 'succeeded') throw new Error(`expected success, got ${outcome.status}`);
    const entries = await entriesOf(outcome.id);
    expect(entries.map((e) => [e.action, e.outcome, e.actor])).toEqual([
      ['query.submitted', 'submitted', 'brand'],
      ['query.running', 'running', 'brand'],
      ['query.succeeded', 'succeeded', 'brand'],
    ]);
    const tables = [
      { name: 'customers', owner: 'brand', ruleVersion: 1 },
      { name: 'impressions', owner: 'platform', ruleVersion: 1 },
    ];
    expect(entries[2]?.detail).toMatchObject({
      collaboration: 'c',
      runner: 'brand',
      receiver: 'brand',
      // c1 reaches alice, bob and carol: one row; c2 (dave only) is suppressed.
      rowsReturned: 1,
      tables: tables.map((t) => expect.objectContaining(t)),
    });
    expect(entries[2]?.detail).not.toHaveProperty('errorCode');
  });

  it('records a refused query with the refusal code, and no literal from its text', async () => {
    const sql = `SELECT email_address FROM customers WHERE email_address = '${EMAILS[0]}'`;
    const outcome = await runQuery(world.workspace, 'c', 'brand', sql);
    if (outcome.status !== 'refused' || outcome.id === undefined) throw new Error(`expected a refusal, got ${outcome.status}`);
    const entries = await entriesOf(outcome.id);
    expect(entries.map((e) => e.action)).toEqual(['query.submitted', 'query.refused']);
    expect(entries[1]?.detail).toMatchObject({ errorCode: outcome.error.code, collaboration: 'c', runner: 'brand' });
  });

  it('records a cancelled query', async () => {
    const controller = new AbortController();
    controller.abort();
    const outcome = await runQuery(world.workspace, 'c', 'brand', OVERLAP_SQL, { signal: controller.signal });
    if (outcome.status !== 'cancelled') throw new Error(`expected a cancellation, got ${outcome.status}`);
    expect((await entriesOf(outcome.id)).map((e) => e.action)).toEqual(['query.submitted', 'query.running', 'query.cancelled']);
  });

  it('keeps a keyed digest of the text, the code of a failure, the budget, and never the engine text', async () => {
    const { db } = world.workspace;
    const collaboration = await findCollaboration(db, 'c');
    const id = 'audit-failed-1';
    const text = `SELECT CAST('${EMAILS[1]}' AS INTEGER) FROM customers`;
    await insertQuery(
      db,
      { id, collaboration_id: collaboration.id, runner: 'brand', receiver: 'brand', sql_text: 'sealed elsewhere', template_id: null, parameters_json: null },
      { text, parameters: null },
    );
    await db.insertInto('privacy_ledger').values({
      table_id: 2, query_id: id, period: 'all', epsilon: 0.25, delta: 1e-7, status: 'reserved', kinds_json: '["COUNT"]',
      partition_selection: 0, runner: 'brand', created_at: new Date().toISOString(),
    }).execute();
    await markRunning(db, id, []);
    await markFailed(db, id, `Conversion Error: Could not convert string '${EMAILS[1]}' to INT32`, 7, {
      code: 'engine-conversion-failed',
      message: 'a value could not be converted',
    });
    const entries = await entriesOf(id);
    expect(entries.map((e) => e.action)).toEqual(['query.submitted', 'query.running', 'query.failed']);
    const key = attachedAuditChain(db)?.key;
    if (key === undefined) throw new Error('no chain attached');
    const digestKey = Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), 'cleanroom/audit/query-text/v1', 32));
    expect(entries[0]?.detail).toMatchObject({ textDigest: createHmac('sha256', digestKey).update(encode([text, ''])).digest('hex') });
    expect(entries[1]?.detail).toMatchObject({ budget: [{ tableId: 2, epsilon: 0.25, delta: 1e-7, status: 'reserved' }] });
    expect(entries[2]?.detail).toMatchObject({ errorCode: 'engine-conversion-failed', durationMs: 7 });
  });

  it('holds no identifier from member data anywhere, and verifies', async () => {
    const rows = await world.workspace.db.selectFrom('audit_log').selectAll().execute();
    const dump = JSON.stringify(rows);
    for (const email of EMAILS) {
      expect(dump).not.toContain(email);
      expect(dump).not.toContain(email.split('@')[0]);
    }
    expect(dump).not.toContain('Conversion Error');
    expect(dump).not.toContain('SELECT');
    expect(await verifyAuditChain(world.workspace.db)).toMatchObject({ ok: true, entries: rows.length });
  });
});
