import type { Kysely } from 'kysely';
import type { Database } from '../metadata/schema.ts';
import { toSeq } from './seq.ts';

export interface AuditEntry {
  readonly seq: number;
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly subject: string;
  readonly outcome: string;
  readonly detail: unknown;
  readonly prevHash: string;
  readonly hash: string;
}

export interface AuditListFilter {
  /** Entries at or after this ISO-8601 time. */
  readonly since?: string;
  readonly actor?: string;
  /** The newest this many matching entries (default 100). */
  readonly limit?: number;
}

/**
 * Entries as stored, oldest first: the newest `limit` that match. Listing does not
 * verify; `verifyAuditChain` does.
 *
 * @example
 *   await listAuditEntries(ws.db, { actor: 'brand', since: '2026-01-01T00:00:00.000Z', limit: 20 })
 */
export async function listAuditEntries(db: Kysely<Database>, filter: AuditListFilter = {}): Promise<AuditEntry[]> {
  let query = db.selectFrom('audit_log').selectAll();
  if (filter.since !== undefined) query = query.where('at', '>=', filter.since);
  if (filter.actor !== undefined) query = query.where('actor', '=', filter.actor);
  const rows = await query.orderBy('seq', 'desc').limit(filter.limit ?? 100).execute();
  return rows.reverse().map((row) => ({
    seq: toSeq(row.seq),
    at: row.at,
    actor: row.actor,
    action: row.action,
    subject: row.subject,
    outcome: row.outcome,
    detail: JSON.parse(row.detail_json) as unknown,
    prevHash: row.prev_hash,
    hash: row.hash,
  }));
}
