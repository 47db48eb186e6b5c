import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { recordQueryChange } from '../audit/query-entry.ts';
import { workerHost, workerPlace } from './worker-identity.ts';
import type { Workspace } from './workspace.ts';

/**
 * Crash recovery. Every multi-step change writes its files first and commits metadata
 * last, so after a crash the only possible debris is (a) files no metadata row refers
 * to and (b) scratch folders of operations that died. Both are removed here; nothing
 * that metadata refers to is ever touched.
 */
export async function sweepOrphans(workspace: Workspace, olderThanMs: number): Promise<void> {
  // Only debris older than `olderThanMs`: another process may be between writing its
  // files and committing their metadata right now.
  const cutoff = Date.now() - olderThanMs;
  await failInterruptedQueries(workspace);
  const referenced = new Set<string>();
  for (const row of await workspace.db.selectFrom('dataset_versions').select('files_json').execute()) {
    for (const key of JSON.parse(row.files_json) as string[]) referenced.add(key);
  }
  for (const row of await workspace.db.selectFrom('results').select('store_key').execute()) {
    referenced.add(row.store_key);
  }
  for (const object of await workspace.store.list('members/')) {
    if (!referenced.has(object.key) && object.modified.getTime() <= cutoff) await workspace.store.delete(object.key);
  }
  await workspace.store.sweepTemporary(olderThanMs);
  for (const entry of readdirSync(workspace.tmpDir)) {
    const pid = Number(/^op-(\d+)-/.exec(entry)?.[1]);
    if (!Number.isInteger(pid) || !isAlive(pid)) {
      rmSync(join(workspace.tmpDir, entry), { recursive: true, force: true });
    }
  }
}

/** A private scratch folder for one operation, named so a later sweep knows its owner. */
export function operationDir(workspace: Workspace): string {
  return mkdtempSync(join(workspace.tmpDir, `op-${process.pid}-`));
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Queries whose process died mid-run never finish: record them as failed, not running. */
async function failInterruptedQueries(workspace: Workspace): Promise<void> {
  const open = await workspace.db
    .selectFrom('queries')
    .select(['id', 'worker_pid', 'worker_host'])
    .where('status', 'in', ['submitted', 'running'])
    .execute();
  const here = workerHost();
  for (const q of open) {
    const place = workerPlace(q.worker_host, here);
    // Another server's query (a shared PostgreSQL control plane): only it can tell.
    if (place === 'elsewhere') continue;
    if (place === 'here' && q.worker_pid !== null && isAlive(q.worker_pid)) continue;
    await recordQueryChange(workspace.db, q.id, (trx) =>
      trx
        .updateTable('queries')
        .set({
          status: 'failed',
          error_json: JSON.stringify({ code: 'interrupted', message: 'the process running the query stopped before it finished' }),
          finished_at: new Date().toISOString(),
        })
        .where('id', '=', q.id)
        .execute(),
    );
  }
}
