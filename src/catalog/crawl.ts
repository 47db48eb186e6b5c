import { randomUUID } from 'node:crypto';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { DuckDBConnection } from '@duckdb/node-api';
import { columnStats } from './column-stats.ts';
import { CrawlRefusal, ROW_ID_COLUMN } from './crawl-types.ts';
import type { CrawlReport, CrawlResult } from './crawl-types.ts';
import { translateReadError } from './duckdb-errors.ts';
import { inspectFile, refine } from './inspect-file.ts';
import type { InspectedFile } from './inspect-file.ts';
import { listInputFiles } from './list-input-files.ts';
import { planSchema } from './plan-schema.ts';
import type { FileBinding, PlannedColumn, SchemaPlan } from './plan-schema.ts';
import { sourceSql } from './read-source.ts';
import { quoteIdent, quoteString } from './sql-text.ts';

export interface CrawlInput {
  /** Files and folders (recursive; `key=value` folders become partition columns). */
  readonly paths: readonly string[];
  /** Columns (original or normalised names) to trim and lower-case. */
  readonly normalize?: readonly string[];
  /** Columns to replace by the lowercase hex SHA-256 of their (normalised) text. */
  readonly hash?: Readonly<Record<string, 'sha256'>>;
  /** Parquet file to write; left untouched when the crawl is refused. */
  readonly outputFile: string;
  /** DuckDB spills here; must exist or be creatable. */
  readonly tempDir: string;
}

/**
 * Reads a member's files, infers one schema, normalises names, applies --normalize /
 * --hash, adds the hidden `__cr_rowid`, writes zstd Parquet and returns the catalog
 * facts. Any bad input is a refusal naming the file (and line where known).
 *
 * @example
 *   const r = await crawlDataset({ paths: ['exports/visits/'], normalize: ['Email'],
 *     hash: { Email: 'sha256' }, outputFile: '/tmp/w/visits.parquet', tempDir: '/tmp/w' });
 *   if (!r.ok) console.error(r.error.message); else console.log(r.value.rowCount);
 */
export async function crawlDataset(input: CrawlInput): Promise<CrawlResult> {
  await mkdir(input.tempDir, { recursive: true });
  const output = path.resolve(input.outputFile);
  // Written beside the target so the final rename is atomic and a refusal leaves nothing.
  const partial = path.join(path.dirname(output), `.${path.basename(output)}.${randomUUID()}.cr-tmp`);
  const instance = await DuckDBInstance.create(':memory:', {
    memory_limit: '1GB',
    threads: '2',
    temp_directory: path.resolve(input.tempDir),
    // Everything the crawler needs is built in; never fetch code at run time.
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
  });
  const connection = await instance.connect();
  try {
    for (const [column, algorithm] of Object.entries(input.hash ?? {})) {
      // The type says sha256, but the CLI and HTTP API hand over whatever they were given.
      if (algorithm !== 'sha256') {
        throw new CrawlRefusal({
          code: 'unknown-hash',
          message: `The --hash algorithm "${String(algorithm)}" for column "${column}" is not supported.`,
          column,
          hint: 'Use sha256.',
        });
      }
    }
    const files = await listInputFiles(input.paths);
    const inspected: InspectedFile[] = [];
    for (const file of files) inspected.push(await inspectFile(connection, file));
    const plan = planSchema(inspected, input.normalize ?? [], Object.keys(input.hash ?? {}));
    await mkdir(path.dirname(output), { recursive: true });
    await writeParquet(connection, plan, partial);
    const { rowCount, stats } = await columnStats(
      connection,
      partial,
      plan.columns,
      inspected.reduce((sum, f) => sum + f.rows, 0),
    );
    await rename(partial, output);
    const report: CrawlReport = {
      columns: plan.columns.map((c) => ({ name: c.name, type: c.type, originalName: c.originalName })),
      rowCount,
      stats,
      files: inspected.map((f) => ({ path: f.input.path, format: f.format, compression: f.compression, rows: f.rows })),
      mapping: plan.mapping,
    };
    return { ok: true, value: report };
  } catch (e) {
    if (e instanceof CrawlRefusal) return { ok: false, error: e.diagnostic };
    throw e;
  } finally {
    await rm(partial, { force: true });
    connection.closeSync();
    instance.closeSync();
  }
}

async function writeParquet(connection: DuckDBConnection, plan: SchemaPlan, target: string): Promise<void> {
  const branches = plan.files.map((binding) => branchSql(binding, plan.columns));
  // row_number() over the whole union: unique 0..n-1; the order follows the read order.
  const select = `SELECT (row_number() OVER () - 1)::BIGINT AS ${quoteIdent(ROW_ID_COLUMN)}, * FROM (${branches.join(' UNION ALL ')})`;
  try {
    await connection.run(`COPY (${select}) TO ${quoteString(target)} (FORMAT parquet, COMPRESSION zstd)`);
  } catch (e) {
    // Values beyond the type sniffer's sample fail only now; find which file said so.
    const message = e instanceof Error ? e.message : String(e);
    const culprit = plan.files.find((b) => message.includes(b.file.input.path)) ?? (plan.files.length === 1 ? plan.files[0] : undefined);
    if (culprit === undefined) throw new CrawlRefusal({ code: 'unreadable-file', message: `The files cannot be read together: ${message.split('\n')[0] ?? ''}` });
    throw new CrawlRefusal(await refine(translateReadError(e, culprit.file.input.path), culprit.file.input.path, culprit.file));
  }
}

function branchSql(binding: FileBinding, columns: readonly PlannedColumn[]): string {
  const { file } = binding;
  const items = columns.map((column) => {
    let value: string;
    if (column.partition) {
      const raw = binding.partitionValues.get(column.name);
      value = `CAST(${raw === null || raw === undefined ? 'NULL' : quoteString(raw)} AS ${column.readType})`;
    } else {
      const reader = binding.readerNames.get(column.name);
      if (reader === undefined) throw new Error(`Internal error: no reader column for ${column.name}`);
      value = `CAST(${quoteIdent(reader)} AS ${column.readType})`;
    }
    return `${transformSql(value, column)} AS ${quoteIdent(column.name)}`;
  });
  return `SELECT ${items.join(', ')} FROM ${sourceSql(file.input.path, file.format, file.compression)}`;
}

function transformSql(value: string, column: PlannedColumn): string {
  // trim() alone strips spaces only; identifiers pasted from spreadsheets carry tabs and CR.
  const normalized = `lower(trim(${value}, ' ' || chr(9) || chr(10) || chr(13)))`;
  switch (column.transform) {
    case 'none':
      return value;
    case 'normalize':
      return normalized;
    case 'hash':
      return `sha256(CAST(${value} AS VARCHAR))`;
    case 'normalize-hash':
      return `sha256(${normalized})`;
    default: {
      const never: never = column.transform;
      throw new Error(`Internal error: unknown transform ${String(never)}`);
    }
  }
}
