import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { conflict } from '../collaboration/errors.ts';
import type { Workspace } from '../collaboration/workspace.ts';
import { quoteIdentifier, quoteString } from '../engine/quote.ts';
import { CATALOG_LISTING, type CatalogTable, resultTables } from './catalog.ts';
import { DEFAULT_RESULTS_SQL_LIMITS, engineProblem, openSealedResultsEngine } from './engine.ts';
import { prepareResultsSql } from './prepare.ts';
import { listSaved } from './saved.ts';
import { listingTable, withStagedTables } from './run.ts';

export type ExportAllFormat = 'duckdb' | 'parquet';

export interface ExportAllReport {
  readonly format: ExportAllFormat;
  readonly destination: string;
  /** Result tables written, then the `results` listing and the saved views. */
  readonly tables: readonly string[];
  readonly views: readonly string[];
}

/**
 * Writes every result the member received, for BI tools: `duckdb` makes one DuckDB
 * database file (a table per result, the `results` listing, the saved views as views);
 * `parquet` a folder with one `<name>.parquet` per result, `results.parquet` and one file
 * per saved view (its rows at export time). The output appears whole or not at all.
 *
 * @example
 *   await exportAllResults(ws, 'brand', './brand-results.duckdb', 'duckdb');
 */
export async function exportAllResults(workspace: Workspace, member: string, destination: string, format: ExportAllFormat): Promise<ExportAllReport> {
  const out = resolve(destination);
  const tables = await resultTables(workspace, member);
  const views: { name: string; sql: string }[] = [];
  for (const saved of await listSaved(workspace, member)) {
    if (saved.kind !== 'view') continue;
    // Printed from the validated tree: views expanded, names quoted.
    views.push({ name: saved.name, sql: (await prepareResultsSql(workspace, member, saved.sql)).sql });
  }
  const listing = listingTable(tables);
  if (format === 'duckdb') await exportDuckDb(workspace, tables, listing, views, out);
  else await exportParquet(workspace, tables, listing, views, out);
  return { format, destination: out, tables: [...tables.map((t) => t.name), CATALOG_LISTING], views: views.map((v) => v.name) };
}

async function exportDuckDb(
  workspace: Workspace,
  tables: readonly CatalogTable[],
  listing: ReturnType<typeof listingTable>,
  views: readonly { name: string; sql: string }[],
  out: string,
): Promise<void> {
  if (await exists(out)) throw conflict('destination-exists', `${out} already exists.`, 'Choose a new file name or remove the old file.');
  const partial = join(dirname(out), `.${basename(out)}.partial`);
  await rm(partial, { force: true });
  await rm(`${partial}.wal`, { force: true });
  try {
    await withStagedTables(workspace, tables, async (dir, staged) => {
      // Sealed like a query engine, in a file-backed instance whose database is the export.
      const engine = await openSealedResultsEngine(dir, staged.map((s) => ({ ...s, name: `__cr_src_${s.name}` })), [listing], DEFAULT_RESULTS_SQL_LIMITS, [], partial);
      try {
        for (const t of tables) {
          await engine.connection.run(`CREATE TABLE ${quoteIdentifier(t.name)} AS SELECT * FROM ${quoteIdentifier(`__cr_src_${t.name}`)}`);
          await engine.connection.run(`DROP VIEW ${quoteIdentifier(`__cr_src_${t.name}`)}`);
        }
        for (const v of views) await engine.connection.run(`CREATE VIEW ${quoteIdentifier(v.name)} AS ${v.sql}`);
        await engine.connection.run('CHECKPOINT');
      } catch (e) {
        throw engineProblem(e, dir);
      } finally {
        engine.close();
      }
    });
    await rename(partial, out);
  } finally {
    await rm(partial, { force: true });
    await rm(`${partial}.wal`, { force: true });
  }
}

async function exportParquet(
  workspace: Workspace,
  tables: readonly CatalogTable[],
  listing: ReturnType<typeof listingTable>,
  views: readonly { name: string; sql: string }[],
  out: string,
): Promise<void> {
  if ((await exists(out)) && (await readdir(out)).length > 0) {
    throw conflict('destination-exists', `${out} is not empty.`, 'Choose a new folder or empty this one.');
  }
  const names = [...tables.map((t) => t.name), CATALOG_LISTING, ...views.map((v) => v.name)];
  const partial = join(dirname(out), `.${basename(out)}.partial`);
  await rm(partial, { recursive: true, force: true });
  await mkdir(partial, { recursive: true, mode: 0o700 });
  const files = names.map((n) => join(partial, `${n}.parquet`));
  try {
    await withStagedTables(workspace, tables, async (dir, staged) => {
      const engine = await openSealedResultsEngine(dir, staged, [listing], DEFAULT_RESULTS_SQL_LIMITS, files);
      try {
        const sources = [...tables.map((t) => quoteIdentifier(t.name)), quoteIdentifier(CATALOG_LISTING), ...views.map((v) => `(${v.sql})`)];
        for (const [i, source] of sources.entries()) {
          await engine.connection.run(`COPY (SELECT * FROM ${source}) TO ${quoteString(files[i] ?? '')} (FORMAT parquet, COMPRESSION zstd)`);
        }
      } catch (e) {
        throw engineProblem(e, dir);
      } finally {
        engine.close();
      }
    });
    await mkdir(out, { recursive: true });
    for (const n of names) await rename(join(partial, `${n}.parquet`), join(out, `${n}.parquet`));
  } finally {
    await rm(partial, { recursive: true, force: true });
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await readdir(dirname(path));
  } catch {
    throw conflict('destination-missing', `The folder ${dirname(path)} does not exist.`);
  }
  return (await readdir(dirname(path))).includes(basename(path));
}
