import { rm } from 'node:fs/promises';
import { invalid } from '../collaboration/errors.ts';
import type { Workspace } from '../collaboration/workspace.ts';
import type { CellValue } from '../engine/engine.ts';
import { CATALOG_LISTING, CATALOG_LISTING_COLUMNS, type CatalogTable, resultTables } from './catalog.ts';
import { DEFAULT_RESULTS_SQL_LIMITS, openSealedResultsEngine, runResultsSqlPage, type ResultsSqlLimits, type ResultsSqlPage, type StagedTable, type ValuesTable } from './engine.ts';
import { prepareResultsSql } from './prepare.ts';
import { savedSql } from './saved.ts';

/** Most rows one page returns (the API's and CLI's cap). */
export const MAX_PAGE_ROWS = 10_000;
export const DEFAULT_PAGE_ROWS = 1_000;

export type ResultsQuerySource = { readonly sql: string } | { readonly saved: string };

export interface ResultsQueryOptions {
  readonly offset?: number;
  readonly limit?: number;
  readonly signal?: AbortSignal;
  readonly limits?: Partial<ResultsSqlLimits>;
}

export interface ResultsQueryAnswer extends ResultsSqlPage {
  /** The SQL that ran: printed from the validated query, saved views expanded. */
  readonly executed: string;
  /** The result tables it read. */
  readonly tables: readonly string[];
}

/** The `results` listing as rows (names, ids, counts: no data values). */
export function listingTable(tables: readonly CatalogTable[]): ValuesTable {
  return {
    name: CATALOG_LISTING,
    columns: CATALOG_LISTING_COLUMNS,
    rows: tables.map((t): CellValue[] => [t.name, t.id, t.queryId, t.analysis, t.createdAt, t.rowCount]),
  };
}

/**
 * Decrypts the given result tables into a fresh private folder, runs `work` with them,
 * and removes the folder (and every staged copy) afterwards, whatever happens.
 */
export async function withStagedTables<T>(workspace: Workspace, tables: readonly CatalogTable[], work: (dir: string, staged: StagedTable[]) => Promise<T>): Promise<T> {
  const dir = await workspace.scratch.create('results-sql');
  try {
    return await workspace.store.withStagingScope(async () => {
      const staged: StagedTable[] = [];
      for (const [i, t] of tables.entries()) {
        const copy = await workspace.store.stageInto(t.storeKey, dir, `t${i}.${t.format}`);
        if (copy === undefined) throw new Error(`Internal error: result file ${t.storeKey} is missing from the store`);
        staged.push({ name: t.name, file: copy.path, format: t.format });
      }
      return work(dir, staged);
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function pageOf(options: ResultsQueryOptions): { offset: number; limit: number } {
  const offset = options.offset ?? 0;
  const limit = options.limit ?? DEFAULT_PAGE_ROWS;
  if (!Number.isInteger(offset) || offset < 0) throw invalid('bad-offset', 'offset must be a whole number, 0 or more.');
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_ROWS) throw invalid('bad-limit', `limit must be a whole number from 1 to ${MAX_PAGE_ROWS}.`);
  return { offset, limit };
}

/**
 * Runs a member's read-only SQL over the results it received (or one of its saved
 * queries) and returns one page of rows. It reads only that member's results, in an
 * engine of its own that can reach nothing else.
 *
 * @example
 *   const page = await queryResults(ws, 'brand', { sql: 'SELECT campaign_id, reach FROM q3_reach ORDER BY reach DESC' }, { limit: 100 });
 */
export async function queryResults(workspace: Workspace, member: string, source: ResultsQuerySource, options: ResultsQueryOptions = {}): Promise<ResultsQueryAnswer> {
  const page = pageOf(options);
  const sql = 'sql' in source ? source.sql : await savedSql(workspace, member, source.saved);
  const prepared = await prepareResultsSql(workspace, member, sql);
  const limits = { ...DEFAULT_RESULTS_SQL_LIMITS, ...options.limits };
  const values = prepared.readsListing ? [listingTable(await resultTables(workspace, member))] : [];
  const answer = await withStagedTables(workspace, prepared.tables, async (dir, staged) => {
    const engine = await openSealedResultsEngine(dir, staged, values, limits);
    try {
      return await runResultsSqlPage(engine.connection, prepared.sql, page, {
        timeoutMs: limits.timeoutMs,
        workDir: dir,
        ...(options.signal !== undefined ? { signal: options.signal } : {}),
      });
    } finally {
      engine.close();
    }
  });
  return { ...answer, executed: prepared.sql, tables: prepared.tables.map((t) => t.name) };
}
