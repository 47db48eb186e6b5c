import type { Kysely } from 'kysely';
import type { Database } from '../metadata/schema.ts';
import type { WrappedDataKey } from '../storage/encryption/data-key.ts';
import { decryptField, encryptField } from '../storage/encryption/field-cipher.ts';
import type { Keyring, WrappedKeyRecords } from '../storage/encryption/keyring.ts';
import { nowIso } from './clock.ts';

/**
 * Members' data keys in the metadata database, and the encryption of metadata values
 * that hold data (column statistics, query texts and parameters, engine error texts)
 * with the owner's data key.
 *
 * A sealed value is stored as `crenc1:<data key id>:<field token>`: the key id says which
 * key opens it (after a rotation old values still open), the token is field-cipher.ts's,
 * bound to the slot it is stored in (`context`), so a value copied elsewhere fails.
 */
const PREFIX = 'crenc1:';

/** Wrapped data key records in `member_keys`. */
export function memberKeyRecords(db: Kysely<Database>): WrappedKeyRecords {
  const toRecord = (r: { key_id: string; member: string; master_key_id: string; wrapped: string }): WrappedDataKey => ({
    id: r.key_id,
    member: r.member,
    masterKeyId: r.master_key_id,
    wrapped: r.wrapped,
  });
  return {
    async latest(member) {
      const row = await db.selectFrom('member_keys').selectAll().where('member', '=', member).orderBy('version', 'desc').limit(1).executeTakeFirst();
      return row === undefined ? undefined : { version: row.version, record: toRecord(row) };
    },
    async find(member, keyId) {
      const row = await db.selectFrom('member_keys').selectAll().where('member', '=', member).where('key_id', '=', keyId).executeTakeFirst();
      return row === undefined ? undefined : toRecord(row);
    },
    async insert(version, record) {
      const out = await db
        .insertInto('member_keys')
        .values({ member: record.member, version, key_id: record.id, master_key_id: record.masterKeyId, wrapped: record.wrapped, created_at: nowIso() })
        .onConflict((oc) => oc.doNothing())
        .executeTakeFirst();
      return Number(out.numInsertedOrUpdatedRows ?? 0n) === 1;
    },
  };
}

/**
 * The master key ids the stored keys (members' data keys, the audit chain key) are
 * wrapped with: to catch a wrong master key at open, and never to make a new one then.
 */
export async function storedMasterKeyIds(db: Kysely<Database>): Promise<string[]> {
  const members = await db.selectFrom('member_keys').select('master_key_id').distinct().execute();
  const audit = await db.selectFrom('audit_keys').select('master_key_id').distinct().execute();
  return [...new Set([...members, ...audit].map((r) => r.master_key_id))];
}

/**
 * Seals and opens metadata values. Without a keyring (the benchmark-only plaintext
 * workspace) values are stored as given. Never call it inside a transaction on the same
 * database: a member's first key is created with a write of its own.
 */
export class FieldSealer {
  constructor(readonly keyring: Keyring | undefined) {}

  /** Creates the member's data key now (at member creation) rather than on first use. */
  async ensureKey(member: string): Promise<void> {
    await this.keyring?.current(member);
  }

  async seal(member: string, context: string, value: string): Promise<string> {
    if (this.keyring === undefined) return value;
    const key = await this.keyring.current(member);
    return `${PREFIX}${key.id}:${encryptField(key, context, value)}`;
  }

  async sealNullable(member: string, context: string, value: string | null): Promise<string | null> {
    return value === null ? null : this.seal(member, context, value);
  }

  /**
   * The plaintext of a stored value. Values written before encryption at rest (or by the
   * plaintext benchmark workspace) have no prefix and are returned as stored.
   */
  async open(member: string, context: string, stored: string): Promise<string> {
    if (!stored.startsWith(PREFIX)) return stored;
    const rest = stored.slice(PREFIX.length);
    const colon = rest.lastIndexOf(':');
    const keyId = rest.slice(0, colon);
    if (this.keyring === undefined) throw new Error(`Internal error: the metadata value "${context}" is encrypted, but this workspace has no keys`);
    const key = colon > 0 ? await this.keyring.find(member, keyId) : undefined;
    if (key === undefined) throw new Error(`Internal error: cannot decrypt metadata value "${context}": member "${member}" has no data key "${keyId}"`);
    return decryptField(key, context, rest.slice(colon + 1));
  }

  async openNullable(member: string, context: string, stored: string | null): Promise<string | null> {
    return stored === null ? null : this.open(member, context, stored);
  }
}

/** Where each sealed value lives: one slot, one context (field-cipher.ts). */
export const fieldContext = {
  querySql: (queryId: string) => `queries/${queryId}/sql_text`,
  queryParameters: (queryId: string) => `queries/${queryId}/parameters_json`,
  queryInternalError: (queryId: string) => `queries/${queryId}/internal_error`,
  datasetStats: (member: string, dataset: string, version: number) => `dataset_versions/${member}/${dataset}/v${version}/stats_json`,
};

/**
 * The sealer of each open workspace's database, for code that is handed only the
 * database (query logs, member creation). Keyed by the Kysely adapter, which a
 * transaction shares with its database (as src/audit/registry.ts does), so workspaces
 * in one process never share keys.
 */
const sealers = new WeakMap<object, FieldSealer>();

export function registerFieldSealer(db: Kysely<Database>, sealer: FieldSealer): void {
  sealers.set(db.getExecutor().adapter, sealer);
}

export function fieldSealerFor(db: Kysely<Database>): FieldSealer | undefined {
  return sealers.get(db.getExecutor().adapter);
}

/** Like fieldSealerFor, for values that may be sealed: a database with no sealer reads plaintext only. */
export function openerFor(db: Kysely<Database>): FieldSealer {
  return fieldSealerFor(db) ?? new FieldSealer(undefined);
}

/** Query rows with their sealed texts opened (for the viewers query-logs.ts lets see them). */
export async function openQueryTexts<R extends { id: string; runner: string; sql_text: string; parameters_json: string | null }>(
  db: Kysely<Database>,
  rows: readonly R[],
): Promise<R[]> {
  const fields = openerFor(db);
  const out: R[] = [];
  for (const row of rows) {
    out.push({
      ...row,
      sql_text: await fields.open(row.runner, fieldContext.querySql(row.id), row.sql_text),
      parameters_json: await fields.openNullable(row.runner, fieldContext.queryParameters(row.id), row.parameters_json),
    });
  }
  return out;
}

/**
 * The operator's view of a failed query's engine text (`queries.internal_error`, sealed
 * with the runner's key): for the audit tooling, never for members.
 *
 * @example
 *   const text = await internalErrorOf(workspace.db, queryId); // DuckDB's message, or null
 */
export async function internalErrorOf(db: Kysely<Database>, queryId: string): Promise<string | null> {
  const row = await db.selectFrom('queries').select(['runner', 'internal_error']).where('id', '=', queryId).executeTakeFirst();
  if (row === undefined) return null;
  return openerFor(db).openNullable(row.runner, fieldContext.queryInternalError(queryId), row.internal_error);
}
