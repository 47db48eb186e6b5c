import type { Kysely } from 'kysely';
import { notFound } from '../../collaboration/errors.ts';
import { listOwnQueries, queryLogs, type QueryLogEntry } from '../../collaboration/query-logs.ts';
import type { Database } from '../../metadata/schema.ts';

/** Statuses after which a query never changes. */
export const FINAL_STATUSES: ReadonlySet<string> = new Set(['succeeded', 'failed', 'refused', 'cancelled']);

export type QueryView = QueryLogEntry & { readonly resultId?: string };

/**
 * One query as the caller may see it: its own (even a syntax error), or an entry of the
 * query log it is entitled to (receiver, owner of a referenced table). The receiver of a
 * succeeded query also gets the result's id.
 */
export async function queryView(db: Kysely<Database>, collaboration: string, member: string, id: string): Promise<QueryView> {
  const entry = (await listOwnQueries(db, collaboration, member, id))[0] ?? (await queryLogs(db, collaboration, member, id))[0];
  if (entry === undefined) throw notFound('unknown-query', `member '${member}' has no query '${id}' in '${collaboration}'`);
  if (entry.receiver !== member || entry.status !== 'succeeded') return entry;
  const result = await db.selectFrom('results').select('id').where('query_id', '=', id).where('member', '=', member).executeTakeFirst();
  return result ? { ...entry, resultId: result.id } : entry;
}
