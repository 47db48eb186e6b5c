import { dirname } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { encodeCell } from './cell-values.ts';
import type { CellValue, ResultColumn } from './engine.ts';
import { quoteString } from './quote.ts';

export type ResultFileFormat = 'parquet' | 'csv';

export interface ResultPage {
  readonly columns: readonly ResultColumn[];
  readonly rows: readonly (readonly CellValue[])[];
  /** Rows in the whole result. */
  readonly rowCount: number;
}

/**
 * Reads a result file the receiver owns (preview pages, format conversion). A fresh
 * engine that may read only the folder of that one file: results SQL and previews can
 * never reach member data through it.
 */
async function openSealed(file: string): Promise<{ connection: DuckDBConnection; close: () => void }> {
  const instance = await DuckDBInstance.create(':memory:', {
    threads: '1',
    memory_limit: '512MB',
    autoload_known_extensions: 'false',
    autoinstall_known_extensions: 'false',
  });
  const connection = await instance.connect();
  await connection.run("SET TimeZone = 'UTC'");
  await connection.run(`SET allowed_paths = [${quoteString(file)}]`);
  await connection.run(`SET allowed_directories = [${quoteString(`${dirname(file)}/`)}]`);
  await connection.run('SET enable_external_access = false');
  await connection.run('SET lock_configuration = true');
  return {
    connection,
    close: () => {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

function source(file: string, format: ResultFileFormat): string {
  return format === 'csv' ? `read_csv(${quoteString(file)}, header = true)` : `read_parquet(${quoteString(file)})`;
}

/**
 * One page of a result, in the stored order.
 *
 * @example
 *   const page = await readResultPage('/dev/shm/cr-q1/result.parquet', 'parquet', 0, 100);
 */
export async function readResultPage(file: string, format: ResultFileFormat, offset: number, limit: number): Promise<ResultPage> {
  const { connection, close } = await openSealed(file);
  try {
    const from = source(file, format);
    const counted = await connection.runAndReadAll(`SELECT count(*) FROM ${from}`);
    const rowCount = Number(counted.getRows()[0]?.[0] ?? 0);
    const reader = await connection.runAndReadAll(
      `SELECT * FROM ${from} LIMIT ${Math.max(0, Math.floor(limit))} OFFSET ${Math.max(0, Math.floor(offset))}`,
    );
    const columns = reader.columnNames().map((name, i) => ({ name, type: String(reader.columnTypes()[i]) }));
    const rows = reader.getRowsJson().map((row) => row.map((cell, i) => encodeCell(cell, columns[i]?.type ?? 'VARCHAR')));
    return { columns, rows, rowCount };
  } finally {
    close();
  }
}

/**
 * Streams every row of a result in chunks (for CSV/NDJSON downloads), so a large result
 * is never held in memory or written out again in plaintext.
 */
export async function* streamResultRows(
  file: string,
  format: ResultFileFormat,
): AsyncGenerator<{ readonly columns: readonly ResultColumn[]; readonly rows: readonly (readonly CellValue[])[] }> {
  const { connection, close } = await openSealed(file);
  try {
    const result = await connection.stream(`SELECT * FROM ${source(file, format)}`);
    const columns = result.columnNames().map((name, i) => ({ name, type: String(result.columnTypes()[i]) }));
    // The columns first, so that an empty result still has its header.
    yield { columns, rows: [] };
    for await (const rows of result.yieldRowsJson()) {
      yield { columns, rows: rows.map((row) => row.map((cell, i) => encodeCell(cell, columns[i]?.type ?? 'VARCHAR'))) };
    }
  } finally {
    close();
  }
}
