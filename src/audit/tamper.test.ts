import { createHash, createHmac, randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import SQLite from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createMember } from '../collaboration/members.ts';
import { logEvent } from '../collaboration/events.ts';
import { openDatabase } from '../metadata/open-database.ts';
import { LocalKeyProvider } from '../storage/encryption/local-key-provider.ts';
import { attachAuditChain } from './attach.ts';
import { attachedAuditChain } from './registry.ts';
import { auditWorld, WORLD_ACTIONS, type AuditWorld } from './test-support.ts';
import { verifyAuditChain, type VerifyReport } from './verify.ts';

interface LogRow {
  seq: number;
  at: string;
  actor: string;
  action: string;
  subject: string;
  outcome: string;
  detail_json: string;
  prev_hash: string;
  hash: string;
}
interface HeadRow {
  id: string;
  seq: number;
  hash: string;
  mac: string;
  updated_at: string | null;
}

const ZERO = '0'.repeat(64);

/** The documented encoding (docs/audit.md), written out again here: u32be length + UTF-8 per field. */
function encode(fields: readonly string[]): Buffer {
  return Buffer.concat(fields.flatMap((f) => {
    const bytes = Buffer.from(f, 'utf8');
    const len = Buffer.alloc(4);
    len.writeUInt32BE(bytes.length);
    return [len, bytes];
  }));
}
function entryFields(r: LogRow): string[] {
  return ['cleanroom/audit-entry/v1', String(r.seq), r.at, r.actor, r.action, r.subject, r.outcome, r.detail_json, r.prev_hash];
}
const hmac = (key: Uint8Array, data: Buffer): string => createHmac('sha256', key).update(data).digest('hex');

describe('the audit chain of a real workspace', () => {
  let world: AuditWorld;
  let raw: SQLite.Database;
  let pristine: { log: LogRow[]; head: HeadRow[]; keys: Record<string, unknown>[] };

  const rows = (): LogRow[] => raw.prepare('SELECT * FROM audit_log ORDER BY seq').all() as LogRow[];
  const seqOf = (action: string, subject: string): number =>
    (raw.prepare('SELECT seq FROM audit_log WHERE action = ? AND subject = ?').get(action, subject) as { seq: number }).seq;
  const verify = (expectHead?: { seq: number; hash: string }): Promise<VerifyReport> =>
    verifyAuditChain(world.workspace.db, expectHead === undefined ? {} : { expectHead });

  beforeAll(async () => {
    world = await auditWorld();
    raw = new SQLite(world.file);
    raw.pragma('busy_timeout = 10000');
    pristine = {
      log: rows(),
      head: raw.prepare('SELECT * FROM audit_head').all() as HeadRow[],
      keys: raw.prepare('SELECT * FROM audit_keys').all() as Record<string, unknown>[],
    };
  });
  afterEach(async () => {
    // Back to the chain as the workspace wrote it, with plain SQL again.
    raw.transaction(() => {
      raw.exec('DELETE FROM audit_log; DELETE FROM audit_head; DELETE FROM audit_keys;');
      const insert = (table: string, row: object): void => {
        const cols = Object.keys(row);
        raw.prepare(`INSERT INTO ${table} (${cols.join(', ')}) VALUES (${cols.map((c) => `@${c}`).join(', ')})`).run(row);
      };
      for (const r of pristine.log) insert('audit_log', r);
      for (const r of pristine.head) insert('audit_head', r);
      for (const r of pristine.keys) insert('audit_keys', r);
    })();
    expect((await verify()).ok).toBe(true);
  });
  afterAll(async () => {
    raw.close();
    await world.workspace.close();
    rmSync(world.dir, { recursive: true, force: true });
  });

  it('records every change, each entry the HMAC of its encoding under the chain key, linked to the one before', async () => {
    const log = rows();
    expect(log.map((r) => r.action)).toEqual(['audit.start', ...WORLD_ACTIONS]);
    expect(log.map((r) => r.seq)).toEqual(log.map((_, i) => i + 1));
    expect(log.slice(1).every((r) => r.outcome === 'ok' && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(r.at))).toBe(true);
    expect(log[1]).toMatchObject({ actor: 'brand', action: 'member.create', subject: 'brand' });
    expect(log.find((r) => r.action === 'table.create' && r.actor === 'platform')?.subject).toBe('platform/impressions');
    const key = attachedAuditChain(world.workspace.db)?.key;
    if (key === undefined) throw new Error('no chain attached');
    let prev = ZERO;
    for (const r of log) {
      expect(r.prev_hash).toBe(prev);
      expect(r.hash).toBe(hmac(key, encode(entryFields(r))));
      prev = r.hash;
    }
    const [head] = pristine.head;
    expect(head).toMatchObject({ id: 'head', seq: log.length, hash: prev });
    expect(head?.mac).toBe(hmac(key, encode(['cleanroom/audit-head/v1', String(log.length), prev])));
    const report = await verify();
    expect(report).toEqual({ ok: true, entries: log.length, head: { seq: log.length, hash: prev }, startedAt: log[0]?.at });
    // A head exported earlier that the chain still contains.
    const third = log[2];
    if (third === undefined) throw new Error('short chain');
    expect((await verify({ seq: 3, hash: third.hash })).ok).toBe(true);
  });

  it('wraps the chain key with the master key: another master key cannot open it', async () => {
    const db = await openDatabase(world.file);
    try {
      await expect(attachAuditChain(db, LocalKeyProvider.fromBytes(randomBytes(32)))).rejects.toThrow(
        /^Internal error: the audit chain key does not open with master key "local:[0-9a-f]{16}"/,
      );
      expect(attachedAuditChain(db)).toBeUndefined();
    } finally {
      await db.destroy();
    }
  });

  it('refuses to change a database that has no chain attached, and commits nothing', async () => {
    const db = await openDatabase(world.file);
    try {
      await expect(createMember(db, 'unlogged')).rejects.toThrow(/^Internal error: no audit chain is attached to this database/);
      expect(raw.prepare("SELECT count(*) AS n FROM members WHERE name = 'unlogged'").get()).toEqual({ n: 0 });
    } finally {
      await db.destroy();
    }
  });

  it('detects an edited detail', async () => {
    const m = seqOf('table.create', 'platform/impressions');
    const row = raw.prepare('SELECT detail_json FROM audit_log WHERE seq = ?').get(m) as { detail_json: string };
    const edited = { ...(JSON.parse(row.detail_json) as Record<string, unknown>), columns: ['campaign_id'] };
    raw.prepare('UPDATE audit_log SET detail_json = ? WHERE seq = ?').run(JSON.stringify(edited), m);
    expect((await verify()).problem).toMatchObject({ seq: m, code: 'entry-modified' });
  });

  it('detects a changed actor', async () => {
    const m = seqOf('collaboration.accept', 'c');
    raw.prepare("UPDATE audit_log SET actor = 'brand' WHERE seq = ?").run(m);
    const report = await verify();
    expect(report.ok).toBe(false);
    expect(report.problem).toMatchObject({ seq: m, code: 'entry-modified' });
    expect(report.problem?.message).toMatch(new RegExp(`^entry ${m} \\(collaboration.accept by brand\\) does not match its HMAC`));
    // Everything before it still verified.
    expect(report.entries).toBe(m - 1);
  });

  it('detects a deleted middle entry', async () => {
    const m = seqOf('dataset.create', 'platform/impressions');
    raw.prepare('DELETE FROM audit_log WHERE seq = ?').run(m);
    expect((await verify()).problem).toEqual({
      seq: m,
      code: 'entry-missing',
      message: `entry ${m} is missing: the chain jumps from entry ${m - 1} to entry ${m + 1}`,
    });
  });

  it('detects a deleted newest entry (the head still names it)', async () => {
    const n = pristine.log.length;
    raw.prepare('DELETE FROM audit_log WHERE seq = ?').run(n);
    expect((await verify()).problem).toMatchObject({ seq: n, code: 'entry-missing' });
    expect((await verify()).problem?.message).toMatch(new RegExp(`^entry ${n} is missing: the head says the chain ends at entry ${n}, the last entry is ${n - 1}`));
  });

  it('detects two entries swapped', async () => {
    const m = seqOf('table.create', 'brand/customers');
    raw.transaction(() => {
      raw.prepare('UPDATE audit_log SET seq = -1 WHERE seq = ?').run(m);
      raw.prepare('UPDATE audit_log SET seq = ? WHERE seq = ?').run(m, m + 1);
      raw.prepare('UPDATE audit_log SET seq = ? WHERE seq = -1').run(m + 1);
    })();
    expect((await verify()).problem).toMatchObject({ seq: m, code: 'entry-modified' });
  });

  it('detects an entry whose hash was recomputed without the key, even with the rest of the chain relinked', async () => {
    const m = seqOf('member.create', 'platform');
    const log = rows();
    // The keyless attacker's best guesses: plain SHA-256 of the documented encoding, or
    // an HMAC under a key of their own, carried through every later entry and the head.
    for (const forge of [(d: Buffer) => createHash('sha256').update(d).digest('hex'), (d: Buffer) => hmac(randomBytes(32), d)]) {
      let prev = log[m - 2]?.hash ?? ZERO;
      raw.transaction(() => {
        for (const r of log.slice(m - 1)) {
          const forged: LogRow = { ...r, actor: r.seq === m ? 'brand' : r.actor, prev_hash: prev };
          forged.hash = forge(encode(entryFields(forged)));
          raw.prepare('UPDATE audit_log SET actor = ?, prev_hash = ?, hash = ? WHERE seq = ?').run(forged.actor, forged.prev_hash, forged.hash, r.seq);
          prev = forged.hash;
        }
        raw.prepare("UPDATE audit_head SET hash = ?, mac = ? WHERE id = 'head'").run(prev, forge(encode(['cleanroom/audit-head/v1', String(log.length), prev])));
      })();
      expect((await verify()).problem).toMatchObject({ seq: m, code: 'entry-modified' });
    }
  });

  it('detects a dropped head record', async () => {
    raw.exec('DELETE FROM audit_head');
    expect((await verify()).problem).toMatchObject({ seq: pristine.log.length, code: 'head-missing' });
  });

  it('detects a head forged to hide deleted newest entries, and refuses to append onto it', async () => {
    const n = pristine.log.length;
    const previous = pristine.log[n - 2];
    if (previous === undefined) throw new Error('short chain');
    raw.prepare('DELETE FROM audit_log WHERE seq = ?').run(n);
    raw.prepare("UPDATE audit_head SET seq = ?, hash = ? WHERE id = 'head'").run(n - 1, previous.hash);
    expect((await verify()).problem).toMatchObject({ seq: n - 1, code: 'head-forged' });
    // The next change would otherwise re-sign the forged head and launder the truncation.
    await expect(createMember(world.workspace.db, 'later')).rejects.toThrow(/^Internal error: the audit head \(entry \d+\) fails its HMAC/);
    expect(raw.prepare("SELECT count(*) AS n FROM members WHERE name = 'later'").get()).toEqual({ n: 0 });
  });

  it('cannot see a replayed old head by itself, but --expect-head with a head kept elsewhere can', async () => {
    const saved = raw.prepare("SELECT * FROM audit_head WHERE id = 'head'").get() as HeadRow;
    await world.workspace.db.transaction().execute((trx) => logEvent(trx, 'brand', 'test.note', 'replay'));
    const exported = (await verify()).head;
    expect(exported?.seq).toBe(saved.seq + 1);
    raw.transaction(() => {
      raw.prepare('DELETE FROM audit_log WHERE seq > ?').run(saved.seq);
      raw.prepare("UPDATE audit_head SET seq = @seq, hash = @hash, mac = @mac, updated_at = @updated_at WHERE id = 'head'").run(saved);
    })();
    // The known limit (docs/audit.md): a whole old state replayed is consistent.
    expect((await verify()).ok).toBe(true);
    if (exported === undefined) throw new Error('no head');
    expect((await verify(exported)).problem).toMatchObject({ seq: saved.seq + 1, code: 'expected-head-missing' });
  });

  it('detects a head set back to an older saved head while the later entries remain', async () => {
    const saved = raw.prepare("SELECT * FROM audit_head WHERE id = 'head'").get() as HeadRow;
    await world.workspace.db.transaction().execute((trx) => logEvent(trx, 'brand', 'test.note', 'rollback'));
    raw.prepare("UPDATE audit_head SET seq = @seq, hash = @hash, mac = @mac, updated_at = @updated_at WHERE id = 'head'").run(saved);
    expect((await verify()).problem).toMatchObject({ seq: saved.seq + 1, code: 'entry-beyond-head' });
  });

  it('detects a chain deleted and started again under a new key only against an exported head', async () => {
    const n = pristine.log.length;
    const first = pristine.log[0];
    const last = pristine.log[n - 1];
    if (first === undefined || last === undefined) throw new Error('short chain');
    raw.exec(`DELETE FROM audit_log; DELETE FROM audit_keys; UPDATE audit_head SET seq = 0, hash = '${ZERO}', mac = '' WHERE id = 'head';`);
    // This process still holds the old key: the deleted key record shows.
    expect((await verify()).problem).toMatchObject({ seq: 0, code: 'key-missing' });
    // A process opening the database now starts a new chain, which verifies by itself...
    const db = await openDatabase(world.file);
    try {
      await attachAuditChain(db, world.provider);
      const fresh = await verifyAuditChain(db);
      expect(fresh).toMatchObject({ ok: true, entries: 1 });
      // ...but its start entry says the database already held members and queries...
      const start = raw.prepare('SELECT detail_json FROM audit_log WHERE seq = 1').get() as { detail_json: string };
      expect(JSON.parse(start.detail_json)).toMatchObject({ existing: { members: 2 } });
      // ...and a head exported before no longer matches.
      expect((await verifyAuditChain(db, { expectHead: { seq: n, hash: last.hash } })).problem).toMatchObject({ seq: n, code: 'expected-head-missing' });
      expect((await verifyAuditChain(db, { expectHead: { seq: 1, hash: first.hash } })).problem).toMatchObject({ seq: 1, code: 'expected-head-differs' });
    } finally {
      await db.destroy();
    }
  });

  it('refuses to open a chain whose key record was deleted while its entries remain', async () => {
    raw.exec('DELETE FROM audit_keys');
    expect((await verify()).problem).toMatchObject({ code: 'key-missing' });
    const db = await openDatabase(world.file);
    try {
      await expect(attachAuditChain(db, world.provider)).rejects.toThrow(
        new RegExp(`^Internal error: the audit chain has ${pristine.log.length} entries \\(head ${pristine.log.length}\\) but no key`),
      );
    } finally {
      await db.destroy();
    }
  });
});
