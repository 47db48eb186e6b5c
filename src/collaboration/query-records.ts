import type { Kysely } from 'kysely';
import { recordQueryChange, type QueryText } from '../audit/query-entry.ts';
import type { Database, QueriesTable } from '../metadata/schema.ts';
import type { Diagnostic } from '../sql/diagnostic.ts';
import { nowIso } from './clock.ts';
import { workerHost } from './worker-identity.ts';

export type QueryStatus = 'submitted' | 'running' | 'succeeded' | 'failed' | 'refused' | 'cancelled';

/** A table a query referenced, with the rule version it ran under. */
export interface QueryTableRecord {
  readonly sqlName: string;
  readonly owner: string;
  readonly tableId: number;
  readonly ruleVersion: number;
}

/** Owner-only figures for one referenced table. */
export interface TableStats {
  readonly rowsRead: number;
  readonly bytesRead: number;
  /** Output rows removed by this table's output constraints (undefined: not measured). */
  readonly rowsSuppressed?: number;
}

export async function insertQuery(
  db: Kysely<Database>,
  row: Pick<QueriesTable, 'id' | 'collaboration_id' | 'runner' | 'receiver' | 'sql_text' | 'template_id' | 'parameters_json'> &
    Partial<Pick<QueriesTable, 'delivery_json'>>,
  /** The text and parameters before sealing: the audit chain keeps only their keyed digest. */
  text?: QueryText,
): Promise<void> {
  await recordQueryChange(db, row.id, (trx) => trx
    .insertInto('queries')
    .values({
      ...row,
      status: 'submitted',
      error_json: null,
      tables_json: '[]',
      row_count: null,
      duration_ms: null,
      table_stats_json: null,
      internal_error: null,
      worker_pid: process.pid,
      worker_host: workerHost(),
      submitted_at: nowIso(),
      started_at: null,
      finished_at: null,
    })
    .execute(), text);
}

export async function markRefused(
  db: Kysely<Database>,
  id: string,
  error: Diagnostic,
  tables: readonly QueryTableRecord[],
): Promise<void> {
  await recordQueryChange(db, id, (trx) => trx
    .updateTable('queries')
    .set({ status: 'refused', error_json: JSON.stringify(error), tables_json: JSON.stringify(tables), finished_at: nowIso() })
    .where('id', '=', id)
    .execute());
}

export async function markRunning(db: Kysely<Database>, id: string, tables: readonly QueryTableRecord[]): Promise<void> {
  await recordQueryChange(db, id, (trx) => trx
    .updateTable('queries')
    .set({ status: 'running', tables_json: JSON.stringify(tables), started_at: nowIso() })
    .where('id', '=', id)
    .execute());
}

/**
 * A failure's text may echo data values: it goes to `internal_error`, operator only (and
 * never to the audit chain). `diagnostic`: what members see, when the engine error maps
 * to one (engine-error-diagnostic.ts).
 */
export async function markFailed(db: Kysely<Database>, id: string, internal: string, durationMs: number, diagnostic?: Diagnostic): Promise<void> {
  const shown: Diagnostic = diagnostic ?? {
    code: 'internal-error',
    message: 'the query failed inside the engine; the operator can see the details in the audit log',
  };
  await recordQueryChange(db, id, (trx) => trx
    .updateTable('queries')
    .set({
      status: 'failed',
      error_json: JSON.stringify(shown),
      internal_error: internal,
      duration_ms: durationMs,
      finished_at: nowIso(),
    })
    .where('id', '=', id)
    .execute());
}

export async function markCancelled(db: Kysely<Database>, id: string, durationMs: number): Promise<void> {
  await recordQueryChange(db, id, (trx) => trx
    .updateTable('queries')
    .set({
      status: 'cancelled',
      error_json: JSON.stringify({ code: 'cancelled', message: 'the query was cancelled before it finished' }),
      duration_ms: durationMs,
      finished_at: nowIso(),
    })
    .where('id', '=', id)
    .execute());
}
