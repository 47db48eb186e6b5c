import type { Kysely } from 'kysely';
import { notFound } from '../../collaboration/errors.ts';
import { listOwnQueries, queryLogs, type QueryLogEntry } from '../../collaboration/query-logs.ts';
import type { Database } from '../../metadata/schema.ts';
import { type QueryView, withResultIds } from '../../collaboration/query-result-ids.ts';

/** Statuses after which a query never changes. */
export const FINAL_STATUSES: ReadonlySet<string> = new Set(['succeeded', 'failed', 'refused', 'cancelled']);

export type { QueryView };
export { withResultIds };

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
