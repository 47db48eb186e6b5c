import type { Kysely } from 'kysely';
import type { Database } from '../metadata/schema.ts';
import { appendAuditEntry } from './append.ts';
import type { JsonValue } from './canonical.ts';
import { queryTextDigest } from './entry-mac.ts';
import { auditChainFor } from './registry.ts';

/** The text a query was submitted with, for the keyed digest of its `submitted` entry. */
export interface QueryText {
  readonly text: string;
  readonly parameters: string | null;
}

/**
 * Runs `change` (a write to the query's row) and appends the query's new status to the
 * audit chain, in one transaction: inside the caller's transaction when `db` is one,
 * else in a new one.
 *
 * @example
 *   await recordQueryChange(db, id, (trx) => trx.updateTable('queries').set({ status: 'running' }).where('id', '=', id).execute());
 */
export async function recordQueryChange<T>(
  db: Kysely<Database>,
  queryId: string,
  change: (trx: Kysely<Database>) => Promise<T>,
  text?: QueryText,
): Promise<T> {
  // Fail before writing anything when no chain is attached.
  auditChainFor(db);
  const work = async (trx: Kysely<Database>): Promise<T> => {
    const out = await change(trx);
    await appendQueryEntry(trx, queryId, text);
    return out;
  };
  return db.isTransaction ? work(db) : db.transaction().execute(work);
}

/**
 * Appends `query.<status>` for the query's row as it now stands: runner, receiver,
 * collaboration, tables and rule versions, error code, rows returned, budget reserved
 * or spent. Never the text or anything from the data: a refusal's message may quote a
 * literal, so only its code is kept; the text only as a keyed digest.
 */
export async function appendQueryEntry(db: Kysely<Database>, queryId: string, text?: QueryText): Promise<void> {
  const chain = auditChainFor(db);
  const q = await db
    .selectFrom('queries')
    .select(['id', 'collaboration_id', 'runner', 'receiver', 'status', 'error_json', 'tables_json', 'row_count', 'duration_ms', 'template_id', 'privacy_json'])
    .where('id', '=', queryId)
    .executeTakeFirst();
  if (q === undefined) throw new Error(`Internal error: query ${queryId} has no row to audit`);
  const collaboration = await db.selectFrom('collaborations').select('name').where('id', '=', q.collaboration_id).executeTakeFirst();
  const ledger = await db
    .selectFrom('privacy_ledger')
    .select(['table_id', 'epsilon', 'delta', 'status'])
    .where('query_id', '=', queryId)
    .orderBy('table_id')
    .execute();
  const detail: JsonValue = {
    collaboration: collaboration?.name ?? null,
    collaborationId: q.collaboration_id,
    runner: q.runner,
    receiver: q.receiver,
    template: q.template_id ?? undefined,
    tables: tablesOf(q.tables_json),
    errorCode: codeOf(q.error_json),
    rowsReturned: q.row_count ?? undefined,
    durationMs: q.duration_ms ?? undefined,
    privacy: privacyOf(q.privacy_json),
    budget: ledger.length === 0 ? undefined : ledger.map((l) => ({ tableId: l.table_id, epsilon: l.epsilon, delta: l.delta, status: l.status })),
    textDigest: text === undefined ? undefined : queryTextDigest(chain.digestKey, text.text, text.parameters),
  };
  await appendAuditEntry(db, { actor: q.runner, action: `query.${q.status}`, subject: q.id, outcome: q.status, detail });
}

/** Names and ids of the referenced tables (`[{sqlName, owner, tableId, ruleVersion}]`). */
function tablesOf(json: string): JsonValue {
  const parsed = JSON.parse(json) as unknown;
  if (!Array.isArray(parsed)) return [];
  return parsed.map((t: unknown) => {
    const r = (typeof t === 'object' && t !== null ? t : {}) as Record<string, unknown>;
    return {
      name: typeof r['sqlName'] === 'string' ? r['sqlName'] : null,
      owner: typeof r['owner'] === 'string' ? r['owner'] : null,
      tableId: typeof r['tableId'] === 'number' ? r['tableId'] : null,
      ruleVersion: typeof r['ruleVersion'] === 'number' ? r['ruleVersion'] : null,
    };
  });
}

function codeOf(json: string | null): string | undefined {
  if (json === null) return undefined;
  const code = (JSON.parse(json) as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/** Epsilon and delta a DP query spent (0 when it reused a stored answer). */
function privacyOf(json: string | null): JsonValue | undefined {
  if (json === null) return undefined;
  const r = JSON.parse(json) as { epsilon?: unknown; delta?: unknown; reusedFrom?: unknown };
  return {
    epsilon: typeof r.epsilon === 'number' ? r.epsilon : null,
    delta: typeof r.delta === 'number' ? r.delta : null,
    reusedFrom: typeof r.reusedFrom === 'string' ? r.reusedFrom : undefined,
  };
}
