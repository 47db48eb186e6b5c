import type { DuckDBConnection } from '@duckdb/node-api';
import type { CellValue, ExactRows, ReleasedRows, ResultColumn } from './engine.ts';
import { quoteIdentifier, quoteString } from './quote.ts';

/**
 * The differential-privacy delivery path inside the sealed instance: the exact rows go
 * into a temporary table and into this process; the noisy values the caller returns go
 * into a second temporary table; the file written joins the two, so group keys keep
 * their engine types and no exact aggregate is ever written.
 */
const EXACT = '__cr_dp_exact';
const RELEASED = '__cr_dp_released';
const INDEX = '__cr_idx';
const ORDER = '__cr_ord';

export async function deliverReleased(
  connection: DuckDBConnection,
  sql: string,
  release: (exact: ExactRows) => ReleasedRows | Promise<ReleasedRows>,
  parquet: string,
  guard: <T>(statement: string, step: () => Promise<T>) => Promise<T>,
): Promise<void> {
  const materialise = `CREATE TEMP TABLE ${EXACT} AS SELECT (row_number() OVER ()) - 1 AS ${INDEX}, * FROM (${sql}) AS __cr_dp_source`;
  await guard(materialise, () => connection.run(materialise));
  const read = `SELECT * EXCLUDE (${INDEX}) FROM ${EXACT} ORDER BY ${INDEX}`;
  const reader = await guard(read, () => connection.runAndReadAll(read));
  const columns: ResultColumn[] = reader.columnNames().map((name, i) => ({ name, type: String(reader.columnTypes()[i]) }));
  const rows = reader.getRowsJson().map((row) => row.map((cell): CellValue => (cell === null || typeof cell === 'string' || typeof cell === 'number' || typeof cell === 'boolean' ? cell : JSON.stringify(cell))));
  const released = await release({ columns, rows });

  const definitions = [`${INDEX} BIGINT`, `${ORDER} BIGINT`, ...released.columns.map((c) => `${quoteIdentifier(c.name)} ${c.type}`)];
  await connection.run(`CREATE TEMP TABLE ${RELEASED} (${definitions.join(', ')})`);
  const appender = await connection.createAppender(RELEASED);
  released.rows.forEach((row, order) => {
    appender.appendBigInt(BigInt(row.index));
    appender.appendBigInt(BigInt(order));
    row.values.forEach((v, i) => {
      const type = released.columns[i]?.type;
      if (v === null) appender.appendNull();
      else if (type === 'BIGINT') appender.appendBigInt(typeof v === 'bigint' ? v : BigInt(Math.trunc(v)));
      else appender.appendDouble(Number(v));
    });
    appender.endRow();
  });
  appender.flushSync();
  appender.closeSync();
  const select = released.output.map((o) => {
    const source = o.exact !== undefined ? `e.${quoteIdentifier(o.exact)}` : `r.${quoteIdentifier(o.released ?? '')}`;
    return `${source} AS ${quoteIdentifier(o.name)}`;
  });
  const copy = `COPY (SELECT ${select.join(', ')} FROM ${RELEASED} r JOIN ${EXACT} e USING (${INDEX}) ORDER BY r.${ORDER}) TO ${quoteString(parquet)} (FORMAT parquet, COMPRESSION zstd)`;
  await guard(copy, () => connection.run(copy));
}
