/**
 * A small, hand-built clean room for the attack suites of issue 4 (test/attacks/):
 * members `brand` (queries and receives) and `platform` (brings tables), datasets given
 * as CSV text (a field `<empty>` becomes the empty string, an empty field NULL) and
 * stored as Parquet, and any number of collaborations over them, each with its own
 * configured tables (so each has its own rule and its own privacy budget).
 *
 * Expected answers come from `plain()`: plain DuckDB over the very same Parquet files,
 * never through Cleanroom's code.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { associate } from '../../src/collaboration/associations.ts';
import { acceptCollaboration, createCollaboration } from '../../src/collaboration/collaborations.ts';
import { createDataset } from '../../src/collaboration/datasets.ts';
import { listOwnQueries, queryLogs } from '../../src/collaboration/query-logs.ts';
import { createMember } from '../../src/collaboration/members.ts';
import { setBudget } from '../../src/collaboration/privacy-budgets.ts';
import { listResults } from '../../src/collaboration/results.ts';
import { runQuery, type QueryOutcome, type RunQueryOptions } from '../../src/collaboration/run-query.ts';
import { createTable } from '../../src/collaboration/tables.ts';
import { Workspace } from '../../src/collaboration/workspace.ts';
import type { BudgetSettings } from '../../src/privacy/budget.ts';

export type Cell = string | number | boolean | null;

export interface DatasetSpec {
  readonly owner: string;
  /** CSV text with a header; `<empty>` stands for the empty string, an empty field for NULL. */
  readonly csv?: string;
  /** Or a plain DuckDB SELECT (no tables) whose rows become the dataset. */
  readonly sql?: string;
}

export interface TableSpec {
  /** The SQL name of the table in the collaboration. */
  readonly name: string;
  readonly owner: string;
  readonly dataset: string;
  readonly rule: unknown;
  /** Allowed columns (default: every column of the dataset). */
  readonly columns?: readonly string[];
  readonly budget?: BudgetSettings;
  readonly receivers?: readonly string[];
  /** Associate this existing configured table (of another collaboration) instead of configuring a new one. */
  readonly configured?: string;
}

function cell(v: unknown): Cell {
  if (typeof v === 'bigint') return Number(v);
  if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  const text = String(v);
  const n = Number(text);
  return Number.isFinite(n) && text.trim() !== '' ? n : text;
}

export class AttackWorld {
  private constructor(
    private current: Workspace,
    readonly dir: string,
    /** Parquet file of each dataset, for plain DuckDB. */
    readonly files: Readonly<Record<string, string>>,
    private readonly columns: Readonly<Record<string, readonly string[]>>,
  ) {}

  get workspace(): Workspace {
    return this.current;
  }

  get home(): string {
    return join(this.dir, 'home');
  }

  /** Closes the workspace and opens it again with other engine limits (e.g. a small memory limit). */
  async reopen(memoryLimit: string): Promise<void> {
    await this.current.close();
    this.current = await Workspace.open(this.home, { threads: 1, memoryLimit });
  }

  static async create(datasets: Readonly<Record<string, DatasetSpec>>, members: readonly string[] = ['brand', 'platform']): Promise<AttackWorld> {
    const dir = mkdtempSync(join(tmpdir(), 'cr-attack-world-'));
    const duck = await DuckDBInstance.create(':memory:');
    const c = await duck.connect();
    const files: Record<string, string> = {};
    try {
      for (const [name, spec] of Object.entries(datasets)) {
        const parquet = join(dir, `${name}.parquet`);
        let select = spec.sql;
        if (spec.csv !== undefined) {
          const csv = join(dir, `${name}.csv`);
          writeFileSync(csv, spec.csv);
          // An empty CSV field is NULL; `<empty>` becomes the empty string in the text columns.
          await c.run(`CREATE OR REPLACE TABLE raw AS SELECT * FROM read_csv('${csv}', header = true)`);
          const cols = (await c.runAndReadAll('SELECT column_name, column_type FROM (DESCRIBE raw)')).getRows();
          const exprs = cols.map(([n, t]) => (String(t) === 'VARCHAR'
            ? `CASE WHEN "${String(n)}" = '<empty>' THEN '' ELSE "${String(n)}" END AS "${String(n)}"`
            : `"${String(n)}"`));
          select = `SELECT ${exprs.join(', ')} FROM raw`;
        }
        if (select === undefined) throw new Error(`dataset ${name}: give csv or sql`);
        await c.run(`COPY (${select}) TO '${parquet}' (FORMAT parquet)`);
        files[name] = parquet;
      }
    } finally {
      c.closeSync();
    }
    const workspace = await Workspace.open(join(dir, 'home'), { threads: 1, memoryLimit: '1GB' });
    for (const m of members) await createMember(workspace.db, m);
    const columns: Record<string, readonly string[]> = {};
    for (const [name, spec] of Object.entries(datasets)) {
      const registered = await createDataset(workspace, spec.owner, name, [files[name] as string]);
      columns[name] = registered.columns.map((col) => col.name);
    }
    return new AttackWorld(workspace, dir, files, columns);
  }

  /**
   * A collaboration where `runner` (default brand) queries and receives and every other
   * member brings tables; each table is configured as `<collaboration>_<name>`.
   */
  async collaboration(name: string, tables: readonly TableSpec[], runner = 'brand', others: readonly string[] = ['platform']): Promise<void> {
    const { db } = this.workspace;
    await createCollaboration(db, runner, name, [
      { member: runner, query: true, receive: true },
      ...others.map((member) => ({ member, query: false, receive: true })),
    ], true);
    for (const member of others) await acceptCollaboration(db, member, name);
    for (const t of tables) {
      const configured = t.configured ?? `${name.replaceAll('-', '_')}_${t.name}`;
      const columns = t.columns ?? this.columns[t.dataset];
      if (t.configured === undefined) await createTable(db, t.owner, configured, t.dataset, columns, t.rule);
      if (t.budget) await setBudget(this.workspace, t.owner, configured, t.budget);
      await associate(db, name, t.owner, configured, t.name, t.receivers);
    }
  }

  run(collaboration: string, sql: string, options: RunQueryOptions = {}, runner = 'brand'): Promise<QueryOutcome> {
    return runQuery(this.workspace, collaboration, runner, sql, options);
  }

  /** Rows of `sql` computed by plain DuckDB, every dataset a view over its Parquet file. */
  async plain(sql: string): Promise<Cell[][]> {
    const duck = await DuckDBInstance.create(':memory:');
    const c = await duck.connect();
    try {
      for (const [name, path] of Object.entries(this.files)) await c.run(`CREATE VIEW ${name} AS SELECT * FROM read_parquet('${path}')`);
      return (await c.runAndReadAll(sql)).getRows().map((r) => r.map(cell));
    } finally {
      c.closeSync();
    }
  }

  /** One number computed by plain DuckDB. */
  async plainNumber(sql: string): Promise<number> {
    const v = (await this.plain(sql))[0]?.[0];
    return v === null || v === undefined ? 0 : Number(v);
  }

  /**
   * What `member` can read about one query: the outcome, its query-log entry, its entry
   * in the member's own list and its stored result's listing.
   */
  async seenBy(collaboration: string, member: string, outcome: QueryOutcome): Promise<string> {
    const { db } = this.workspace;
    const id = 'id' in outcome ? outcome.id : undefined;
    const logs = (await queryLogs(db, collaboration, member)).filter((e) => e.id === id);
    const own = (await listOwnQueries(db, collaboration, member)).filter((e) => e.id === id);
    const results = (await listResults(this.workspace, member)).filter((r) => r.queryId === id);
    return JSON.stringify({ outcome, logs, own, results });
  }

  async close(): Promise<void> {
    await this.workspace.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Result rows delivered to the runner, as plain cells; throws on anything but success. */
export function delivered(outcome: QueryOutcome): Cell[][] {
  if (outcome.status !== 'succeeded' || !outcome.delivery) {
    throw new Error(`expected delivered rows, got ${JSON.stringify(outcome)}`);
  }
  return outcome.delivery.rows.map((r) => r.map(cell));
}

/** What a runner can tell apart between two outcomes: the status, error code and row count. */
export function observable(outcome: QueryOutcome): string {
  if (outcome.status === 'succeeded') return `succeeded:${outcome.delivery?.rowCount ?? 'n/a'}`;
  if (outcome.status === 'accepted') return 'accepted';
  return `${outcome.status}:${outcome.error.code}`;
}

export function aggregation(parts: Record<string, unknown>): unknown {
  return { v1: { aggregation: parts } };
}

export function custom(parts: Record<string, unknown> = {}, providers: readonly string[] = ['brand']): unknown {
  return { v1: { custom: { allowedAnalyses: ['ANY_QUERY'], allowedAnalysisProviders: providers, ...parts } } };
}

export function list(parts: Record<string, unknown>): unknown {
  return { v1: { list: parts } };
}

/** A differentially private custom rule on `user` (an analysis provider may run any query). */
export function dpCustom(user: string, extra: Record<string, unknown> = {}): unknown {
  return custom({ differentialPrivacy: { columns: [{ name: user }] }, ...extra });
}

export function budget(epsilon: number, usersNoisePerQuery: number, delta = 1e-6): BudgetSettings {
  return { epsilon, delta, usersNoisePerQuery, refresh: 'none' };
}
