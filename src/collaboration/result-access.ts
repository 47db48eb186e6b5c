import type { ResultColumn } from '../engine/engine.ts';
import type { ResultFileFormat } from '../engine/result-file-reader.ts';
import { notFound } from './errors.ts';
import type { Workspace } from './workspace.ts';

export interface OwnResult {
  readonly id: string;
  readonly queryId: string;
  readonly format: ResultFileFormat;
  readonly columns: readonly ResultColumn[];
  readonly rowCount: number;
  readonly bytes: number;
  readonly createdAt: string;
  readonly storeKey: string;
}

/**
 * A result the member received. Anyone else's result is reported as unknown, so that
 * result ids do not even confirm that a result exists.
 */
export async function findOwnResult(workspace: Workspace, member: string, resultId: string): Promise<OwnResult> {
  const row = await workspace.db
    .selectFrom('results')
    .selectAll()
    .where('id', '=', resultId)
    .where('member', '=', member)
    .executeTakeFirst();
  if (!row) throw notFound('unknown-result', `member '${member}' has no result '${resultId}'`, 'list yours with `cleanroom results list`');
  return {
    id: row.id,
    queryId: row.query_id,
    format: row.format === 'csv' ? 'csv' : 'parquet',
    columns: JSON.parse(row.columns_json) as ResultColumn[],
    rowCount: row.row_count,
    bytes: row.bytes,
    createdAt: row.created_at,
    storeKey: row.store_key,
  };
}

/** Runs `work` on a local plaintext copy of the result, removed afterwards. */
export async function withStagedResult<T>(workspace: Workspace, result: OwnResult, work: (path: string) => Promise<T>): Promise<T> {
  const staged = await workspace.store.stage(result.storeKey);
  if (!staged) throw new Error(`Internal error: result file ${result.storeKey} is missing from the store`);
  try {
    return await work(staged.path);
  } finally {
    await staged.release();
  }
}
