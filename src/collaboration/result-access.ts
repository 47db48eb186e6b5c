import { Readable } from 'node:stream';
import type { CellValue, ResultColumn } from '../engine/engine.ts';
import { streamResultRows, type ResultFileFormat } from '../engine/result-file-reader.ts';
import { writeAtomically } from '../storage/write-atomically.ts';
import { conflict, notFound } from './errors.ts';
import { exportResult } from './results.ts';
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

function csvField(value: CellValue): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * A result's rows as CSV (header first) or NDJSON text, chunk by chunk, read from its
 * plaintext copy at `path` (see withStagedResult): downloads and exports stream it
 * without holding the result in memory.
 */
export async function* convertedRows(path: string, stored: ResultFileFormat, to: 'csv' | 'json'): AsyncGenerator<string> {
  let first = true;
  for await (const chunk of streamResultRows(path, stored)) {
    const lines: string[] = [];
    if (first && to === 'csv') lines.push(chunk.columns.map((c) => csvField(c.name)).join(','));
    first = false;
    for (const row of chunk.rows) {
      lines.push(to === 'csv' ? row.map(csvField).join(',') : JSON.stringify(Object.fromEntries(chunk.columns.map((c, i) => [c.name, row[i] ?? null]))));
    }
    if (lines.length > 0) yield `${lines.join('\n')}\n`;
  }
}

/**
 * Writes one received result to a local file as Parquet, CSV or NDJSON (default: as
 * stored), through a temporary name so a failure leaves no partial file.
 *
 * @example
 *   await exportResultAs(ws, 'brand', id, './overlap.csv', 'csv');
 */
export async function exportResultAs(workspace: Workspace, member: string, resultId: string, destination: string, format?: 'parquet' | 'csv' | 'json'): Promise<void> {
  const result = await findOwnResult(workspace, member, resultId);
  const wanted = format ?? result.format;
  if (wanted === result.format) {
    await exportResult(workspace, member, resultId, destination);
    return;
  }
  if (wanted === 'parquet') {
    throw conflict('format-unavailable', `result '${resultId}' is stored as ${result.format}; export it as csv or json`);
  }
  await writeAtomically(destination, (write) =>
    withStagedResult(workspace, result, (path) => write(Readable.from(convertedRows(path, result.format, wanted)))),
  );
}
