/**
 * Test-only helpers for the measurement analyses' tests: run an analysis's SQL on a
 * plain in-memory DuckDB (tables substituted for `{{role}}`, literal values for
 * `:name`), check that the SQL converts through the clean room's allowlisted AST and
 * that the printed (non-failing) form returns the same rows, and load generated data.
 * Not used by production code.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { encodeCell } from '../../engine/cell-values.ts';
import { DuckDbParser } from '../../engine/duckdb-parser.ts';
import { convertParsed } from '../../sql/convert.ts';
import { duckdbDialect } from '../../sql/dialect.ts';
import { printQuery } from '../../sql/print.ts';
import { generateMediaData } from '../../synthetic/generate.ts';
import type { Analysis, AnalysisRows, TableRole } from '../analysis.ts';

export type TestTables = Partial<Record<TableRole, string>>;
export type TestParams = Readonly<Record<string, string | number>>;

export async function openDb(): Promise<DuckDBConnection> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '2', memory_limit: '512MB'});
  return instance.connect();
}

const ROLE = /\{\{([a-z_]+)\}\}/g;
/** `:name` not preceded by `:` (a `::` cast) nor by a word character. */
const PARAM = /(?<![:\w]):([A-Za-z_][A-Za-z0-9_]*)/g;

function literal(analysis: Analysis, name: string, value: string | number): string {
  const spec = analysis.parameters.find((p) => p.name === name);
  if (spec === undefined) throw new Error(`${analysis.name}: no parameter ${name}`);
  switch (spec.type) {
    case 'VARCHAR': return `'${String(value).replaceAll("'", "''")}'`;
    case 'INTEGER': case 'BIGINT': case 'DOUBLE': case 'DECIMAL': {
      const n = Number(value);
      if (!Number.isFinite(n)) throw new Error(`${name}: not a number`);
      return `CAST(${n} AS ${spec.type})`;
    }
    case 'BOOLEAN': return String(value) === 'true' ? 'TRUE' : 'FALSE';
    case 'DATE': case 'TIMESTAMP': return `${spec.type} '${String(value)}'`;
  }
}

function substituteTables(sql: string, tables: TestTables): string {
  return sql.replace(ROLE, (_, role: string) => {
    const name = tables[role as TableRole];
    if (name === undefined) throw new Error(`no table for role ${role}`);
    return name;
  });
}

/** The analysis SQL with table names and literal parameter values (defaults for the ones not given). */
export function bindForTest(analysis: Analysis, tables: TestTables, params: TestParams = {}): string {
  const values = new Map<string, string | number>();
  for (const p of analysis.parameters) if (p.default !== undefined) values.set(p.name, p.default);
  for (const [k, v] of Object.entries(params)) values.set(k, v);
  return substituteTables(analysis.sql, tables).replace(PARAM, (_, name: string) => {
    const v = values.get(name);
    if (v === undefined) throw new Error(`${analysis.name}: no value for :${name}`);
    return literal(analysis, name, v);
  });
}

export async function rowsOf(db: DuckDBConnection, sql: string): Promise<AnalysisRows> {
  const reader = await db.runAndReadAll(sql);
  const columns = reader.columnNames();
  const types = reader.columnTypes().map((t) => t.toString());
  const rows = (reader.getRowsJson() as unknown[][]).map((r) => r.map((v, i) => encodeCell(v, types[i] ?? 'VARCHAR')));
  return { columns, rows };
}

let parserPromise: Promise<DuckDbParser> | undefined;
function parser(): Promise<DuckDbParser> {
  parserPromise ??= DuckDbParser.create();
  return parserPromise;
}

/** Converts SQL through the clean room's AST (allowlist) and prints its non-failing DuckDB form. */
export async function printedForm(sql: string): Promise<string> {
  const p = await parser();
  const converted = convertParsed(await p.serialize(sql), sql);
  if (!converted.ok) throw new Error(`not accepted by the converter: ${JSON.stringify(converted.error)}`);
  return printQuery(converted.value, duckdbDialect);
}

/** The template as the platform would parse it: `{{role}}` replaced, `:name` as `$name`; must convert. */
export async function convertTemplate(analysis: Analysis): Promise<string> {
  const tables: TestTables = Object.fromEntries(analysis.tables.map((r) => [r, `t_${r}`]));
  return printedForm(substituteTables(analysis.sql, tables).replace(PARAM, (_, n: string) => `$${n}`));
}

export interface AnalysisRun {
  /** Rows of the SQL run directly. */
  readonly raw: AnalysisRows;
  /** After `finish` (raw when the analysis has none). */
  readonly result: AnalysisRows;
}

/**
 * Runs the analysis SQL directly and in its converted-and-printed form, checks both give
 * the same rows and the declared output columns, and applies `finish`.
 */
export async function runAnalysis(db: DuckDBConnection, analysis: Analysis, tables: TestTables, params: TestParams = {}): Promise<AnalysisRun> {
  const sql = bindForTest(analysis, tables, params);
  const raw = await rowsOf(db, sql);
  const printed = await rowsOf(db, await printedForm(sql));
  if (JSON.stringify(printed) !== JSON.stringify(raw)) {
    throw new Error(`${analysis.name}: printed form differs\n${JSON.stringify(raw.rows)}\n${JSON.stringify(printed.rows)}`);
  }
  const expectColumns = analysis.sqlOutput.map((c) => c.name);
  if (JSON.stringify(raw.columns) !== JSON.stringify(expectColumns)) {
    throw new Error(`${analysis.name}: sql columns ${raw.columns.join(',')} != declared ${expectColumns.join(',')}`);
  }
  const result = analysis.finish ? analysis.finish(raw) : raw;
  const outColumns = analysis.output.map((c) => c.name);
  if (JSON.stringify(result.columns) !== JSON.stringify(outColumns)) {
    throw new Error(`${analysis.name}: output columns ${result.columns.join(',')} != declared ${outColumns.join(',')}`);
  }
  return { raw, result };
}

/** Rows as objects keyed by column name (for readable assertions). */
export { asObjects as objects } from '../test-support.ts';

export interface GeneratedData {
  readonly tables: TestTables;
  cleanup(): Promise<void>;
}

/**
 * Generates the synthetic media data (one platform, fixed seed) into a temporary
 * folder and creates views `g_<table>` over its Parquet files.
 */
export async function loadGenerated(db: DuckDBConnection, seed = 11, scale = 20_000): Promise<GeneratedData> {
  const dir = await mkdtemp(join(tmpdir(), 'cleanroom-measurement-'));
  await generateMediaData({ outDir: dir, seed, scale, platforms: 1 });
  const files: Record<string, string> = {
    customers: 'brand/customers', conversions: 'brand/conversions',
    impressions: 'platform1/impressions', campaign_audience: 'platform1/campaign_audience',
  };
  for (const [table, path] of Object.entries(files)) {
    const glob = join(dir, path, '*.parquet').replaceAll("'", "''");
    await db.run(`CREATE OR REPLACE TABLE g_${table} AS SELECT * FROM read_parquet('${glob}')`);
  }
  return {
    tables: { customers: 'g_customers', conversions: 'g_conversions', impressions: 'g_impressions', campaign_audience: 'g_campaign_audience' },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Rows sorted by their JSON text, for order-independent comparison. */
export function sortedRows(rows: AnalysisRows): string[] {
  return rows.rows.map((r) => JSON.stringify(r)).sort();
}

/**
 * The small hand-built data set of the golden tests (timestamps UTC). People: a, b, c,
 * d, e, f are brand customers; g is reached but not a customer.
 *
 * impressions   who  date               campaign creative cost
 *   I1          a    2024-03-01 10:00   cmp-1    cr-1     0.010000
 *   I2          a    2024-03-05 12:00   cmp-1    cr-2     0.020000
 *   I3          a    2024-03-10 09:00   cmp-2    cr-3     0.030000
 *   I4          b    2024-03-02 08:00   cmp-2    cr-3     0.010000   (same instant as I5 and C3)
 *   I5          b    2024-03-02 08:00   cmp-1    cr-1     0.010000
 *   I6          c    2024-03-20 00:00   cmp-1    cr-2     0.050000   (after c's conversion)
 *   I7          d    2024-03-01 00:00   cmp-1    cr-1     0.004000
 *   G0..G10     g    2024-04-01 00:00 + n hours, n = 0..10  cmp-1 cr-1 0.000000 (11 impressions)
 * conversions   who  date               price  currency
 *   C1          a    2024-03-10 09:00   10.00  USD   (same instant as I3)
 *   C2          a    2024-03-20 09:00   20.00  USD   (exactly 10 days after I3)
 *   C3          b    2024-03-02 08:00    5.00  CAD
 *   C4          c    2024-03-19 23:00   30.00  USD
 *   C5          e    2024-03-03 10:00   10.00  USD   (e has no impressions)
 * campaign_audience: cmp-1 test a, b, c, d; control e, f.  cmp-2 test a, b; control f.
 */
export async function createGoldenTables(db: DuckDBConnection): Promise<TestTables> {
  await db.run(`CREATE OR REPLACE TABLE h_impressions AS
    SELECT email_address, CAST(date AS TIMESTAMP) AS date, creative_id, campaign_id, placement, device_type, CAST(cost AS DECIMAL(12,6)) AS cost
    FROM (VALUES
      ('a', '2024-03-01 10:00:00', 'cr-1', 'cmp-1', 'feed', 'mobile', 0.01),
      ('a', '2024-03-05 12:00:00', 'cr-2', 'cmp-1', 'feed', 'mobile', 0.02),
      ('a', '2024-03-10 09:00:00', 'cr-3', 'cmp-2', 'feed', 'mobile', 0.03),
      ('b', '2024-03-02 08:00:00', 'cr-3', 'cmp-2', 'feed', 'mobile', 0.01),
      ('b', '2024-03-02 08:00:00', 'cr-1', 'cmp-1', 'feed', 'mobile', 0.01),
      ('c', '2024-03-20 00:00:00', 'cr-2', 'cmp-1', 'feed', 'mobile', 0.05),
      ('d', '2024-03-01 00:00:00', 'cr-1', 'cmp-1', 'feed', 'mobile', 0.004)
    ) v(email_address, date, creative_id, campaign_id, placement, device_type, cost)
    UNION ALL
    SELECT 'g', TIMESTAMP '2024-04-01 00:00:00' + to_hours(n), 'cr-1', 'cmp-1', 'video', 'ctv', CAST(0 AS DECIMAL(12,6))
    FROM range(11) r(n)`);
  await db.run(`CREATE OR REPLACE TABLE h_conversions AS
    SELECT email_address, CAST(date AS TIMESTAMP) AS date, CAST(NULL AS VARCHAR) AS creative_id, 'purchase' AS event_type, 'web-1' AS version,
           CAST(price AS DECIMAL(12,2)) AS price, currency, transaction_id
    FROM (VALUES
      ('a', '2024-03-10 09:00:00', 10.00, 'USD', 't1'),
      ('a', '2024-03-20 09:00:00', 20.00, 'USD', 't2'),
      ('b', '2024-03-02 08:00:00', 5.00, 'CAD', 't3'),
      ('c', '2024-03-19 23:00:00', 30.00, 'USD', 't4'),
      ('e', '2024-03-03 10:00:00', 10.00, 'USD', 't5')
    ) v(email_address, date, price, currency, transaction_id)`);
  await db.run(`CREATE OR REPLACE TABLE h_customers AS
    SELECT email_address, 'active' AS status FROM (VALUES ('a'), ('b'), ('c'), ('d'), ('e'), ('f')) v(email_address)`);
  await db.run(`CREATE OR REPLACE TABLE h_campaign_audience AS
    SELECT * FROM (VALUES
      ('a', 'cmp-1', 'test'), ('b', 'cmp-1', 'test'), ('c', 'cmp-1', 'test'), ('d', 'cmp-1', 'test'),
      ('e', 'cmp-1', 'control'), ('f', 'cmp-1', 'control'),
      ('a', 'cmp-2', 'test'), ('b', 'cmp-2', 'test'), ('f', 'cmp-2', 'control')
    ) v(email_address, campaign_id, test_group)`);
  return { impressions: 'h_impressions', conversions: 'h_conversions', customers: 'h_customers', campaign_audience: 'h_campaign_audience' };
}

/** The columns at the given positions, for comparing part of a result. */
export function pick(rows: AnalysisRows, positions: readonly number[]): AnalysisRows {
  return { columns: positions.map((p) => rows.columns[p] ?? ''), rows: rows.rows.map((r) => positions.map((p) => r[p] ?? null)) };
}

export interface MeasurementData {
  readonly db: DuckDBConnection;
  /** The hand-built tables of `createGoldenTables`. */
  readonly golden: TestTables;
  /** The generated data of `loadGenerated` (default seed and scale). */
  readonly generated: GeneratedData;
}

/** The common setup of the measurement tests: a database with the golden tables and the generated data. */
export async function openMeasurementData(): Promise<MeasurementData> {
  const db = await openDb();
  const golden = await createGoldenTables(db);
  const generated = await loadGenerated(db);
  return { db, golden, generated };
}

/** Undoes `openMeasurementData`: removes the generated files, then closes the database. */
export async function closeMeasurementData(data: Pick<MeasurementData, 'db' | 'generated'>): Promise<void> {
  await data.generated.cleanup();
  data.db.closeSync();
}
