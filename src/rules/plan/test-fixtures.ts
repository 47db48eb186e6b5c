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
  /** Plans, prints and runs; returns the planned query and its rows. */
  async plan(v: ValidatedQuery): Promise<{ planned: PlannedQuery; sql: string; rows: Row[] }> {
    const planned = planQuery(v);
    const sql = printQuery(planned.query, duckdbDialect);
    return { planned, sql, rows: await this.rows(sql) };
  }
  close(): void {
    this.conn.closeSync();
  }
}

/** Order-insensitive comparison for results without ORDER BY. */
export function sorted(rows: Row[]): Row[] {
  return [...rows].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}
