import { DuckDBInstance } from '@duckdb/node-api';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { encodeCell } from '../src/engine/cell-values.ts';
import type { CellValue } from '../src/engine/engine.ts';

export interface PlainResult {
  readonly ms: number;
  readonly columns: readonly string[];
  readonly rows: readonly (readonly CellValue[])[];
}

export interface PlainOptions {
  readonly threads: number;
  readonly memoryLimit: string;
  /** Scratch folder for spills and the result file; emptied after each run. */
  readonly workDir: string;
  /** View name -> Parquet files. */
  readonly tables: Readonly<Record<string, readonly string[]>>;
}

/**
 * Runs one query the way someone using DuckDB directly would: a fresh in-memory
 * instance with the same threads and memory limit as the clean room's engine, a view
 * per table over the same Parquet files, and the result written with COPY to Parquet.
 * The timed part is everything up to the finished COPY (instance start included, as in
 * the clean room); reading the rows back for the comparison is not timed.
 */
export async function runPlain(sql: string, options: PlainOptions): Promise<PlainResult> {
  rmSync(options.workDir, { recursive: true, force: true });
  mkdirSync(options.workDir, { recursive: true });
  const output = join(options.workDir, 'result.parquet');
  const started = performance.now();
  const instance = await DuckDBInstance.create(':memory:', {
    threads: String(options.threads),
    memory_limit: options.memoryLimit,
    temp_directory: options.workDir,
  });
  const connection = await instance.connect();
  try {
    await connection.run("SET TimeZone = 'UTC'");
    for (const [view, files] of Object.entries(options.tables)) {
      const list = files.map((f) => `'${f.replaceAll("'", "''")}'`).join(', ');
      await connection.run(`CREATE VIEW "${view}" AS SELECT * FROM read_parquet([${list}])`);
    }
    await connection.run(`COPY (${sql}) TO '${output}' (FORMAT parquet, COMPRESSION zstd)`);
    const ms = performance.now() - started;
    const reader = await connection.runAndReadAll(`SELECT * FROM read_parquet('${output}')`);
    const types = reader.columnTypes().map(String);
    const rows = reader.getRowsJson().map((row) => row.map((cell, i) => encodeCell(cell, types[i] ?? 'VARCHAR')));
    return { ms, columns: reader.columnNames(), rows };
  } finally {
    connection.closeSync();
    instance.closeSync();
    rmSync(options.workDir, { recursive: true, force: true });
  }
}
