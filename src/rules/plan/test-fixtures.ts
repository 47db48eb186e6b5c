/**
 * Test helpers for the planner: hand-built validated queries (the validator's normal
 * form: every table column qualified by its alias) and an in-memory DuckDB.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { Expr, FunctionCall, OrderItem, Query, Relation, SelectItem } from '../../sql/ast.ts';
import type { AggregationRule, ListRule, OutputConstraint, QueryTable } from '../rule-types.ts';
import type { ResolvedAlias, ValidatedQuery } from '../validated-query.ts';
import { planQuery, type PlannedQuery } from './plan-query.ts';
import { printQuery } from '../../sql/print.ts';
import { duckdbDialect } from '../../sql/dialect.ts';

export const c = (table: string, name: string): Expr => ({ kind: 'column', table, name });
export const out = (name: string): Expr => ({ kind: 'column', name });
export const num = (n: number): Expr => ({ kind: 'literal', value: { type: 'integer', value: String(n) } });
export const str = (v: string): Expr => ({ kind: 'literal', value: { type: 'string', value: v } });
const call = (name: string, arg: Expr, distinct = false): FunctionCall => ({ kind: 'function', name, args: [arg], distinct });
export const sum = (e: Expr): Expr => call('sum', e);
export const count = (e: Expr): Expr => call('count', e);
export const countDistinct = (e: Expr): Expr => call('count', e, true);
export const avg = (e: Expr): Expr => call('avg', e);
export const countStar: Expr = { kind: 'function', name: 'count', args: [], distinct: false, star: true };
export const op = (o: '+' | '-' | '*' | '/' | '=' | '>' | '<' | 'AND', l: Expr, r: Expr): Expr => ({ kind: 'binary', op: o, left: l, right: r });
export const item = (expr: Expr, alias?: string): SelectItem => (alias === undefined ? { expr } : { expr, alias });
export const t = (name: string, alias: string): Relation => ({ kind: 'table', name, alias });
export const join = (left: Relation, right: Relation, on: Expr): Relation => ({ kind: 'join', type: 'inner', left, right, on });
export const asc = (expr: Expr): OrderItem => ({ expr, direction: 'asc' });
export const desc = (expr: Expr): OrderItem => ({ expr, direction: 'desc' });

export function aggTable(sqlName: string, owner: string, constraints: Record<string, number>): QueryTable {
  const outputConstraints: OutputConstraint[] = Object.entries(constraints)
    .map(([columnName, minimum]) => ({ columnName, minimum, type: 'COUNT_DISTINCT' }));
  const rule: AggregationRule = {
    kind: 'aggregation', aggregateColumns: [], joinColumns: [], allowedJoinOperators: ['AND'],
    dimensionColumns: [], scalarFunctions: [], outputConstraints,
  };
  return { sqlName, owner, columns: [], rule };
}

export function listTable(sqlName: string, owner: string, joinColumns: string[], minimumListSize: number): QueryTable {
  const rule: ListRule = { kind: 'list', joinColumns, listColumns: [], allowedJoinOperators: ['AND'], minimumListSize };
  return { sqlName, owner, columns: [], rule };
}

export interface QuerySpec {
  readonly distinct?: boolean;
  readonly items: SelectItem[];
  readonly from: Relation;
  readonly where?: Expr;
  readonly groupBy?: Expr[];
  readonly having?: Expr;
  readonly orderBy?: OrderItem[];
  readonly limit?: number;
}

export function validated(kind: 'aggregation' | 'list', spec: QuerySpec, aliases: ResolvedAlias[], runner = 'brand'): ValidatedQuery {
  const query: Query = {
    kind: 'query',
    with: [],
    body: {
      kind: 'select', distinct: spec.distinct ?? false, items: spec.items, from: spec.from, groupBy: spec.groupBy ?? [],
      orderBy: spec.orderBy ?? [],
      ...(spec.where === undefined ? {} : { where: spec.where }),
      ...(spec.having === undefined ? {} : { having: spec.having }),
      ...(spec.limit === undefined ? {} : { limit: num(spec.limit) }),
    },
  };
  return { kind, query, aliases, runner };
}

export type Row = (string | number | boolean | null)[];

export class TestDb {
  private constructor(readonly conn: DuckDBConnection) {}
  static async create(setupSql: string): Promise<TestDb> {
    const instance = await DuckDBInstance.create(':memory:', { threads: '1', memory_limit: '256MB' });
    const conn = await instance.connect();
    await conn.run(setupSql);
    return new TestDb(conn);
  }
  async rows(sql: string): Promise<Row[]> {
    const reader = await this.conn.runAndReadAll(sql);
    return reader.getRows().map((r) => r.map((v) => {
      if (typeof v === 'bigint') return Number(v);
      if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
      return String(v);
    }));
  }
  async columns(sql: string): Promise<string[]> {
    return (await this.conn.runAndReadAll(sql)).columnNames();
  }
  /**
   * Plans, prints and runs; returns the planned query and its rows. The staged form,
   * when there is one, must return exactly the same rows (checked here, for every test).
   */
  async plan(v: ValidatedQuery): Promise<{ planned: PlannedQuery; sql: string; rows: Row[]; stats?: Row }> {
    const planned = planQuery(v);
    const sql = printQuery(planned.query, duckdbDialect);
    const rows = await this.rows(sql);
    if (planned.staged === undefined) return { planned, sql, rows };
    const staged = await this.staged(planned);
    const ordered = planned.staged.deliver.body.kind === 'select' && planned.staged.deliver.body.orderBy.length > 0;
    const same = (a: Row[], b: Row[]): boolean => JSON.stringify(ordered ? a : sorted(a)) === JSON.stringify(ordered ? b : sorted(b));
    if (!same(staged.rows, rows)) {
      throw new Error(`staged form differs: ${JSON.stringify(staged.rows)} vs ${JSON.stringify(rows)}\n${sql}`);
    }
    return { planned, sql, rows, ...(staged.stats === undefined ? {} : { stats: staged.stats }) };
  }
  /** Runs the staged form as the engine does: temp table, deliver, stats. */
  async staged(planned: PlannedQuery): Promise<{ rows: Row[]; stats?: Row }> {
    const st = planned.staged;
    if (st === undefined) throw new Error('no staged form');
    const name = duckdbDialect.quoteIdentifier(st.table);
    await this.conn.run(`CREATE OR REPLACE TEMP TABLE ${name} AS ${printQuery(st.stage, duckdbDialect)}`);
    try {
      const rows = await this.rows(printQuery(st.deliver, duckdbDialect));
      const stats = st.stats === undefined ? undefined : (await this.rows(printQuery(st.stats.query, duckdbDialect)))[0];
      return { rows, ...(stats === undefined ? {} : { stats }) };
    } finally {
      await this.conn.run(`DROP TABLE ${name}`);
    }
  }
  close(): void {
    this.conn.closeSync();
  }
}

/** Order-insensitive comparison for results without ORDER BY. */
export function sorted(rows: Row[]): Row[] {
  return [...rows].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}
