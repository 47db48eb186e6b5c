/** Small constructors for the AST nodes the planner emits (rewriter nodes carry no `pos`). */
import type {
  BinaryOperator, ColumnRef, CommonTableExpression, Expr, FunctionCall, Literal, OrderItem,
  Query, Relation, Select, SelectItem,
} from '../../sql/ast.ts';

export function col(table: string | undefined, name: string): ColumnRef {
  return table === undefined ? { kind: 'column', name } : { kind: 'column', table, name };
}

export function fn(name: string, args: readonly Expr[], distinct = false): FunctionCall {
  return { kind: 'function', name, args, distinct };
}

export function bin(op: BinaryOperator, left: Expr, right: Expr): Expr {
  return { kind: 'binary', op, left, right };
}

export function int(value: number): Literal {
  return { kind: 'literal', value: { type: 'integer', value: String(value) } };
}

export function bool(value: boolean): Literal {
  return { kind: 'literal', value: { type: 'boolean', value } };
}

/** AND of all conditions; undefined when there are none. */
export function andAll(conditions: readonly (Expr | undefined)[]): Expr | undefined {
  let result: Expr | undefined;
  for (const c of conditions) {
    if (c === undefined) continue;
    result = result === undefined ? c : bin('AND', result, c);
  }
  return result;
}

/** `l.k0 IS NOT DISTINCT FROM r.k0 AND ...`: group keys may be NULL. */
export function sameKeys(left: string, right: string, keys: readonly string[]): Expr {
  return andAll(keys.map((k) => bin('IS NOT DISTINCT FROM', col(left, k), col(right, k)))) ?? bool(true);
}

export function table(name: string, alias?: string): Relation {
  return alias === undefined ? { kind: 'table', name } : { kind: 'table', name, alias };
}

export function innerJoin(left: Relation, right: Relation, on: Expr): Relation {
  return { kind: 'join', type: 'inner', left, right, on };
}

export interface SelectParts {
  readonly distinct?: boolean;
  readonly items: readonly SelectItem[];
  readonly from?: Relation;
  readonly where?: Expr;
  readonly groupBy?: readonly Expr[];
  readonly having?: Expr;
  readonly orderBy?: readonly OrderItem[];
  readonly limit?: Expr;
}

export function select(parts: SelectParts): Select {
  const s: Select = {
    kind: 'select',
    distinct: parts.distinct ?? false,
    items: parts.items,
    groupBy: parts.groupBy ?? [],
    orderBy: parts.orderBy ?? [],
    ...(parts.from === undefined ? {} : { from: parts.from }),
    ...(parts.where === undefined ? {} : { where: parts.where }),
    ...(parts.having === undefined ? {} : { having: parts.having }),
    ...(parts.limit === undefined ? {} : { limit: parts.limit }),
  };
  return s;
}

export function query(body: Select, ctes: readonly CommonTableExpression[] = []): Query {
  return { kind: 'query', with: ctes, body };
}

export function cte(name: string, body: Select): CommonTableExpression {
  return { name, query: query(body) };
}
