/**
 * Column statistics of a result table (nulls, distinct values, minimum, maximum, mean)
 * as ONE results-SQL query, so they go through the same validator and sealed engine as
 * any query of the receiver (docs/results-sql.md) and need no route of their own.
 * Part of the client (plain functions, no I/O): `client.resultsSql.columnStats`, the web
 * UI's result page and `cleanroom results stats` use it.
 */

export interface StatsColumn {
  readonly name: string;
  readonly type: string;
}

export interface ColumnStat {
  readonly column: string;
  readonly type: string;
  readonly nulls: number;
  readonly distinct: number;
  /** As the engine returns them (DECIMAL and big integers as text); null when all are null or the type has no order. */
  readonly min: string | number | boolean | null;
  readonly max: string | number | boolean | null;
  /** Numeric columns only. */
  readonly mean: number | null;
}

const NUMERIC = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UHUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|REAL|DOUBLE|DECIMAL)/i;
/** Nested types have no useful minimum or maximum. */
const NESTED = /(\[\d*\]|^STRUCT|^MAP|^UNION|^LIST)/i;

export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * The query: one row, `rows` then per column i `c{i}_present`, `c{i}_distinct` and, where
 * they apply, `c{i}_min`, `c{i}_max`, `c{i}_mean`.
 *
 * @example
 *   columnStatsSql('reach', [{ name: 'campaign_id', type: 'VARCHAR' }, { name: 'users', type: 'BIGINT' }])
 */
export function columnStatsSql(table: string, columns: readonly StatsColumn[]): string {
  const parts = ['COUNT(*) AS "rows"'];
  columns.forEach((c, i) => {
    const col = quoteIdentifier(c.name);
    parts.push(`COUNT(${col}) AS c${i}_present`, `COUNT(DISTINCT ${col}) AS c${i}_distinct`);
    if (!NESTED.test(c.type)) parts.push(`MIN(${col}) AS c${i}_min`, `MAX(${col}) AS c${i}_max`);
    if (NUMERIC.test(c.type) && !NESTED.test(c.type)) parts.push(`AVG(CAST(${col} AS DOUBLE)) AS c${i}_mean`);
  });
  return `SELECT ${parts.join(', ')} FROM ${quoteIdentifier(table)}`;
}

type Cell = string | number | boolean | null;

function asNumber(v: Cell | undefined): number {
  return typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : 0;
}

/** Reads the query's one row back into a statistic per column. */
export function columnStats(columns: readonly StatsColumn[], answer: { readonly columns: readonly { readonly name: string }[]; readonly rows: readonly (readonly Cell[])[] }): ColumnStat[] {
  const row = answer.rows[0] ?? [];
  const at = new Map(answer.columns.map((c, i) => [c.name, i]));
  const get = (name: string): Cell | undefined => {
    const i = at.get(name);
    return i === undefined ? undefined : row[i];
  };
  const total = asNumber(get('rows'));
  return columns.map((c, i) => {
    const mean = get(`c${i}_mean`);
    return {
      column: c.name,
      type: c.type,
      nulls: total - asNumber(get(`c${i}_present`)),
      distinct: asNumber(get(`c${i}_distinct`)),
      min: get(`c${i}_min`) ?? null,
      max: get(`c${i}_max`) ?? null,
      mean: mean === undefined || mean === null ? null : asNumber(mean),
    };
  });
}

/** A result as the catalog lists it: what the statistics need. */
interface CatalogEntry {
  readonly id: string;
  readonly name: string;
  readonly rowCount: number;
  readonly columns: readonly StatsColumn[];
}

/**
 * The statistics of one result found in `tables` by id or name (undefined when the member
 * has no such result), `run` answering the one results-SQL query: the client over HTTP
 * and the CLI's embedded backend share this.
 */
export async function statsOfResult(
  result: string,
  tables: readonly CatalogEntry[],
  run: (sql: string) => Promise<{ readonly columns: readonly { readonly name: string }[]; readonly rows: readonly (readonly Cell[])[] }>,
): Promise<{ table: string; rows: number; columns: ColumnStat[] } | undefined> {
  const table = tables.find((t) => t.id === result || t.name === result);
  if (table === undefined) return undefined;
  return { table: table.name, rows: table.rowCount, columns: columnStats(table.columns, await run(columnStatsSql(table.name, table.columns))) };
}
