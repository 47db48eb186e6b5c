import type { Kysely } from 'kysely';
import type { Database } from '../metadata/schema.ts';
import { EncryptedStore } from '../storage/encrypted-store.ts';
import { MAGIC } from '../storage/encryption/object-format.ts';
import type { DataStore } from '../storage/data-store.ts';
import { logEvent } from './events.ts';
import { fieldContext, type FieldSealer } from './member-keys.ts';

/**
 * A home made before encryption at rest holds plaintext objects and metadata values.
 * On its first open with a master key (no data key stored yet) everything its metadata
 * refers to is encrypted in place: objects under their own keys (an atomic replace),
 * statistics and query texts sealed. Only then, never later: once data keys exist, an
 * unencrypted object is tampering and reading it fails (`not-encrypted`).
 *
 * Returns how many objects were encrypted.
 */
export async function encryptLegacyData(db: Kysely<Database>, store: DataStore, fields: FieldSealer): Promise<number> {
  if (!(store instanceof EncryptedStore)) return 0;
  const keys = new Set<string>();
  for (const row of await db.selectFrom('dataset_versions').select('files_json').execute()) {
    for (const key of JSON.parse(row.files_json) as string[]) keys.add(key);
  }
  for (const row of await db.selectFrom('results').select('store_key').execute()) keys.add(row.store_key);
  let encrypted = 0;
  for (const key of [...keys].sort()) {
    const head = await readHead(store, key);
    if (head === undefined || head.equals(MAGIC)) continue;
    const plain = await store.backend.openRead(key);
    if (plain === undefined) continue;
    await store.putStream(key, plain);
    encrypted += 1;
  }
  const sealed = await sealLegacyFields(db, fields);
  if (encrypted + sealed.statistics + sealed.queries > 0) {
    await logEvent(db, 'cleanroom', 'storage.encrypt-legacy', 'workspace', { objects: encrypted, ...sealed });
  }
  return encrypted;
}

async function readHead(store: EncryptedStore, key: string): Promise<Buffer | undefined> {
  const stream = await store.backend.openRead(key);
  if (stream === undefined) return undefined;
  const parts: Buffer[] = [];
  let length = 0;
  for await (const chunk of stream) {
    parts.push(chunk as Buffer);
    length += (chunk as Buffer).length;
    if (length >= MAGIC.length) break;
  }
  stream.destroy();
  return Buffer.concat(parts).subarray(0, MAGIC.length);
}

const SEALED = 'crenc1:';

async function sealLegacyFields(db: Kysely<Database>, fields: FieldSealer): Promise<{ statistics: number; queries: number }> {
  let statistics = 0;
  let queried = 0;
  const versions = await db
    .selectFrom('dataset_versions')
    .innerJoin('datasets', 'datasets.id', 'dataset_versions.dataset_id')
    .select(['dataset_versions.dataset_id as datasetId', 'dataset_versions.version as version', 'datasets.member as member', 'datasets.name as name', 'dataset_versions.stats_json as stats'])
    .execute();
  for (const v of versions) {
    if (v.stats.startsWith(SEALED)) continue;
    const sealed = await fields.seal(v.member, fieldContext.datasetStats(v.member, v.name, v.version), v.stats);
    await db.updateTable('dataset_versions').set({ stats_json: sealed }).where('dataset_id', '=', v.datasetId).where('version', '=', v.version).execute();
    statistics += 1;
  }
  const queries = await db.selectFrom('queries').select(['id', 'runner', 'sql_text', 'parameters_json', 'internal_error']).execute();
  for (const q of queries) {
    if ([q.sql_text, q.parameters_json, q.internal_error].every((v) => v === null || v.startsWith(SEALED))) continue;
    queried += 1;
    const seal = async (context: string, value: string | null): Promise<string | null> =>
      value === null || value.startsWith(SEALED) ? value : fields.seal(q.runner, context, value);
    const sql = (await seal(fieldContext.querySql(q.id), q.sql_text)) ?? q.sql_text;
    await db
      .updateTable('queries')
      .set({
        sql_text: sql,
        parameters_json: await seal(fieldContext.queryParameters(q.id), q.parameters_json),
        internal_error: await seal(fieldContext.queryInternalError(q.id), q.internal_error),
      })
      .where('id', '=', q.id)
      .execute();
  }
  return { statistics, queries: queried };
}
