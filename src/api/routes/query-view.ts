import type { Kysely } from 'kysely';
import { notFound } from '../../collaboration/errors.ts';
import { listOwnQueries, queryLogs, type QueryLogEntry } from '../../collaboration/query-logs.ts';
import type { Database } from '../../metadata/schema.ts';

/** Statuses after which a query never changes. */
export const FINAL_STATUSES: ReadonlySet<string> = new Set(['succeeded', 'failed', 'refused', 'cancelled']);

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

/**
 * One query as the caller may see it: its own (even a syntax error), or an entry of the
 * query log it is entitled to (receiver, owner of a referenced table). The receiver of a
 * succeeded query also gets the result's id.
 */
export async function queryView(db: Kysely<Database>, collaboration: string, member: string, id: string): Promise<QueryView> {
  const entry = (await listOwnQueries(db, collaboration, member, id))[0] ?? (await queryLogs(db, collaboration, member, id))[0];
  if (entry === undefined) throw notFound('unknown-query', `member '${member}' has no query '${id}' in '${collaboration}'`);
  const [view] = await withResultIds(db, member, [entry]);
  if (view === undefined) throw new Error('Internal error: a query view was lost');
  return view;
}

const stringMap = { type: 'object', additionalProperties: { type: 'string' } } as const;

/**
 * A query as GET .../queries, .../queries/{id} and .../query-logs answer it, for
 * /openapi.json. Open (`additionalProperties`) so that a field added to the view is
 * never dropped by the serializer before this schema learns about it.
 */
export const queryViewSchema = {
  type: 'object',
  additionalProperties: true,
  required: ['id', 'submittedAt', 'runner', 'receiver', 'sql', 'tables', 'status'],
  properties: {
    id: { type: 'string' },
    submittedAt: { type: 'string', description: 'ISO 8601' },
    runner: { type: 'string' },
    receiver: { type: 'string' },
    sql: { type: 'string', description: 'the SQL as submitted, or the template\'s SQL' },
    tables: { type: 'array', items: { type: 'string' } },
    status: { type: 'string', enum: ['queued', 'running', 'succeeded', 'failed', 'refused', 'cancelled'] },
    templateId: { type: 'string' },
    parameters: { ...stringMap, description: 'the template parameter values as given' },
    error: { type: 'object', additionalProperties: true, description: 'the diagnostic of a refused or failed query (code, message, rule, table, fragment, position, hint)' },
    rowCount: { type: 'integer', description: 'for the receiver, and for an owner of a referenced table' },
    durationMs: { type: 'number' },
    delivery: { type: 'array', items: { type: 'object', additionalProperties: true }, description: 'delivery options asked for, per output column' },
    tableStats: { type: 'object', additionalProperties: true, description: 'per-table figures, only for the tables the viewer owns' },
    ruleVersions: { type: 'object', additionalProperties: { type: 'integer' } },
    privacy: { type: 'object', additionalProperties: true, description: 'the privacy budget spent, for differentially private queries' },
    resultId: {
      type: 'string',
      description: 'the id of the result (GET /v1/results/{resultId}): only for the receiver of a succeeded query',
    },
  },
} as const;
