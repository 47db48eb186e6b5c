import type { Kysely } from 'kysely';
import type { Database } from '../metadata/schema.ts';

/** The unwrapped chain key of one workspace, held in memory while its database is open. */
export interface AuditChain {
  /** 32 bytes: the HMAC key of entries and the head. */
  readonly key: Buffer;
  /** Derived from `key`: digests of query texts (entry-mac.ts). */
  readonly digestKey: Buffer;
}

/**
 * Chains by database. Keyed by the Kysely adapter, which the root instance shares with
 * every transaction and connection made from it (a `Transaction` is a new Kysely
 * object, so keying by the instance would lose the chain inside transactions).
 */
const chains = new WeakMap<object, AuditChain>();

function identity(db: Kysely<Database>): object {
  return db.getExecutor().adapter;
}

export function registerAuditChain(db: Kysely<Database>, chain: AuditChain): void {
  chains.set(identity(db), chain);
}

export function attachedAuditChain(db: Kysely<Database>): AuditChain | undefined {
  return chains.get(identity(db));
}

/**
 * The chain of `db`. Nothing may change the database without an audit entry, so a
 * database opened without its chain (openDatabase alone) cannot record changes.
 */
export function auditChainFor(db: Kysely<Database>): AuditChain {
  const chain = attachedAuditChain(db);
  if (chain === undefined) {
    throw new Error(
      'Internal error: no audit chain is attached to this database, so the change cannot be recorded; ' +
        'open it through Workspace.open, or call attachAuditChain(db, keyProvider) after openDatabase',
    );
  }
  return chain;
}
