import { randomUUID } from 'node:crypto';
import type { ResultColumn } from '../engine/engine.ts';
import type { ResultFileFormat } from '../engine/result-file-reader.ts';
import { conflict, invalid, notFound } from '../collaboration/errors.ts';
import { logEvent } from '../collaboration/events.ts';
import { nowIso } from '../collaboration/clock.ts';
import type { Workspace } from '../collaboration/workspace.ts';
import { checkResultsSqlName, defaultResultName } from '../rules/results-sql-validate.ts';

/** One result the member received, as a table of its results-SQL catalog. */
export interface CatalogTable {
  /** The SQL table name: the member's chosen name, else the default. */
  readonly name: string;
  /** True when the member chose the name (`results name`). */
  readonly named: boolean;
  readonly id: string;
  readonly queryId: string;
  /** The analysis template the result came from, if any. */
  readonly analysis: string | null;
  readonly columns: readonly ResultColumn[];
  readonly rowCount: number;
  readonly createdAt: string;
  readonly format: ResultFileFormat;
  /** The store's key (for staging); never shown to members over the API. */
  readonly storeKey: string;
}

/** The table that lists the catalog itself, readable in results SQL. */
export const CATALOG_LISTING = 'results';
export const CATALOG_LISTING_COLUMNS: readonly ResultColumn[] = [
  { name: 'name', type: 'VARCHAR' },
  { name: 'id', type: 'VARCHAR' },
  { name: 'query_id', type: 'VARCHAR' },
  { name: 'analysis', type: 'VARCHAR' },
  { name: 'created_at', type: 'VARCHAR' },
  { name: 'row_count', type: 'BIGINT' },
];

/**
 * The member's result tables, oldest first. Only rows of `results` whose receiver is
 * the member: this is the one place that decides what results SQL can read.
 *
 * @example
 *   (await resultTables(ws, 'brand')).map((t) => t.name) // ['attribution_1a2b3c4d', 'q3_reach']
 */
export async function resultTables(workspace: Workspace, member: string): Promise<CatalogTable[]> {
  const rows = await workspace.db
    .selectFrom('results')
    .leftJoin('queries', 'queries.id', 'results.query_id')
    .leftJoin('templates', 'templates.id', 'queries.template_id')
    .leftJoin('result_names', (j) => j.onRef('result_names.result_id', '=', 'results.id').on('result_names.member', '=', member))
    .select([
      'results.id as id',
      'results.query_id as queryId',
      'results.format as format',
      'results.columns_json as columnsJson',
      'results.row_count as rowCount',
      'results.created_at as createdAt',
      'results.store_key as storeKey',
      'templates.name as analysis',
      'result_names.name as chosen',
    ])
    .where('results.member', '=', member)
    .orderBy('results.created_at')
    .orderBy('results.id')
    .execute();
  // A default name never shadows a chosen one (or another default): it then takes the whole id.
  const used = new Set(rows.flatMap((r) => (r.chosen === null ? [] : [r.chosen])));
  const nameOf = (r: (typeof rows)[number]): string => {
    if (r.chosen !== null) return r.chosen;
    const short = defaultResultName(r.analysis ?? undefined, r.id);
    const name = used.has(short) ? `${short}${r.id.toLowerCase().replaceAll(/[^a-z0-9]/g, '').slice(8)}` : short;
    used.add(name);
    return name;
  };
  return rows.map((r) => ({
    name: nameOf(r),
    named: r.chosen !== null,
    id: r.id,
    queryId: r.queryId,
    analysis: r.analysis ?? null,
    columns: JSON.parse(r.columnsJson) as ResultColumn[],
    rowCount: Number(r.rowCount),
    createdAt: r.createdAt,
    format: r.format === 'csv' ? 'csv' : 'parquet',
    storeKey: r.storeKey,
  }));
}

/** The catalog table of one of the member's results by id or name; another's is unknown. */
export async function findResultTable(workspace: Workspace, member: string, idOrName: string): Promise<CatalogTable> {
  const found = (await resultTables(workspace, member)).find((t) => t.id === idOrName || t.name === idOrName);
  if (found === undefined) {
    throw notFound('unknown-result', `member '${member}' has no result '${idOrName.slice(0, 80)}'`, 'list yours with `cleanroom results catalog`');
  }
  return found;
}

/**
 * Gives one of the member's results a table name for results SQL (`null` goes back to
 * the default). The name must be free among the member's result tables and saved
 * queries and views.
 *
 * @example
 *   await nameResult(ws, 'brand', '1a2b3c4d-...', 'q3_overlap');
 */
export async function nameResult(workspace: Workspace, member: string, resultId: string, name: string | null): Promise<CatalogTable> {
  const tables = await resultTables(workspace, member);
  const target = tables.find((t) => t.id === resultId);
  if (target === undefined) throw notFound('unknown-result', `member '${member}' has no result '${resultId.slice(0, 80)}'`, 'list yours with `cleanroom results catalog`');
  if (name !== null) {
    const problem = checkResultsSqlName(name);
    if (problem !== undefined) throw invalid(problem.code, problem.message, problem.hint);
    await assertNameFree(workspace, member, name, { resultId });
  }
  const live = new Set(tables.map((t) => t.id));
  await workspace.db.transaction().execute(async (trx) => {
    // Names of deleted results are dropped here, so that they free their names.
    const stale = (await trx.selectFrom('result_names').select('result_id').where('member', '=', member).execute())
      .map((r) => r.result_id)
      .filter((id) => !live.has(id));
    if (stale.length > 0) await trx.deleteFrom('result_names').where('member', '=', member).where('result_id', 'in', stale).execute();
    await trx.deleteFrom('result_names').where('result_id', '=', resultId).where('member', '=', member).execute();
    if (name !== null) {
      await trx.insertInto('result_names').values({ result_id: resultId, member, name, created_at: nowIso() }).execute();
    }
    await logEvent(trx, member, 'result.name', resultId, { name });
  });
  return findResultTable(workspace, member, resultId);
}

/**
 * Refuses a name already used by another of the member's result tables, saved queries
 * or views (`except` is the thing being renamed or replaced).
 */
export async function assertNameFree(
  workspace: Workspace,
  member: string,
  name: string,
  except: { readonly resultId?: string; readonly savedName?: string },
): Promise<void> {
  const taken = (await resultTables(workspace, member)).find((t) => t.name === name && t.id !== except.resultId);
  if (taken !== undefined) throw conflict('name-taken', `'${name}' is already the name of your result ${taken.id}.`, 'Choose another name.');
  if (except.savedName !== name) {
    const saved = await workspace.db.selectFrom('results_sql_saved').select('kind').where('member', '=', member).where('name', '=', name).executeTakeFirst();
    if (saved !== undefined) throw conflict('name-taken', `'${name}' is already the name of your saved ${saved.kind}.`, 'Choose another name.');
  }
}

/** A fresh id for saved queries. */
export function newSavedId(): string {
  return randomUUID();
}
