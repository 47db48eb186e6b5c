import { refused } from '../collaboration/errors.ts';
import type { Workspace } from '../collaboration/workspace.ts';
import type { Query } from '../sql/ast.ts';
import { convertParsed } from '../sql/convert.ts';
import { duckdbDialect } from '../sql/dialect.ts';
import { printQuery } from '../sql/print.ts';
import { type ResultsSqlCatalog, validateResultsSql } from '../rules/results-sql-validate.ts';
import { CATALOG_LISTING, type CatalogTable, resultTables } from './catalog.ts';
import { savedViews } from './saved.ts';

/** Longest results-SQL text accepted (a query, not a data upload). */
export const MAX_SQL_LENGTH = 100_000;

export interface PreparedResultsSql {
  /** SQL printed from the validated AST: the only text the engine runs. */
  readonly sql: string;
  /** The member's result tables the query reads (directly or through views). */
  readonly tables: readonly CatalogTable[];
  /** Whether it reads the `results` listing. */
  readonly readsListing: boolean;
}

/** Parse with DuckDB's parser and convert with the closed converter; a refusal is thrown as `refused`. */
export async function convertResultsSql(workspace: Workspace, sql: string): Promise<Query> {
  if (sql.length > MAX_SQL_LENGTH) {
    throw refused({ code: 'query-too-long', rule: 'results-sql', message: `The query is longer than ${MAX_SQL_LENGTH} characters.` });
  }
  const parser = await workspace.parser();
  const converted = convertParsed(await parser.serialize(sql), sql);
  if (!converted.ok) throw refused(converted.error);
  return converted.value;
}

/**
 * The pipeline of results SQL up to the engine: parse, convert (closed), validate
 * against the member's own catalog (its results, the `results` listing, its saved
 * views, expanded), print.
 *
 * @example
 *   const p = await prepareResultsSql(ws, 'brand', 'SELECT count(*) FROM q3_overlap');
 *   p.sql // 'SELECT count(*) FROM "q3_overlap"'
 */
export async function prepareResultsSql(
  workspace: Workspace,
  member: string,
  sql: string,
  /** A view being saved: validated in place of the stored one of that name (loops are found). */
  pendingView?: { readonly name: string },
): Promise<PreparedResultsSql> {
  const query = await convertResultsSql(workspace, sql);
  const tables = await resultTables(workspace, member);
  const views = new Map(await savedViews(workspace, member));
  if (pendingView !== undefined) views.set(pendingView.name, query);
  const catalog: ResultsSqlCatalog = { tables: new Set([CATALOG_LISTING, ...tables.map((t) => t.name)]), views };
  const root: Query = pendingView === undefined
    ? query
    : { kind: 'query', with: [], body: { kind: 'select', distinct: false, items: [{ expr: { kind: 'star' } }], from: { kind: 'table', name: pendingView.name }, groupBy: [], orderBy: [] } };
  const validated = validateResultsSql(root, catalog, sql);
  if (!validated.ok) throw refused(validated.error);
  const read = new Set(validated.value.tables);
  return {
    sql: printQuery(validated.value.query, duckdbDialect),
    tables: tables.filter((t) => read.has(t.name)),
    readsListing: read.has(CATALOG_LISTING),
  };
}
