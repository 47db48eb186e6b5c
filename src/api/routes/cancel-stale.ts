import { conflict } from '../../collaboration/errors.ts';

/**
 * A query recorded as queued or running that this server is not running (an embedded
 * CLI run on the same workspace, or a process that died and is marked failed at the
 * next start). The server never signals other processes on a member's request: a pid
 * in the database may by now belong to anything.
 */
export function notCancellableHere(id: string): never {
  throw conflict('query-not-cancellable', `query '${id}' is not running on this server`, 'cancel it where it runs (`cleanroom query cancel`)');
}
