import type { Kysely } from 'kysely';
import type { Database } from '../metadata/schema.ts';
import type { QueryLogEntry } from './query-logs.ts';

/** A query log entry, with the id of its result for the member that received it. */
export type QueryView = QueryLogEntry & { readonly resultId?: string };

/** Query ids per lookup of their results: well under every database's limit of bound values. */
const IDS_PER_LOOKUP = 500;

/**
 * Adds the result's id to the entries `member` received: only a succeeded query whose
 * receiver is the viewer, and only the result stored for that viewer. Runners who do
 * not receive and owners of a referenced table never get it. The single view and the
 * lists decide here, so they always agree.
 */
export async function withResultIds(db: Kysely<Database>, member: string, entries: readonly QueryLogEntry[]): Promise<QueryView[]> {
  const received = entries.filter((e) => e.receiver === member && e.status === 'succeeded').map((e) => e.id);
  const resultOf = new Map<string, string>();
  for (let i = 0; i < received.length; i += IDS_PER_LOOKUP) {
    const rows = await db
      .selectFrom('results')
      .select(['id', 'query_id'])
      .where('member', '=', member)
      .where('query_id', 'in', received.slice(i, i + IDS_PER_LOOKUP))
      .orderBy('id')
      .execute();
    // One result per query and receiver; should there ever be more, every view names the same one.
    for (const row of rows) if (!resultOf.has(row.query_id)) resultOf.set(row.query_id, row.id);
  }
  return entries.map((e) => {
    const resultId = e.receiver === member && e.status === 'succeeded' ? resultOf.get(e.id) : undefined;
    return resultId === undefined ? e : { ...e, resultId };
  });
}

