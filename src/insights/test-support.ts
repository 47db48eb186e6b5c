/**
 * FOR TESTS ONLY: runs an analysis's SQL directly on an in-memory DuckDB, outside the
 * clean room. `{{role}}` becomes the given relation text (a table name or a
 * `read_parquet(...)` call) and `:param` becomes a typed SQL literal. The product never
 * splices parameters as text (it binds them through the AST); this helper exists so
 * that library tests can check the numbers an analysis computes.
 *
 * @example
 *   const db = await openTestDb();
 *   await db.run(`CREATE TABLE customers AS SELECT * FROM (VALUES ('a@x', 'CA')) t(email_address, state)`);
 *   const out = await runAnalysis(db, audienceOverlap, { customers: 'customers', impressions: 'impressions' }, { segment: 'state' });
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { DuckDbParser } from '../engine/duckdb-parser.ts';
import { encodeCell } from '../engine/cell-values.ts';
import type { CellValue } from '../engine/engine.ts';
import { CustomChecker, customContext, customRule } from '../rules/custom-test-fixtures.ts';
import { table } from '../rules/test-fixtures.ts';
import { convertParsed } from '../sql/convert.ts';
import { generateMediaData } from '../synthetic/generate.ts';
import type { Analysis, AnalysisParameter, AnalysisRows, TableRole } from './analysis.ts';

export type TestTables = Readonly<Partial<Record<TableRole, string>>>;
/** Parameter values in their CLI text form (`3`, `2024-03-01`, `true`, `state`). */
export type TestParams = Readonly<Record<string, string>>;

export interface TestDb {
  /** Runs a statement (CREATE TABLE ... AS VALUES, views). */
  run(sql: string): Promise<void>;
  /** Runs a query and returns its rows encoded as the engine encodes them (BIGINT as number, DECIMAL as string). */
  query(sql: string): Promise<AnalysisRows>;
  close(): void;
}

export async function openTestDb(): Promise<TestDb> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '2', memory_limit: '1GB' });
  const connection: DuckDBConnection = await instance.connect();
  await connection.run("SET TimeZone = 'UTC'");
  return {
    async run(sql: string): Promise<void> {
      await connection.run(sql);
    },
    async query(sql: string): Promise<AnalysisRows> {
      const reader = await connection.runAndReadAll(sql);
      const types = reader.columnTypes().map(String);
      const rows: CellValue[][] = reader
        .getRowsJson()
        .map((row) => row.map((cell, i) => encodeCell(cell, types[i] ?? 'VARCHAR')));
      return { columns: reader.columnNames(), rows };
    },
    close(): void {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

export interface GeneratedTestData {
  readonly dir: string;
  /**
   * `read_parquet('<dir>/<role>/<table>/*.parquet')` per role: customers and conversions
   * of the brand, impressions and campaign_audience of platform1, impressions_b of
   * platform2 (with two platforms).
   */
  readonly tables: TestTables;
  remove(): Promise<void>;
}

/** Synthetic media data in a temporary folder (Parquet), for comparing an analysis with plain SQL. */
export async function generatedTestData(options: {
  readonly seed: number;
  readonly scale: number;
  readonly platforms: number;
}): Promise<GeneratedTestData> {
  const dir = await mkdtemp(join(tmpdir(), 'insights-test-'));
  await generateMediaData({ outDir: dir, seed: options.seed, scale: options.scale, platforms: options.platforms, threads: 2 });
  const read = (role: string, table: string): string =>
    `read_parquet('${join(dir, role, table, '*.parquet').replaceAll("'", "''")}')`;
  const tables: Partial<Record<TableRole, string>> = {
    customers: read('brand', 'customers'),
    conversions: read('brand', 'conversions'),
    impressions: read('platform1', 'impressions'),
    campaign_audience: read('platform1', 'campaign_audience'),
  };
  if (options.platforms >= 2) tables.impressions_b = read('platform2', 'impressions');
  return { dir, tables, remove: () => rm(dir, { recursive: true, force: true }) };
}

export interface OpenedTestData {
  readonly db: TestDb;
  readonly data: GeneratedTestData;
}

/**
 * The common setup of the planning tests: an in-memory database, `setup` on it (the
 * hand-built tables), then generated data and, for each entry of `views`, a view
 * `<name>` over the generated table of that role.
 */
export async function openTestData(options: {
  readonly seed: number;
  readonly platforms: number;
  readonly views: Readonly<Record<string, TableRole>>;
  readonly setup?: (db: TestDb) => Promise<void>;
}): Promise<OpenedTestData> {
  const db = await openTestDb();
  let data: GeneratedTestData | undefined;
  try {
    await options.setup?.(db);
    data = await generatedTestData({ seed: options.seed, scale: 20_000, platforms: options.platforms });
    for (const [name, role] of Object.entries(options.views)) {
      const relation = data.tables[role];
      if (relation === undefined) throw new Error(`no generated table for role ${role}`);
      await db.run(`CREATE VIEW ${name} AS SELECT * FROM ${relation}`);
    }
    return { db, data };
  } catch (error) {
    await closeTestData({ db, data });
    throw error;
  }
}

/** Undoes `openTestData` (either part may be missing when the setup failed). */
export async function closeTestData(opened: Partial<OpenedTestData>): Promise<void> {
  opened.db?.close();
  await opened.data?.remove();
}

/**
 * The hand-built tables of the audience tests. Brand `customers` a..g (g has no
 * state); platform `impressions` of a, b, d, e, x, y, z.
 */
export async function createAudienceTables(db: TestDb): Promise<void> {
  await db.run(`CREATE TABLE customers AS SELECT * FROM (VALUES
    ('a@x.com', 'CA', 'US', 'active'),
    ('b@x.com', 'CA', 'MX', 'active'),
    ('c@x.com', 'NY', 'US', 'inactive'),
    ('d@x.com', 'NY', 'CA', 'active'),
    ('e@x.com', 'TX', 'US', 'churned'),
    ('f@x.com', 'CA', 'US', 'active'),
    ('g@x.com', NULL, 'US', 'pending')
  ) t(email_address, state, birth_country, status)`);
  await db.run(`CREATE TABLE impressions AS SELECT * FROM (VALUES
    ('a@x.com', 'mobile'), ('a@x.com', 'mobile'), ('a@x.com', 'desktop'),
    ('b@x.com', 'mobile'),
    ('d@x.com', 'ctv'),
    ('e@x.com', 'mobile'), ('e@x.com', 'tablet'),
    ('x@x.com', 'mobile'),
    ('y@x.com', 'desktop'),
    ('z@x.com', 'mobile'), ('z@x.com', 'mobile')
  ) t(email_address, device_type)`);
}

/** The analysis SQL with tables and parameters substituted (defaults for parameters not given). */
export function bindForTest(
  analysis: Pick<Analysis, 'name' | 'sql' | 'parameters'>,
  tables: TestTables,
  params: TestParams = {},
): string {
  for (const name of Object.keys(params)) {
    if (!analysis.parameters.some((p) => p.name === name)) {
      throw new Error(`${analysis.name}: unknown parameter ${name}`);
    }
  }
  const literals = new Map<string, string>();
  for (const p of analysis.parameters) {
    const value = params[p.name] ?? p.default;
    if (value === undefined) throw new Error(`${analysis.name}: parameter ${p.name} has no value and no default`);
    if (p.allowed !== undefined && !p.allowed.includes(value)) {
      throw new Error(`${analysis.name}: ${p.name} must be one of ${p.allowed.join(', ')}`);
    }
    literals.set(p.name, sqlLiteral(p, value));
  }
  const withParams = replaceParameters(analysis.sql, (name) => {
    const literal = literals.get(name);
    if (literal === undefined) throw new Error(`${analysis.name}: the SQL uses :${name}, which is not declared`);
    return literal;
  });
  return withParams.replace(/\{\{\s*([a-z_]+)\s*\}\}/g, (_, role: string) => {
    const relation = tables[role as TableRole];
    if (relation === undefined) throw new Error(`${analysis.name}: no table given for {{${role}}}`);
    return relation;
  });
}

/** Binds, runs and applies `finish`, as `insights run` would return the rows. */
export async function runAnalysis(
  db: TestDb,
  analysis: Analysis,
  tables: TestTables,
  params: TestParams = {},
): Promise<AnalysisRows> {
  const raw = await db.query(bindForTest(analysis, tables, params));
  return analysis.finish === undefined ? raw : analysis.finish(raw);
}

/** Rows as objects keyed by column name (easier to read in assertions). */
export function asObjects(rows: AnalysisRows): Record<string, CellValue>[] {
  return rows.rows.map((row) => Object.fromEntries(rows.columns.map((c, i) => [c, row[i] ?? null])));
}

/**
 * Whether the clean room's converter accepts the SQL (only allowlisted functions and
 * modelled syntax): `{{role}}` becomes the role name and `:name` becomes DuckDB's
 * `$name`. Returns the refusal message, or undefined when it converts.
 */
export async function converterRefusal(analysis: Pick<Analysis, 'sql'>): Promise<string | undefined> {
  const sql = replaceParameters(analysis.sql, (name) => `$${name}`).replace(
    /\{\{\s*([a-z_]+)\s*\}\}/g,
    (_, role: string) => role,
  );
  const parser = await DuckDbParser.create();
  try {
    const result = convertParsed(await parser.serialize(sql), sql);
    return result.ok ? undefined : `${result.error.code}: ${result.error.message}`;
  } finally {
    parser.close();
  }
}

/**
 * Checks the analysis (parameters bound as literals) against the custom rule as table
 * owners would configure it: `disallowedOutputColumns: ['email_address']` and an output
 * constraint `COUNT_DISTINCT email_address >= 3` on every table it reads (campaign_audience
 * included). Returns the
 * refusal message, or the constrained columns as they reach the outermost query
 * (`table.column -> alias.column`).
 */
export async function customRuleCheck(
  analysis: Analysis,
  params: TestParams = {},
): Promise<{ readonly refusal?: string; readonly carriers: readonly string[] }> {
  const constraint = [{ columnName: 'email_address', minimum: 3, type: 'COUNT_DISTINCT' as const }];
  const rule = customRule({ disallowedOutputColumns: ['email_address'], outputConstraints: constraint });
  const base = customContext({ customers: rule, conversions: rule, impressions: rule, impressions_b: rule });
  const audienceColumns = ['email_address', 'campaign_id', 'test_group'].map((name) => ({ name, type: 'VARCHAR' }));
  const ctx = { ...base, tables: [...base.tables, table('campaign_audience', 'platform', audienceColumns, rule)] };
  const sql = bindForTest(analysis, {
    customers: 'customers', conversions: 'conversions', impressions: 'impressions', campaign_audience: 'campaign_audience', impressions_b: 'impressions_b',
  }, params);
  const checker = await CustomChecker.create();
  try {
    const r = await checker.check(sql, ctx, { templateId: `test-${analysis.name}` });
    if (!r.ok) return { refusal: `${r.error.code}: ${r.error.message}`, carriers: [] };
    if (r.value.kind !== 'custom') return { refusal: `not a custom query: ${r.value.kind}`, carriers: [] };
    const carriers = r.value.outputConstraints.map((c) =>
      `${c.table}.${c.column} -> ${c.expr.table ?? ''}.${c.expr.name}`);
    return { carriers };
  } finally {
    checker.close();
  }
}

function sqlLiteral(p: AnalysisParameter, value: string): string {
  const text = `'${value.replaceAll("'", "''")}'`;
  switch (p.type) {
    case 'VARCHAR':
      return `CAST(${text} AS VARCHAR)`;
    case 'INTEGER':
    case 'BIGINT':
      if (!/^-?\d+$/.test(value)) throw new Error(`${p.name} must be an integer`);
      return `CAST(${value} AS ${p.type})`;
    case 'DOUBLE':
    case 'DECIMAL':
      if (!/^-?\d+(\.\d+)?$/.test(value)) throw new Error(`${p.name} must be a number`);
      return `CAST(${value} AS ${p.type === 'DOUBLE' ? 'DOUBLE' : 'DECIMAL(38, 10)'})`;
    case 'BOOLEAN':
      if (value !== 'true' && value !== 'false') throw new Error(`${p.name} must be true or false`);
      return `CAST(${value} AS BOOLEAN)`;
    case 'DATE':
    case 'TIMESTAMP':
      return `CAST(${text} AS ${p.type})`;
  }
}

/**
 * Replaces `:name` outside string literals, quoted identifiers and comments, leaving
 * `::` casts alone. Enough for the library's own SQL; the product's template loader
 * has its own, hardened translation.
 */
function replaceParameters(sql: string, replacement: (name: string) => string): string {
  let out = '';
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i] ?? '';
    const next = sql[i + 1] ?? '';
    if (ch === "'" || ch === '"') {
      let j = i + 1;
      while (j < sql.length) {
        if (sql[j] === ch) {
          if (sql[j + 1] === ch) j += 2;
          else break;
        } else j += 1;
      }
      out += sql.slice(i, j + 1);
      i = j + 1;
    } else if (ch === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      const stop = end === -1 ? sql.length : end;
      out += sql.slice(i, stop);
      i = stop;
    } else if (ch === '/' && next === '*') {
      const end = sql.indexOf('*/', i + 2);
      const stop = end === -1 ? sql.length : end + 2;
      out += sql.slice(i, stop);
      i = stop;
    } else if (ch === ':' && next === ':') {
      out += '::';
      i += 2;
    } else if (ch === ':' && /[A-Za-z_]/.test(next)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(sql.slice(i + 1));
      const name = m?.[0] ?? '';
      out += replacement(name);
      i += 1 + name.length;
    } else {
      out += ch;
      i += 1;
    }
  }
  return out;
}

/**
 * FOR TESTS AND BENCH: by hand, the outermost-FROM column that carries the
 * email_address of each platform table (impressions, impressions_b, campaign_audience:
 * the tables the demo constrains) in each custom-rule analysis's SQL. The clean room
 * adds `HAVING count(DISTINCT <carrier>) >= minimum` for each; `withThreshold` does the
 * same to the plain SQL.
 */
export const PLATFORM_CARRIERS: Readonly<Record<string, readonly string[]>> = {
  'audience-overlap': ['x.platform_email'],
  'audience-profile': ['x.platform_email'],
  'reach-frequency': ['u.email_address'],
  'incremental-reach': ['r.a_email', 'r.b_email'],
  'conversion-overlap': ['r.impression_email_address'],
  attribution: ['k.impression_email_address'],
  'conversion-lift': ['a.email_address'],
  'conversion-lift-exposure': ['g.impression_email_address'],
  roas: ['f.impression_email_address'],
  'frequency-to-conversion': ['p.email_address'],
  'time-to-conversion': ['x.impression_email_address'],
};

/** The SQL with `HAVING count(DISTINCT carrier) >= minimum` added to the outermost query (before its final ORDER BY). */
export function withThreshold(sql: string, carriers: readonly string[], minimum: number): string {
  if (carriers.length === 0) return sql;
  const at = sql.lastIndexOf('\nORDER BY');
  if (at < 0) throw new Error('expected the outermost query to end with ORDER BY');
  const having = carriers.map((c) => `count(DISTINCT ${c}) >= ${minimum}`).join(' AND ');
  return `${sql.slice(0, at)}\nHAVING ${having}${sql.slice(at)}`;
}
