import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { statSync } from 'node:fs';
import { encodeCell } from '../engine/cell-values.ts';
import { QueryCancelled, type CellValue, type ResultColumn } from '../engine/engine.ts';
import type { ResultFileFormat } from '../engine/result-file-reader.ts';
import { quoteIdentifier, quoteString } from '../engine/quote.ts';
import { CleanroomError } from '../collaboration/errors.ts';

/** A result file of the member, decrypted into the run's private folder, under its table name. */
export interface StagedTable {
  readonly name: string;
  readonly file: string;
  readonly format: ResultFileFormat;
}

/** A small table made in the engine from values this process holds (the `results` listing). */
export interface ValuesTable {
  readonly name: string;
  readonly columns: readonly ResultColumn[];
  readonly rows: readonly (readonly CellValue[])[];
}

export interface ResultsSqlLimits {
  /** DuckDB memory_limit of one run, e.g. `1GB`. */
  readonly memoryLimit: string;
  readonly threads: number;
  /** A run longer than this is stopped (`results-sql-timeout`). */
  readonly timeoutMs: number;
}

export const DEFAULT_RESULTS_SQL_LIMITS: ResultsSqlLimits = { memoryLimit: '1GB', threads: 2, timeoutMs: 60_000 };

export interface ResultsSqlPage {
  readonly columns: readonly ResultColumn[];
  readonly rows: readonly (readonly CellValue[])[];
  readonly offset: number;
  readonly limit: number;
  /** More rows follow this page. */
  readonly hasMore: boolean;
}

/**
 * A fresh DuckDB instance that may read exactly the staged result files (and spill into
 * the run's private folder), with external access off and its configuration locked
 * before any member SQL runs: results SQL can reach nothing else even if the validator
 * were wrong.
 */
export async function openSealedResultsEngine(
  workDir: string,
  tables: readonly StagedTable[],
  values: readonly ValuesTable[],
  limits: ResultsSqlLimits,
  /** Files the instance may also write (an export's output); none for queries. */
  writable: readonly string[] = [],
  /** The instance's own database: in memory for queries, the output file for a DuckDB export. */
  database = ':memory:',
): Promise<{ readonly connection: DuckDBConnection; readonly close: () => void }> {
  if ((statSync(workDir).mode & 0o077) !== 0) throw new Error('Internal error: the results SQL work folder must be private (mode 0700)');
  const instance = await DuckDBInstance.create(database, {
    threads: String(Math.max(1, Math.floor(limits.threads))),
    memory_limit: limits.memoryLimit,
    temp_directory: workDir,
    autoload_known_extensions: 'false',
    autoinstall_known_extensions: 'false',
  });
  const connection = await instance.connect();
  const close = (): void => {
    connection.closeSync();
    instance.closeSync();
  };
  try {
    const paths = [...tables.map((t) => t.file), ...writable];
    await connection.run("SET TimeZone = 'UTC'");
    await connection.run(`SET allowed_paths = [${paths.map(quoteString).join(', ')}]`);
    await connection.run(`SET allowed_directories = [${quoteString(`${workDir}/`)}]`);
    await connection.run('SET enable_external_access = false');
    for (const t of tables) {
      const source = t.format === 'csv' ? `read_csv(${quoteString(t.file)}, header = true)` : `read_parquet(${quoteString(t.file)})`;
      await connection.run(`CREATE VIEW ${quoteIdentifier(t.name)} AS SELECT * FROM ${source}`);
    }
    for (const v of values) {
      await connection.run(`CREATE TABLE ${quoteIdentifier(v.name)} (${v.columns.map((c) => `${quoteIdentifier(c.name)} ${c.type}`).join(', ')})`);
      for (const row of v.rows) {
        await connection.run(`INSERT INTO ${quoteIdentifier(v.name)} VALUES (${row.map(sqlValue).join(', ')})`);
      }
    }
    await connection.run('SET lock_configuration = true');
    return { connection, close };
  } catch (e) {
    close();
    throw e;
  }
}

function sqlValue(v: CellValue): string {
  if (v === null) return 'NULL';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'NULL';
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  return quoteString(v);
}

/**
 * Runs printed results SQL in the sealed instance and returns one page of its rows (the
 * query's own order), stopping after the page: `hasMore` says whether rows follow.
 */
export async function runResultsSqlPage(
  connection: DuckDBConnection,
  sql: string,
  page: { readonly offset: number; readonly limit: number },
  options: { readonly timeoutMs: number; readonly signal?: AbortSignal; readonly workDir: string },
): Promise<ResultsSqlPage> {
  let timedOut = false;
  const stop = (): void => connection.interrupt();
  const timer = setTimeout(() => {
    timedOut = true;
    stop();
  }, options.timeoutMs);
  options.signal?.addEventListener('abort', stop);
  try {
    if (options.signal?.aborted) throw new QueryCancelled();
    const result = await connection.stream(sql);
    const columns: ResultColumn[] = result.columnNames().map((name, i) => ({ name, type: String(result.columnTypes()[i]) }));
    const rows: CellValue[][] = [];
    let skipped = 0;
    let hasMore = false;
    for await (const chunk of result.yieldRowsJson()) {
      for (const row of chunk) {
        if (skipped < page.offset) {
          skipped += 1;
          continue;
        }
        if (rows.length === page.limit) {
          hasMore = true;
          break;
        }
        rows.push(row.map((cell, i) => encodeCell(cell, columns[i]?.type ?? 'VARCHAR')));
      }
      if (hasMore) break;
    }
    return { columns, rows, offset: page.offset, limit: page.limit, hasMore };
  } catch (e) {
    if (e instanceof QueryCancelled) throw e;
    if (timedOut) {
      throw new CleanroomError('invalid', {
        code: 'results-sql-timeout',
        rule: 'results-sql',
        message: `The query ran longer than ${Math.round(options.timeoutMs / 1000)} s and was stopped.`,
        hint: 'Filter or aggregate more, or ask the operator for a longer limit.',
      });
    }
    if (options.signal?.aborted) throw new QueryCancelled();
    throw engineProblem(e, options.workDir);
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', stop);
  }
}

/**
 * The engine's message about the member's own query over its own results (a column it
 * misspelled, a type mismatch): worth showing, with the private folder's path removed.
 */
export function engineProblem(e: unknown, workDir: string): CleanroomError {
  const raw = e instanceof Error ? e.message : String(e);
  const text = raw.replaceAll(workDir, '<results>').split('\n')[0]?.slice(0, 500) ?? 'the engine failed';
  return new CleanroomError('invalid', { code: 'results-sql-error', rule: 'results-sql', message: text, hint: 'Check the column names with `cleanroom results catalog`.' });
}
