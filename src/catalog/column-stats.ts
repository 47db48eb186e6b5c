import type { DuckDBConnection } from '@duckdb/node-api';
import type { ColumnSchema, ColumnStats } from './crawl-types.ts';
import { quoteIdent, quoteString } from './sql-text.ts';

/**
 * Per-column statistics of a written Parquet file, in one scan: null count, min and
 * max as text (absent for nested types, which have no useful order), and an
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
    const ordered = isOrderable(type);
    parts.push(
      `(count(*) - count(${c}))::BIGINT`,
      ordered ? `min(${c})::VARCHAR` : 'NULL::VARCHAR',
      ordered ? `max(${c})::VARCHAR` : 'NULL::VARCHAR',
      exact ? `count(DISTINCT ${c})::BIGINT` : `approx_count_distinct(${c})::BIGINT`,
    );
  }
  const reader = await connection.runAndReadAll(`SELECT ${parts.join(', ')} FROM read_parquet(${quoteString(parquetFile)})`);
  const row = reader.getRowsJS()[0];
  if (row === undefined) throw new Error('Internal error: statistics query returned no row');
  const stats: Record<string, ColumnStats> = {};
  columns.forEach(({ name }, i) => {
    const at = 1 + i * 4;
    stats[name] = {
      nullCount: Number(row[at]),
      min: text(row[at + 1]),
      max: text(row[at + 2]),
      approxDistinct: Number(row[at + 3]),
    };
  });
  return { rowCount: Number(row[0]), stats };
}

function isOrderable(type: string): boolean {
  return !/\[|^(STRUCT|MAP|UNION)\b/.test(type);
}

function text(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}
