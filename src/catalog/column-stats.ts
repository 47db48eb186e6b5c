import type { DuckDBConnection } from '@duckdb/node-api';
import type { ColumnSchema, ColumnStats } from './crawl-types.ts';
import { quoteIdent, quoteString } from './sql-text.ts';

/**
 * Per-column statistics of a written Parquet file, in one scan: null count, min and
 * max as text (absent for nested types, which have no useful order; timestamps as
 * ISO 8601 UTC with `Z` and dates as `YYYY-MM-DD`, as query results print them), and an
 * approximate distinct count (HyperLogLog: a few percent off on large columns).
 * HyperLogLog is visibly wrong on tiny columns (3 values can count as 2), so up to
 * EXACT_DISTINCT_ROWS rows the count is exact; it is cheap at that size.
 */
export const EXACT_DISTINCT_ROWS = 100_000;

export async function columnStats(
  connection: DuckDBConnection,
  parquetFile: string,
  columns: readonly ColumnSchema[],
  expectedRows: number,
): Promise<{ rowCount: number; stats: Record<string, ColumnStats> }> {
  const exact = expectedRows <= EXACT_DISTINCT_ROWS;
  const parts = ['count(*)::BIGINT'];
  for (const { name, type } of columns) {
    const c = quoteIdent(name);
    parts.push(
      `(count(*) - count(${c}))::BIGINT`,
      extremeSql('min', c, type),
      extremeSql('max', c, type),
      exact ? `count(DISTINCT ${c})::BIGINT` : `approx_count_distinct(${c})::BIGINT`,
    );
  }
  const reader = await connection.runAndReadAll(`SELECT ${parts.join(', ')} FROM read_parquet(${quoteString(parquetFile)})`);
  const row = reader.getRowsJS()[0];
  if (row === undefined) throw new Error('Internal error: statistics query returned no row');
  const stats: Record<string, ColumnStats> = {};
  columns.forEach(({ name, type }, i) => {
    const at = 1 + i * 4;
    stats[name] = {
      nullCount: Number(row[at]),
      min: extremeText(row[at + 1], type),
      max: extremeText(row[at + 2], type),
      approxDistinct: Number(row[at + 3]),
    };
  });
  return { rowCount: Number(row[0]), stats };
}

function isOrderable(type: string): boolean {
  return !/\[|^(STRUCT|MAP|UNION)\b/.test(type);
}

/** min/max of a column as text; NULL for types without a useful order. */
function extremeSql(aggregate: 'min' | 'max', column: string, type: string): string {
  if (!isOrderable(type)) return 'NULL::VARCHAR';
  // A TIMESTAMPTZ prints in the session's time zone, which is the host's: shift it to UTC
  // so the catalog says the same thing wherever the crawl ran.
  if (isZonedTimestamp(type)) return `timezone('UTC', ${aggregate}(${column}))::VARCHAR`;
  return `${aggregate}(${column})::VARCHAR`;
}

function isZonedTimestamp(type: string): boolean {
  return type === 'TIMESTAMP WITH TIME ZONE' || type === 'TIMESTAMPTZ';
}

/** TIMESTAMP, TIMESTAMP_S/_MS/_NS and TIMESTAMPTZ; DATE already prints as `YYYY-MM-DD`. */
function isTimestamp(type: string): boolean {
  return /^TIMESTAMP(_S|_MS|_NS)?$/.test(type) || isZonedTimestamp(type);
}

/**
 * DuckDB's UTC text `2024-01-02 03:04:05[.5]` -> `2024-01-02T03:04:05[.5]Z`, fractional
 * digits kept as DuckDB wrote them, like query results (src/engine/cell-values.ts, which
 * the catalog may not import). Text that is not such a timestamp (`infinity`, BC dates)
 * stays as DuckDB wrote it rather than being dressed up as ISO 8601.
 */
function isoUtc(text: string): string {
  const m = /^(\d{4,}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}(?:\.\d+)?)$/.exec(text);
  return m === null ? text : `${m[1]}T${m[2]}Z`;
}

function extremeText(value: unknown, type: string): string | null {
  if (typeof value !== 'string') return null;
  return isTimestamp(type) ? isoUtc(value) : value;
}
