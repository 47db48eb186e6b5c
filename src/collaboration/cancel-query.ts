import type { Kysely } from 'kysely';
import type { Database } from '../metadata/schema.ts';
import { findCollaboration, requireMembership } from './collaborations.ts';
import { conflict, notFound } from './errors.ts';
import { workerPlace } from './worker-identity.ts';

/**
 * Asks the process running one of the caller's queries to stop it (embedded mode: the
 * query runs in another `cleanroom` process, which records it as cancelled).
 */
export async function cancelQuery(db: Kysely<Database>, collaborationName: string, actor: string, queryId: string): Promise<void> {
  const collaboration = await findCollaboration(db, collaborationName);
  await requireMembership(db, collaboration, actor, false);
  const row = await db
    .selectFrom('queries')
    .select(['status', 'worker_pid', 'worker_host', 'runner'])
    .where('id', '=', queryId)
    .where('collaboration_id', '=', collaboration.id)
    .executeTakeFirst();
  if (!row || row.runner !== actor) throw notFound('unknown-query', `member '${actor}' has no query '${queryId}' in '${collaborationName}'`);
  if (row.status !== 'running' && row.status !== 'submitted') {
    throw conflict('query-finished', `query '${queryId}' is already ${row.status}`);
  }
  if (row.worker_pid === null) throw conflict('query-not-cancellable', `query '${queryId}' has no running process`);
  // A pid is only meaningful on the machine and boot that recorded it.
  if (workerPlace(row.worker_host) !== 'here') {
    throw conflict('query-not-cancellable', `query '${queryId}' runs on another machine`, 'cancel it through that server (`--server`)');
  }
  try {
    process.kill(row.worker_pid, 'SIGTERM');
  } catch {
    throw conflict('query-not-cancellable', `the process running query '${queryId}' is gone`);
  }
}
