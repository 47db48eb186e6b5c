import type { Kysely } from 'kysely';
import type { Database } from '../metadata/schema.ts';
import { CHAIN_KEY_ID } from './attach.ts';
import { entryMac, GENESIS_HASH, headMac, sameMac } from './entry-mac.ts';
import { auditChainFor } from './registry.ts';
import { toSeq } from './seq.ts';

export type AuditProblemCode =
  | 'key-missing'
  | 'entry-missing'
  | 'entry-modified'
  | 'chain-broken'
  | 'not-started'
  | 'head-missing'
  | 'head-mismatch'
  | 'head-forged'
  | 'entry-beyond-head'
  | 'expected-head-missing'
  | 'expected-head-differs';

/** The first thing wrong with the chain, at the entry where it shows. */
export interface AuditProblem {
  readonly seq: number;
  readonly code: AuditProblemCode;
  readonly message: string;
}

/** A head as exported by `cleanroom audit head`: `SEQ:HASH`. */
export interface AuditHeadRef {
  readonly seq: number;
  readonly hash: string;
}

export interface VerifyReport {
  readonly ok: boolean;
  readonly entries: number;
  /** The last entry that verified. */
  readonly head?: AuditHeadRef;
  readonly startedAt?: string;
  readonly problem?: AuditProblem;
}

const PAGE = 1000;

/**
 * Checks the whole chain of `db` under its attached key: entries numbered 1..n without a
 * gap, each one's HMAC, each one's link to the one before, entry 1 the chain's start, and
 * the head record naming entry n with a valid HMAC. With `expectHead` (a head exported
 * earlier to another system), also that the chain still contains that entry unchanged.
 *
 * @example
 *   const report = await verifyAuditChain(ws.db, { expectHead: parseHeadRef('42:9f…') });
 *   if (!report.ok) console.log(`entry ${report.problem?.seq}: ${report.problem?.message}`);
 */
export async function verifyAuditChain(db: Kysely<Database>, options: { readonly expectHead?: AuditHeadRef } = {}): Promise<VerifyReport> {
  const { key } = auditChainFor(db);
  let count = 0;
  let prev = GENESIS_HASH;
  let startedAt: string | undefined;
  let expectedSeen: string | undefined;
  const fail = (problem: AuditProblem): VerifyReport => ({
    ok: false,
    entries: count,
    ...(count > 0 ? { head: { seq: count, hash: prev } } : {}),
    ...(startedAt !== undefined ? { startedAt } : {}),
    problem,
  });
  if ((await db.selectFrom('audit_keys').select('id').where('id', '=', CHAIN_KEY_ID).executeTakeFirst()) === undefined) {
    return fail({ seq: 0, code: 'key-missing', message: 'the chain key record (audit_keys) was deleted' });
  }
  // The head first, and entries only up to it: appends that commit while this runs (the
  // head moves in the same transaction as each insert) are not mistaken for tampering.
  const head = await readHead(db);
  const limit = head?.seq ?? Number.MAX_SAFE_INTEGER;
  for (;;) {
    const rows = await db.selectFrom('audit_log').selectAll().where('seq', '>', count).where('seq', '<=', limit).orderBy('seq').limit(PAGE).execute();
    for (const row of rows) {
      const seq = toSeq(row.seq);
      const expected = count + 1;
      if (seq !== expected) {
        return fail({ seq: expected, code: 'entry-missing', message: `entry ${expected} is missing: the chain jumps from entry ${count} to entry ${seq}` });
      }
      const mac = entryMac(key, {
        seq,
        at: row.at,
        actor: row.actor,
        action: row.action,
        subject: row.subject,
        outcome: row.outcome,
        detailJson: row.detail_json,
        prevHash: row.prev_hash,
      });
      if (!sameMac(mac, row.hash)) {
        return fail({
          seq,
          code: 'entry-modified',
          message: `entry ${seq} (${row.action} by ${row.actor}) does not match its HMAC: a field was edited, it was moved from another position, or its hash was recomputed without the chain key`,
        });
      }
      if (row.prev_hash !== prev) {
        return fail({
          seq,
          code: 'chain-broken',
          message: `entry ${seq} does not follow entry ${count}: its previous hash is not entry ${count}'s hash, so entries were replaced or reordered`,
        });
      }
      if (seq === 1) {
        if (row.action !== 'audit.start') {
          return fail({ seq, code: 'not-started', message: `entry 1 is ${row.action}, not the chain's start entry (audit.start): the chain was reset` });
        }
        startedAt = row.at;
      }
      if (options.expectHead !== undefined && seq === options.expectHead.seq) expectedSeen = row.hash;
      count = seq;
      prev = row.hash;
    }
    if (rows.length < PAGE) break;
  }
  if (head === undefined) {
    return fail({ seq: count, code: 'head-missing', message: `the head record is missing (the last entry is ${count}): deleted newest entries could not be told apart` });
  }
  if (count === 0) {
    return fail({ seq: 1, code: 'entry-missing', message: `entry 1 is missing: the chain is empty although its key exists (the head says ${head.seq} entries)` });
  }
  if (head.seq > count) {
    const range = head.seq === count + 1 ? `entry ${head.seq} is` : `entries ${count + 1} to ${head.seq} are`;
    return fail({ seq: count + 1, code: 'entry-missing', message: `${range} missing: the head says the chain ends at entry ${head.seq}, the last entry is ${count} (the newest entries were deleted)` });
  }
  if (head.hash !== prev) {
    return fail({ seq: count, code: 'head-mismatch', message: `the head's hash is not entry ${count}'s hash: the head record was edited` });
  }
  if (!sameMac(head.mac, headMac(key, head.seq, head.hash))) {
    return fail({ seq: count, code: 'head-forged', message: `the head record (entry ${count}) fails its HMAC: it was rewritten, for example to hide deleted newest entries` });
  }
  // Entries past the head: read the last seq before the head again, as the head never
  // falls behind a committed entry unless someone set it back.
  const last = await db.selectFrom('audit_log').select((eb) => eb.fn.max('seq').as('seq')).executeTakeFirst();
  const lastSeq = last?.seq === null || last?.seq === undefined ? 0 : toSeq(last.seq);
  const now = await readHead(db);
  if (now === undefined) {
    return fail({ seq: count, code: 'head-missing', message: `the head record is missing (the last entry is ${lastSeq})` });
  }
  if (lastSeq > now.seq) {
    return fail({ seq: now.seq + 1, code: 'entry-beyond-head', message: `entry ${now.seq + 1} is beyond the head, which says the chain ends at entry ${now.seq}: the head was set back` });
  }
  const expect = options.expectHead;
  if (expect !== undefined) {
    if (expectedSeen === undefined) {
      return fail({
        seq: expect.seq,
        code: 'expected-head-missing',
        message: `entry ${expect.seq} of the expected head is not in the chain, which ends at entry ${count}: the chain was truncated or started again`,
      });
    }
    if (expectedSeen !== expect.hash) {
      return fail({
        seq: expect.seq,
        code: 'expected-head-differs',
        message: `entry ${expect.seq} has hash ${expectedSeen}, not the expected ${expect.hash}: the chain was replaced (for example started again under a new key)`,
      });
    }
  }
  return { ok: true, entries: count, head: { seq: count, hash: prev }, ...(startedAt !== undefined ? { startedAt } : {}) };
}

async function readHead(db: Kysely<Database>): Promise<{ seq: number; hash: string; mac: string } | undefined> {
  const row = await db.selectFrom('audit_head').select(['seq', 'hash', 'mac']).where('id', '=', 'head').executeTakeFirst();
  return row === undefined ? undefined : { seq: toSeq(row.seq), hash: row.hash, mac: row.mac };
}

/** Parses `SEQ:HASH` (from `cleanroom audit head`); undefined when malformed. */
export function parseHeadRef(text: string): AuditHeadRef | undefined {
  const m = /^(\d{1,15}):([0-9a-f]{64})$/.exec(text.trim());
  if (m === null) return undefined;
  return { seq: Number(m[1]), hash: m[2] ?? '' };
}
