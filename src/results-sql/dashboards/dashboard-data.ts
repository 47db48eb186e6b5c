import { CleanroomError, invalid, notFound, refused } from '../../collaboration/errors.ts';
import type { Workspace } from '../../collaboration/workspace.ts';
import type { CellValue, ResultColumn } from '../../engine/engine.ts';
import type { Expr, LiteralValue, Query } from '../../sql/ast.ts';
import { duckdbDialect } from '../../sql/dialect.ts';
import { printQuery } from '../../sql/print.ts';
import { validateResultsSql } from '../../rules/results-sql-validate.ts';
import { CATALOG_LISTING, type CatalogTable, resultTables } from '../catalog.ts';
import { DEFAULT_RESULTS_SQL_LIMITS, openSealedResultsEngine, runResultsSqlPage } from '../engine.ts';
import { convertResultsSql } from '../prepare.ts';
import { listingTable, withStagedTables } from '../run.ts';
import { savedSql, savedViews } from '../saved.ts';
import { type DashboardSpec, type FilterValue, MAX_VISUAL_ROWS, type Visual } from './dashboard-spec.ts';

/** The alias of a visual's own query inside the query that filters and sorts it. */
const INNER = 'v';

/** A visual's query over the owner's catalog, validated, before filters. */
export interface VisualQuery {
  readonly query: Query;
  readonly sqlText: string;
  readonly tables: readonly CatalogTable[];
  readonly readsListing: boolean;
}

export interface VisualData {
  readonly visual: string;
  readonly kind: Visual['kind'];
  readonly columns: readonly ResultColumn[];
  readonly rows: readonly (readonly CellValue[])[];
  /** More rows than the visual's limit: the rest were left out. */
  readonly truncated: boolean;
  /** The SQL that ran (printed from the validated tree, filters as literals). */
  readonly executed: string;
  /** The results it read: their names, analyses and times (a dashboard shows how fresh it is). */
  readonly sources: readonly { readonly name: string; readonly analysis: string | null; readonly createdAt: string }[];
  /** Filters applied, by id, with the values used. */
  readonly filters: Readonly<Record<string, readonly FilterValue[]>>;
}

interface OwnerCatalog {
  readonly tables: readonly CatalogTable[];
  readonly views: ReadonlyMap<string, Query>;
}

export async function ownerCatalog(workspace: Workspace, owner: string): Promise<OwnerCatalog> {
  return { tables: await resultTables(workspace, owner), views: await savedViews(workspace, owner) };
}

function selectAll(from: string): Query {
  return {
    kind: 'query',
    with: [],
    body: { kind: 'select', distinct: false, items: [{ expr: { kind: 'star' } }], from: { kind: 'table', name: from }, groupBy: [], orderBy: [] },
  };
}

function validated(query: Query, catalog: OwnerCatalog, sqlText: string): { query: Query; tables: readonly string[] } {
  const result = validateResultsSql(query, { tables: new Set([CATALOG_LISTING, ...catalog.tables.map((t) => t.name)]), views: catalog.views }, sqlText);
  if (!result.ok) throw refused(result.error);
  return result.value;
}

/**
 * The visual's source as a validated results-SQL query over the owner's catalog: a
 * table, a saved query, SQL text, or the newest result of an analysis (read as `latest`).
 */
export async function visualQuery(workspace: Workspace, owner: string, visual: Visual, catalog: OwnerCatalog): Promise<VisualQuery> {
  const source = visual.source;
  let query: Query;
  let sqlText = '';
  switch (source.kind) {
    case 'table': {
      const table = catalog.tables.find((t) => t.name === source.table || t.id === source.table);
      if (table === undefined) throw notFound('unknown-result', `visual '${visual.id}': there is no result table '${source.table.slice(0, 80)}'`, 'list them with `cleanroom results catalog`');
      query = selectAll(table.name);
      break;
    }
    case 'saved':
      sqlText = await savedSql(workspace, owner, source.name);
      query = await convertResultsSql(workspace, sqlText);
      break;
    case 'sql':
      sqlText = source.sql;
      query = await convertResultsSql(workspace, sqlText);
      break;
    case 'latest-of-analysis': {
      const latest = latestOf(catalog.tables, source.analysis);
      if (latest === undefined) {
        throw notFound('no-analysis-result', `visual '${visual.id}': there is no result of the analysis '${source.analysis}' yet`, `run it: cleanroom insights run ${source.analysis} ...`);
      }
      if (source.sql === undefined) {
        query = selectAll(latest.name);
      } else {
        sqlText = source.sql;
        const own = await convertResultsSql(workspace, sqlText);
        // The newest result is the CTE `latest`, so the text never names a result table.
        query = { ...own, with: [{ name: 'latest', query: selectAll(latest.name) }, ...own.with] };
      }
      break;
    }
    default: {
      const never: never = source;
      throw new Error(`Internal error: unhandled visual source ${JSON.stringify(never)}`);
    }
  }
  const checked = validated(query, catalog, sqlText);
  const read = new Set(checked.tables);
  return { query: checked.query, sqlText, tables: catalog.tables.filter((t) => read.has(t.name)), readsListing: read.has(CATALOG_LISTING) };
}

/** The owner's newest result of an analysis (results are listed oldest first). */
export function latestOf(tables: readonly CatalogTable[], analysis: string): CatalogTable | undefined {
  return tables.filter((t) => t.analysis === analysis).at(-1);
}

const NUMERIC = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|DOUBLE|DECIMAL)/i;

/** A filter value as a literal of the column's kind; never spliced as text (the printer escapes it). */
function literalFor(value: FilterValue, column: ResultColumn, path: string): LiteralValue {
  if (/^BOOLEAN/i.test(column.type)) {
    if (typeof value === 'boolean') return { type: 'boolean', value };
    if (value === 'true' || value === 'false') return { type: 'boolean', value: value === 'true' };
    throw invalid('filter-value-type', `${path}: column '${column.name}' holds booleans; ${JSON.stringify(value).slice(0, 60)} is not one`);
  }
  if (NUMERIC.test(column.type)) {
    const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
    if (!Number.isFinite(n)) throw invalid('filter-value-type', `${path}: column '${column.name}' holds numbers; ${JSON.stringify(value).slice(0, 60)} is not one`);
    return Number.isInteger(n) ? { type: 'integer', value: String(n) } : { type: 'double', value: n };
  }
  return { type: 'string', value: String(value) };
}

/**
 * Rows of one visual for whoever may see the dashboard, read from the OWNER's results:
 * the visual's validated query, wrapped in `SELECT * FROM (...) AS v WHERE <filters>
 * ORDER BY <sort>`, the wrapper validated again and printed (filter values become
 * literals through the printer's escaping), at most `limit` rows.
 *
 * @example
 *   await visualData(ws, 'brand', spec, 'reach', { campaign: ['c1'] });
 */
export async function visualData(
  workspace: Workspace,
  owner: string,
  spec: DashboardSpec,
  visualId: string,
  overrides: Readonly<Record<string, readonly FilterValue[]>> = {},
  options: {
    readonly signal?: AbortSignal;
    readonly allowListing?: boolean;
    /** For a viewer: the results (ids) its share was just checked against; any other is refused. */
    readonly onlyResults?: ReadonlySet<string>;
  } = {},
): Promise<VisualData> {
  const visual = spec.visuals.find((v) => v.id === visualId);
  if (visual === undefined) throw notFound('unknown-visual', `the dashboard has no visual '${visualId.slice(0, 40)}'`);
  for (const id of Object.keys(overrides)) {
    if (!spec.filters.some((f) => f.id === id)) throw invalid('unknown-filter', `filters.${id.slice(0, 40)}: the dashboard has no such filter`);
  }
  const catalog = await ownerCatalog(workspace, owner);
  const prepared = await visualQuery(workspace, owner, visual, catalog);
  // A newer result may have arrived since the share was checked (the newest of an
  // analysis can come from another collaboration): only the checked ones are read.
  const unchecked = options.onlyResults === undefined ? [] : prepared.tables.filter((t) => !options.onlyResults?.has(t.id));
  if (unchecked.length > 0) {
    throw new CleanroomError('forbidden', { code: 'share-not-allowed', rule: 'dashboards', message: 'The results behind this dashboard changed while it was being read; open it again.' });
  }
  if (prepared.readsListing && options.allowListing === false) {
    throw refused({ code: 'listing-not-shared', rule: 'dashboards', message: `visual '${visual.id}' reads the owner's results listing, which is never shown to others.` });
  }
  const limits = DEFAULT_RESULTS_SQL_LIMITS;
  const values = prepared.readsListing ? [listingTable(catalog.tables)] : [];
  const limit = Math.min(visual.limit ?? MAX_VISUAL_ROWS, MAX_VISUAL_ROWS);
  return withStagedTables(workspace, prepared.tables, async (dir, staged) => {
    const engine = await openSealedResultsEngine(dir, staged, values, limits);
    const run = (sql: string, rows: number) =>
      runResultsSqlPage(engine.connection, sql, { offset: 0, limit: rows }, { timeoutMs: limits.timeoutMs, workDir: dir, ...(options.signal !== undefined ? { signal: options.signal } : {}) });
    try {
      // The columns first (no rows), so that filters and fields are checked by name.
      const probe = wrap(prepared.query, undefined, [], { kind: 'literal', value: { type: 'integer', value: '0' } });
      const columns = (await run(printQuery(validated(probe, catalog, prepared.sqlText).query, duckdbDialect), 1)).columns;
      const byName = new Map(columns.map((c) => [c.name, c]));
      const fieldColumns = [visual.fields.x, ...(visual.fields.y ?? []), visual.fields.series, visual.fields.value, visual.fields.label, ...(visual.fields.sets ?? []), visual.fields.low, visual.fields.high, ...(visual.fields.columns ?? []), visual.sort?.column];
      for (const c of fieldColumns) {
        if (c !== undefined && !byName.has(c)) {
          throw invalid('unknown-column', `visual '${visual.id}': its rows have no column '${c.slice(0, 80)}'`, `its columns: ${columns.map((x) => x.name).join(', ')}`);
        }
      }
      const applied: Record<string, readonly FilterValue[]> = {};
      const conditions: Expr[] = [];
      for (const filter of spec.filters) {
        const targeted = filter.visuals?.includes(visual.id) ?? false;
        const column = byName.get(filter.column);
        if (column === undefined) {
          if (targeted) throw invalid('unknown-column', `filter '${filter.id}': visual '${visual.id}' has no column '${filter.column.slice(0, 80)}'`);
          continue;
        }
        if (filter.visuals !== undefined && !targeted) continue;
        // Own keys only: a filter id such as `constructor` must not find Object's.
        const chosen = (Object.hasOwn(overrides, filter.id) ? overrides[filter.id] : undefined) ?? filter.values;
        if (chosen === undefined || chosen.length === 0) continue;
        applied[filter.id] = chosen;
        conditions.push({
          kind: 'in-list',
          operand: { kind: 'column', table: INNER, name: column.name },
          list: chosen.map((v, i) => ({ kind: 'literal', value: literalFor(v, column, `filters.${filter.id}[${i}]`) })),
          negated: false,
        });
      }
      const where = conditions.reduce<Expr | undefined>((acc, c) => (acc === undefined ? c : { kind: 'binary', op: 'AND', left: acc, right: c }), undefined);
      const order = visual.sort === undefined ? [] : [{ expr: { kind: 'column', table: INNER, name: visual.sort.column } as Expr, direction: visual.sort.direction }];
      const final = validated(wrap(prepared.query, where, order, undefined), catalog, prepared.sqlText).query;
      const executed = printQuery(final, duckdbDialect);
      const page = await run(executed, limit);
      return {
        visual: visual.id,
        kind: visual.kind,
        columns: page.columns,
        rows: page.rows,
        truncated: page.hasMore,
        executed,
        sources: prepared.tables.map((t) => ({ name: t.name, analysis: t.analysis, createdAt: t.createdAt })),
        filters: applied,
      };
    } finally {
      engine.close();
    }
  });
}

function wrap(inner: Query, where: Expr | undefined, orderBy: Query['body']['orderBy'], limit: Expr | undefined): Query {
  return {
    kind: 'query',
    with: [],
    body: {
      kind: 'select',
      distinct: false,
      items: [{ expr: { kind: 'star' } }],
      from: { kind: 'subquery-relation', query: inner, alias: INNER },
      ...(where !== undefined ? { where } : {}),
      groupBy: [],
      orderBy,
      ...(limit !== undefined ? { limit } : {}),
    },
  };
}

/** A text cell a spreadsheet would run as a formula (OWASP, "CSV Injection"). */
const FORMULA_START = /^[=+\-@\t\r]/;
/** How a numeric column's cell may look: DECIMAL and big integers arrive as strings. */
const PLAIN_NUMBER = /^-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * One CSV cell. Text starting with = + - @, a tab or a carriage return gets a leading
 * single quote (and quotes around it), so that a spreadsheet opening the export shows
 * it as text instead of evaluating it: a result value such as `=HYPERLINK(...)` comes
 * from the data of other members. Numbers of numeric columns (a negative one starts
 * with -) are left alone.
 */
function csvField(value: CellValue, numeric: boolean): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  const text = String(value);
  if (numeric && PLAIN_NUMBER.test(text)) return text;
  if (FORMULA_START.test(text)) return `"'${text.replaceAll('"', '""')}"`;
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** A visual's rows as CSV, header first, cells escaped against formula injection. */
export function visualCsv(data: Pick<VisualData, 'columns' | 'rows'>): string {
  const numeric = data.columns.map((c) => NUMERIC.test(c.type));
  const lines = [data.columns.map((c) => csvField(c.name, false)).join(','), ...data.rows.map((r) => r.map((v, i) => csvField(v, numeric[i] ?? false)).join(','))];
  return `${lines.join('\n')}\n`;
}
