import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../metadata/schema.ts';
import { DataKeyError, unwrapDataKey, wrapDataKey, type WrappedDataKey } from '../storage/encryption/data-key.ts';
import type { KeyProvider } from '../storage/encryption/key-provider.ts';
import { appendWithChain } from './append.ts';
import { textDigestKey } from './entry-mac.ts';
import { attachedAuditChain, registerAuditChain, type AuditChain } from './registry.ts';
import { toSeq } from './seq.ts';

/** The chain key's id in `audit_keys` and in its wrap context. */
export const CHAIN_KEY_ID = 'audit-chain/v1';
/**
 * Bound into the wrapping in place of a member name. Member names start with a letter
 * (names.ts), so no member's data key record can ever unwrap as the chain key.
 */
export const CHAIN_KEY_OWNER = ':workspace';

/**
 * Makes the chain of `db` usable: unwraps the workspace's chain key with `provider`, or,
 * on a workspace that has none yet, creates it (32 random bytes, stored only wrapped)
 * and writes the chain's first entry, `audit.start`. The Workspace calls it when it
 * opens; a second call on the same database returns the chain already attached.
 *
 * @example
 *   const db = await openDatabase(file);
 *   await attachAuditChain(db, LocalKeyProvider.fromBytes(masterKey));
 */
export async function attachAuditChain(db: Kysely<Database>, provider: KeyProvider): Promise<AuditChain> {
  const attached = attachedAuditChain(db);
  if (attached !== undefined) return attached;
  let record = await readKeyRecord(db);
  if (record === undefined) {
    await createChain(db, provider);
    record = await readKeyRecord(db);
    if (record === undefined) throw new Error('Internal error: the audit chain key vanished right after it was stored');
  }
  let key: Uint8Array;
  try {
    key = (await unwrapDataKey(provider, CHAIN_KEY_OWNER, record)).bytes;
  } catch (e) {
    if (!(e instanceof DataKeyError)) throw e;
    throw new Error(
      `Internal error: the audit chain key does not open with master key "${provider.masterKeyId}" (${e.code}): ` +
        'the master key is not the one this workspace was created with, or the audit_keys record was replaced',
      { cause: e },
    );
  }
  const chain = chainOf(Buffer.from(key));
  registerAuditChain(db, chain);
  return chain;
}

function chainOf(key: Buffer): AuditChain {
  return { key, digestKey: textDigestKey(key) };
}

async function readKeyRecord(db: Kysely<Database>): Promise<WrappedDataKey | undefined> {
  const row = await db.selectFrom('audit_keys').selectAll().where('id', '=', CHAIN_KEY_ID).executeTakeFirst();
  if (row === undefined) return undefined;
  return { id: row.id, member: CHAIN_KEY_OWNER, masterKeyId: row.master_key_id, wrapped: row.wrapped };
}

/**
 * Stores a new chain key and the start entry in one transaction. Two processes opening
 * a new workspace at once both get here: the key's primary key lets one win, and the
 * other uses the winner's key. A chain that already has entries but no key record was
 * tampered with: starting afresh would hide that, so opening fails instead.
 */
async function createChain(db: Kysely<Database>, provider: KeyProvider): Promise<void> {
  const bytes = randomBytes(32);
  const wrapped = await wrapDataKey(provider, CHAIN_KEY_OWNER, { id: CHAIN_KEY_ID, bytes });
  const at = new Date().toISOString();
  await db.transaction().execute(async (trx) => {
    const inserted = await trx
      .insertInto('audit_keys')
      .values({ id: CHAIN_KEY_ID, master_key_id: wrapped.masterKeyId, wrapped: wrapped.wrapped, created_at: at })
      .onConflict((oc) => oc.column('id').doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) !== 1) return;
    const head = await trx.selectFrom('audit_head').select('seq').where('id', '=', 'head').executeTakeFirst();
    const entries = await trx.selectFrom('audit_log').select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow();
    if (head === undefined || toSeq(head.seq) !== 0 || Number(entries.n) !== 0) {
      throw new Error(
        `Internal error: the audit chain has ${Number(entries.n)} entries (head ${head === undefined ? 'missing' : toSeq(head.seq)}) but no key: ` +
          'the audit_keys record was deleted; restore it from a backup of the metadata database',
      );
    }
    // What the database held before the chain began: changes before this point are not
    // in the chain (a workspace created before the audit chain existed).
    const existing: Record<string, number> = {};
    for (const table of ['members', 'queries', 'events'] as const) {
      const row = await trx.selectFrom(table).select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow();
      existing[table] = Number(row.n);
    }
    await appendWithChain(
      trx,
      chainOf(bytes),
      { actor: 'cleanroom', action: 'audit.start', subject: 'audit', outcome: 'ok', at, detail: { keyId: CHAIN_KEY_ID, masterKeyId: wrapped.masterKeyId, existing } },
      true,
    );
  });
}
