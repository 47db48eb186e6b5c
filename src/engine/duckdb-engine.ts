import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Diagnostic } from '../sql/diagnostic.ts';
import { encodeCell } from './cell-values.ts';
import { engineErrorDiagnostic, type EngineErrorSource } from './engine-error-diagnostic.ts';
import { QueryCancelled, type CellValue, type ColumnDelivery, type Engine, type ProtectedRunOutcome, type ProtectedRunRequest, type ResultColumn } from './engine.ts';
import { quoteIdentifier, quoteString } from './quote.ts';
import { deliverReleased } from './duckdb-release.ts';

export interface DuckDbEngineOptions {
  /** Per-query memory cap (DuckDB syntax, e.g. `2GB`); DuckDB's default is 80% of RAM. */
  readonly memoryLimit: string;
  /** Per-query threads; DuckDB's default is every core. */
  readonly threads: number;
  /**
   * Queries run at once (default 1). Each has its own memory cap and threads, so the
   * machine needs `concurrency` x `memoryLimit`; the server sets it to its running limit.
   */
  readonly concurrency?: number;
}

/**
 * Raised for anything the engine itself reports. Its text is DuckDB's and may quote data
 * values: for the operator only. `diagnostic` is what a member may see: the kind of
 * failure and the emitted-SQL expression, never a value (engine-error-diagnostic.ts).
 */
export class EngineError extends Error {
  override readonly name = 'EngineError';
  constructor(
    message: string,
    readonly diagnostic: Diagnostic,
  ) {
    super(message);
  }
}

/**
 * Runs protected queries on DuckDB, one fresh in-memory instance per query, sealed
 * before any user-derived SQL runs: it may read exactly the data files of the tables it
 * was given and write only into the query's private work folder; then the
 * configuration is locked so the query cannot reopen access. Queries wait for one of
 * `concurrency` slots, each with the configured memory and threads.
 */
export class DuckDbEngine implements Engine {
  readonly name = 'duckdb';
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly options: DuckDbEngineOptions) {}

  async runProtected(request: ProtectedRunRequest): Promise<ProtectedRunOutcome> {
    if (this.running >= Math.max(1, this.options.concurrency ?? 1)) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running += 1;
    }
    try {
      return await this.runNow(request);
    } finally {
      // The slot passes straight to the next waiter, or is freed.
      const next = this.waiting.shift();
      if (next) next();
      else this.running -= 1;
    }
  }

  private async runNow(request: ProtectedRunRequest): Promise<ProtectedRunOutcome> {
    if (dirname(request.outputFile) !== request.workDir) {
      throw new Error('Internal error: the result file must be written inside the query work folder');
    }
    // The work folder holds decrypted member data, spill files and the plaintext result:
    // it must be closed to every other user.
    if ((statSync(request.workDir).mode & 0o077) !== 0) {
      throw new Error('Internal error: the query work folder must be private (mode 0700)');
    }
    const instance = await DuckDBInstance.create(':memory:', {
      threads: String(this.options.threads),
      memory_limit: this.options.memoryLimit,
      temp_directory: request.workDir,
      autoload_known_extensions: 'false',
      autoinstall_known_extensions: 'false',
    });
    const connection = await instance.connect();
    const { signal } = request;
    const stop = (): void => connection.interrupt();
    signal?.addEventListener('abort', stop);
    try {
      if (signal?.aborted) throw new QueryCancelled();
      await seal(connection, request);
      if (request.deliverIfSql !== undefined && !(await gateOpen(connection, request.deliverIfSql))) {
        return { delivered: false };
      }
      if (request.stage !== undefined) {
        const { table, sql } = request.stage;
        const statement = `CREATE TEMP TABLE ${quoteIdentifier(table)} AS ${sql}`;
        await guarded({ statement, emitted: sql }, () => connection.run(statement));
      }
      // Always write Parquet first: it keeps the exact column types for the read-back.
      const parquet = request.format === 'csv' ? join(request.workDir, 'result.parquet') : request.outputFile;
      if (request.release !== undefined) {
        // Differential privacy: exact rows into this process only; the file gets the noisy ones.
        // No fragment of the emitted SQL in errors here: it holds the per-query DP secret.
        await deliverReleased(connection, request.sql, request.release, parquet, (statement, step) => guarded({ statement }, step));
      } else {
        const copy = `COPY (${deliveredSql(request.sql, request.delivery ?? [])}) TO ${quoteString(parquet)} (FORMAT parquet, COMPRESSION zstd)`;
        await guarded({ statement: copy, emitted: request.sql }, () => connection.run(copy));
      }
      if (request.format === 'csv') {
        const csv = `COPY (SELECT * FROM read_parquet(${quoteString(parquet)})) TO ${quoteString(request.outputFile)} (FORMAT csv, HEADER true)`;
        await guarded({ statement: csv }, () => connection.run(csv));
      }
      const stats = request.statsSql === undefined ? undefined : await readStats(connection, request.statsSql);
      const delivered = await readBack(connection, parquet, request.previewRows);
      return stats === undefined || !delivered.delivered ? delivered : { ...delivered, stats };
    } catch (e) {
      if (signal?.aborted) throw new QueryCancelled();
      throw e;
    } finally {
      signal?.removeEventListener('abort', stop);
      connection.closeSync();
      instance.closeSync();
    }
  }
}

/**
 * The whitespace normalisation strips: space, tab, LF, CR, the same set as
 * `dataset create --normalize` (src/catalog/crawl.ts), so a value normalised and hashed
 * at ingest and one normalised and hashed on delivery agree.
 */
const WHITESPACE = "' ' || chr(9) || chr(10) || chr(13)";

/**
 * The rows of `sql` as delivered: the same columns in the same order, the named ones
 * normalised and/or hashed with DuckDB's built-in `lower`, `trim` and `sha256` (hex).
 *
 * @example
 *   deliveredSql('SELECT ...', [{ column: 'email', normalize: true, hash: 'sha256' }])
 *   // SELECT * REPLACE (sha256(lower(trim("email", ...))) AS "email") FROM (SELECT ...) AS "__cr_delivered"
 */
export function deliveredSql(sql: string, delivery: readonly ColumnDelivery[]): string {
  const replaced = delivery
    .filter((d) => d.normalize || d.hash !== undefined)
    .map((d) => {
      let value = quoteIdentifier(d.column);
      if (d.normalize) value = `lower(trim(${value}, ${WHITESPACE}))`;
      if (d.hash === 'sha256') value = `sha256(${value})`;
      return `${value} AS ${quoteIdentifier(d.column)}`;
    });
  if (replaced.length === 0) return sql;
  return `SELECT * REPLACE (${replaced.join(', ')}) FROM (${sql}) AS "__cr_delivered"`;
}

async function seal(connection: DuckDBConnection, request: ProtectedRunRequest): Promise<void> {
  const files = request.tables.flatMap((t) => t.files);
  const paths = [...files, request.outputFile].map(quoteString).join(', ');
  await connection.run("SET TimeZone = 'UTC'");
  // A scalar subquery with several rows must not fail: whether it does would depend on
  // rows the runner cannot see (a one-bit oracle). DuckDB then takes one of the rows.
  await connection.run('SET scalar_subquery_error_on_multiple_rows = false');
  await connection.run(`SET allowed_paths = [${paths}]`);
  await connection.run(`SET allowed_directories = [${quoteString(`${request.workDir}/`)}]`);
  await connection.run('SET enable_external_access = false');
  for (const table of request.tables) {
    const columns = table.columns.map(quoteIdentifier).join(', ');
    const sources = table.files.map(quoteString).join(', ');
    await connection.run(
      `CREATE VIEW ${quoteIdentifier(table.viewName)} AS SELECT ${columns} FROM read_parquet([${sources}])`,
    );
  }
  await connection.run('SET lock_configuration = true');
}

async function gateOpen(connection: DuckDBConnection, sql: string): Promise<boolean> {
  const reader = await guarded({ statement: sql, emitted: sql }, () => connection.runAndReadAll(sql));
  const value = reader.getRows()[0]?.[0];
  return value === true;
}

/** The one row of a counts query, as numbers by column name. */
async function readStats(connection: DuckDBConnection, sql: string): Promise<Record<string, number>> {
  const reader = await guarded({ statement: sql, emitted: sql }, () => connection.runAndReadAll(sql));
  const row = reader.getRows()[0] ?? [];
  const stats: Record<string, number> = {};
  reader.columnNames().forEach((name, i) => {
    const v = row[i];
    stats[name] = typeof v === 'bigint' || typeof v === 'number' ? Number(v) : 0;
  });
  return stats;
}

async function readBack(connection: DuckDBConnection, parquet: string, previewRows: number): Promise<ProtectedRunOutcome> {
  const source = `read_parquet(${quoteString(parquet)})`;
  const count = `SELECT count(*) FROM ${source}`;
  const counted = await guarded({ statement: count }, () => connection.runAndReadAll(count));
  const rowCount = Number(counted.getRows()[0]?.[0] ?? 0);
  const head = `SELECT * FROM ${source} LIMIT ${Math.max(0, Math.floor(previewRows))}`;
  const reader = await guarded({ statement: head }, () => connection.runAndReadAll(head));
  const columns: ResultColumn[] = reader.columnNames().map((name, i) => ({
    name,
    type: String(reader.columnTypes()[i]),
  }));
  const preview: CellValue[][] = reader
    .getRowsJson()
    .map((row) => row.map((cell, i) => encodeCell(cell, columns[i]?.type ?? 'VARCHAR')));
  return { delivered: true, columns, rowCount, preview };
}

/**
 * Runs one statement; an engine failure becomes an EngineError that keeps DuckDB's text
 * for the operator and carries the member-safe diagnostic, built from `source` (the
 * statement and the emitted SQL inside it) and never from the text.
 */
async function guarded<T>(source: EngineErrorSource, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (e) {
    const raw = e instanceof Error ? e.message : String(e);
    throw new EngineError(raw, engineErrorDiagnostic(raw, source));
  }
}
