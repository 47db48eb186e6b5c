import { sql, type Kysely } from 'kysely';
import type { Database } from '../metadata/schema.ts';
import { canonicalJson, type JsonValue } from './canonical.ts';
import { entryMac, GENESIS_HASH, headMac, sameMac } from './entry-mac.ts';
import { auditChainFor, type AuditChain } from './registry.ts';
import { toSeq } from './seq.ts';

export interface AuditEntryInput {
  /** The member (or `cleanroom` for the system itself) that acted. */
  readonly actor: string;
  /** Dotted verb: `member.create`, `query.succeeded`, … */
  readonly action: string;
  /** What was acted on: `brand/events`, a collaboration name, a query id. */
  readonly subject: string;
  /** `ok` for a committed change; a query's status for query entries. */
  readonly outcome: string;
  /** Names, ids, counts and codes only: never a data value. */
  readonly detail?: JsonValue;
  /** ISO-8601 UTC; defaults to now. */
  readonly at?: string;
}

export interface AppendedEntry {
  readonly seq: number;
  readonly hash: string;
}

/**
 * Appends one entry to the chain of `db`. Call it inside the transaction of the change
 * it records, so that both commit or neither does.
 *
 * Concurrency: the first statement bumps the head's seq, which takes the head row's
 * write lock (SQLite: the database's write lock; PostgreSQL: the row lock) until the
 * transaction ends. Every append is therefore serialised behind the previous one and
 * reads the head only after the previous append committed, on both databases, with no
 * retry loop. The seq primary key is the backstop: a duplicate seq fails the change.
 *
 * @example
 *   await db.transaction().execute(async (trx) => {
 *     await trx.insertInto('members').values(row).execute();
 *     await appendAuditEntry(trx, { actor: 'brand', action: 'member.create', subject: 'brand', outcome: 'ok' });
 *   });
 */
export async function appendAuditEntry(db: Kysely<Database>, input: AuditEntryInput): Promise<AppendedEntry> {
  return appendWithChain(db, auditChainFor(db), input, false);
}

/** `genesis`: the chain's first entry (attach.ts), the only append allowed from seq 0. */
export async function appendWithChain(
  db: Kysely<Database>,
  chain: AuditChain,
  input: AuditEntryInput,
  genesis: boolean,
): Promise<AppendedEntry> {
  const bumped = await db
    .updateTable('audit_head')
    .set({ seq: sql<number>`seq + 1` })
    .where('id', '=', 'head')
    .executeTakeFirst();
  if (Number(bumped.numUpdatedRows) !== 1) {
    throw new Error('Internal error: the audit head record is missing: the audit tables were tampered with (run `cleanroom audit verify`)');
  }
  const head = await db.selectFrom('audit_head').select(['seq', 'hash', 'mac']).where('id', '=', 'head').executeTakeFirstOrThrow();
  const seq = toSeq(head.seq);
  checkHead(chain, seq - 1, head.hash, head.mac, genesis);
  const at = input.at ?? new Date().toISOString();
  const fields = {
    seq,
    at,
    actor: input.actor,
    action: input.action,
    subject: input.subject,
    outcome: input.outcome,
    detailJson: canonicalJson(input.detail ?? {}),
    prevHash: head.hash,
  };
  const hash = entryMac(chain.key, fields);
  await db
    .insertInto('audit_log')
    .values({
      seq,
      at,
      actor: fields.actor,
      action: fields.action,
      subject: fields.subject,
      outcome: fields.outcome,
      detail_json: fields.detailJson,
      prev_hash: fields.prevHash,
      hash,
    })
    .execute();
  await db
    .updateTable('audit_head')
    .set({ hash, mac: headMac(chain.key, seq, hash), updated_at: at })
    .where('id', '=', 'head')
    .execute();
  return { seq, hash };
}

/**
 * Appends only onto an authentic head. A head forged to point at an older entry (after
 * the newest were deleted) would otherwise be re-signed by the next append, and the
 * truncation laundered into a chain that verifies.
 */
function checkHead(chain: AuditChain, seq: number, hash: string, mac: string, genesis: boolean): void {
  if (genesis) {
    if (seq !== 0 || hash !== GENESIS_HASH) {
      throw new Error(`Internal error: the audit chain cannot start: its head is already at entry ${seq}`);
    }
    return;
  }
  if (seq === 0) {
    throw new Error('Internal error: the audit head was reset to an empty chain although the chain was started: the audit tables were tampered with (run `cleanroom audit verify`)');
  }
  if (!sameMac(mac, headMac(chain.key, seq, hash))) {
    throw new Error(`Internal error: the audit head (entry ${seq}) fails its HMAC: the audit tables were tampered with (run \`cleanroom audit verify\`)`);
  }
}
