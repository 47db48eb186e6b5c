import type { Readable } from 'node:stream';
import type { Workspace } from './workspace.ts';
import type { ResultColumn } from '../engine/engine.ts';
import { writeAtomically } from '../storage/write-atomically.ts';
import { notFound } from './errors.ts';
import { logEvent } from './events.ts';

export interface ResultInfo {
  readonly id: string;
  readonly queryId: string;
  readonly format: string;
  readonly columns: readonly ResultColumn[];
  readonly rowCount: number;
  /** Size in the store (encrypted). */
  readonly bytes: number;
  /** The store key; the object is encrypted at rest: read it with `openResult` / `exportResult`. */
  readonly location: string;
  readonly createdAt: string;
}

/** The results a member received (results are catalogued in the receiver's area). */
export async function listResults(workspace: Workspace, member: string): Promise<ResultInfo[]> {
  const rows = await workspace.db
    .selectFrom('results')
    .selectAll()
    .where('member', '=', member)
    .orderBy('created_at')
    .execute();
  const out: ResultInfo[] = [];
  for (const r of rows) {
    out.push({
      id: r.id,
      queryId: r.query_id,
      format: r.format,
      columns: JSON.parse(r.columns_json) as ResultColumn[],
      rowCount: r.row_count,
      bytes: r.bytes,
      location: r.store_key,
      createdAt: r.created_at,
    });
  }
  return out;
}

/** Only the receiver deletes a result; metadata first, so a crash leaves an orphan file at worst. */
export async function deleteResult(workspace: Workspace, member: string, resultId: string): Promise<void> {
  const row = await workspace.db
    .selectFrom('results')
    .select(['id', 'store_key'])
    .where('id', '=', resultId)
    .where('member', '=', member)
    .executeTakeFirst();
  if (!row) throw notFound('unknown-result', `member '${member}' has no result '${resultId}'`);
  await workspace.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('results').where('id', '=', resultId).execute();
    await logEvent(trx, member, 'result.delete', resultId);
  });
  await workspace.store.delete(row.store_key);
}

/** The receiver's own result row, or not-found (never another member's). */
async function ownResult(workspace: Workspace, member: string, resultId: string): Promise<{ store_key: string; format: string }> {
  const row = await workspace.db
    .selectFrom('results')
    .select(['store_key', 'format'])
    .where('id', '=', resultId)
    .where('member', '=', member)
    .executeTakeFirst();
  if (!row) throw notFound('unknown-result', `member '${member}' has no result '${resultId}'`);
  return row;
}

/**
 * The plaintext bytes of a result, decrypted and verified chunk by chunk as they stream
 * (for downloads). A damaged object ends the stream with an error naming it: treat an
 * error as a failed download.
 *
 * @example
 *   const { stream, format } = await openResult(ws, 'brand', id); stream.pipe(reply.raw);
 */
export async function openResult(workspace: Workspace, member: string, resultId: string): Promise<{ stream: Readable; format: string }> {
  const row = await ownResult(workspace, member, resultId);
  const stream = await workspace.store.openRead(row.store_key);
  if (!stream) throw new Error(`Internal error: result ${resultId} is missing from the store (${row.store_key})`);
  return { stream, format: row.format };
}

/**
 * Writes a plaintext copy of a result to `destination` (the receiver's choice of place),
 * which appears only once the whole object has verified.
 *
 * @example
 *   await exportResult(ws, 'brand', id, './overlap.parquet');
 */
export async function exportResult(workspace: Workspace, member: string, resultId: string, destination: string): Promise<void> {
  const { stream } = await openResult(workspace, member, resultId);
  await writeAtomically(destination, stream);
}
