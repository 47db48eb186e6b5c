import type { Workspace } from './workspace.ts';
import type { ResultColumn } from '../engine/engine.ts';
import { notFound } from './errors.ts';
import { logEvent } from './events.ts';

export interface ResultInfo {
  readonly id: string;
  readonly queryId: string;
  readonly format: string;
  readonly columns: readonly ResultColumn[];
  readonly rowCount: number;
  readonly bytes: number;
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
    const staged = await workspace.store.stage(r.store_key);
    out.push({
      id: r.id,
      queryId: r.query_id,
      format: r.format,
      columns: JSON.parse(r.columns_json) as ResultColumn[],
      rowCount: r.row_count,
      bytes: r.bytes,
      location: staged?.path ?? r.store_key,
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
