/**
 * No data-dependent failure in custom SQL (RULES.md "Shared to all rule types"; the
 * reasoning is in ../custom-numeric.ts, the facts come from the validator). Rewrites the
 * whole statement — CTEs, set operations, FROM subqueries, expression subqueries,
 * windows — so that:
 *
 * - SUM/AVG (plain or windowed) whose argument is not sum-safe are computed over
 *   `CAST(arg AS DOUBLE)` (printed TRY_CAST: never an error; Infinity instead of an
 *   overflow);
 * - a numeric aggregate, window or scalar-subquery value that is an operand of anything
 *   (arithmetic, unary minus, comparisons, IN, BETWEEN, CASE, scalar functions) is cast
 *   to DOUBLE: TRY(...) cannot wrap those nodes, so the operation around them must not
 *   be able to fail. A value standing alone (a whole SELECT item, ORDER BY key, an
 *   aggregate's argument, under CAST or IS NULL, AND/OR/NOT) keeps its type.
 */
import { assertNever } from '../../sql/ast.ts';
import type { Expr, FunctionCall, OrderItem, Query, QueryBody, Relation, Select } from '../../sql/ast.ts';
import type { CustomNumericFacts } from '../validated-query.ts';
import { isUnguardable } from '../custom-numeric.ts';
import { toDouble } from './numeric-safety.ts';

export function safeCustomQuery(q: Query, facts: CustomNumericFacts): Query {
  return new Rewriter(facts).query(q);
}

class Rewriter {
  constructor(private readonly facts: CustomNumericFacts) {}

  query(q: Query): Query {
    return { ...q, with: q.with.map((c) => ({ ...c, query: this.query(c.query) })), body: this.body(q.body) };
  }

  private body(b: QueryBody): QueryBody {
    if (b.kind === 'select') return this.select(b);
    return { ...b, left: this.body(b.left), right: this.body(b.right), orderBy: b.orderBy.map((o) => this.order(o)) };
  }

  private select(s: Select): Select {
    const e = (x: Expr): Expr => this.expr(x);
    return {
      ...s,
      items: s.items.map((it) => ({ ...it, expr: e(it.expr) })),
      ...(s.from === undefined ? {} : { from: this.relation(s.from) }),
      ...(s.where === undefined ? {} : { where: e(s.where) }),
      groupBy: s.groupBy.map(e),
      ...(s.having === undefined ? {} : { having: e(s.having) }),
      orderBy: s.orderBy.map((o) => this.order(o)),
    };
  }

  private relation(r: Relation): Relation {
    switch (r.kind) {
      case 'table': return r;
      case 'join': return { ...r, left: this.relation(r.left), right: this.relation(r.right), ...(r.on === undefined ? {} : { on: this.expr(r.on) }) };
      case 'subquery-relation': return { ...r, query: this.query(r.query) };
      default: return assertNever(r);
    }
  }

  private order(o: OrderItem): OrderItem {
    return { ...o, expr: this.expr(o.expr) };
  }

  /** A child in operand position: a numeric unguardable value becomes DOUBLE. */
  private operand(x: Expr): Expr {
    const out = this.expr(x);
    return isUnguardable(x) && this.facts.numericValues.has(x) ? toDouble(out) : out;
  }

  private call(f: FunctionCall, aggregate: boolean): FunctionCall {
    if ((f.name === 'sum' || f.name === 'avg') && f.star !== true) {
      const [arg, extra] = f.args;
      if (arg === undefined || extra !== undefined) throw new Error(`Internal error: ${f.name} must have exactly one argument`);
      const inner = this.expr(arg);
      return { ...f, args: [this.facts.exactSums.has(f) ? inner : toDouble(inner)] };
    }
    // Aggregate and window arguments are values of their own; scalar function arguments are operands.
    return { ...f, args: f.args.map((a) => (aggregate ? this.expr(a) : this.operand(a))) };
  }

  expr(e: Expr): Expr {
    const op = (x: Expr): Expr => this.operand(x);
    switch (e.kind) {
      case 'column': case 'literal': case 'parameter': case 'star':
        return e;
      case 'function':
        return this.call(e, isUnguardable(e));
      case 'window':
        return {
          ...e,
          fn: this.call(e.fn, true),
          partitionBy: e.partitionBy.map((x) => this.expr(x)),
          orderBy: e.orderBy.map((o) => this.order(o)),
        };
      case 'binary':
        if (e.op === 'AND' || e.op === 'OR') return { ...e, left: this.expr(e.left), right: this.expr(e.right) };
        return { ...e, left: op(e.left), right: op(e.right) };
      case 'unary':
        return { ...e, operand: e.op === 'NOT' ? this.expr(e.operand) : op(e.operand) };
      case 'is-null': case 'cast':
        return { ...e, operand: this.expr(e.operand) };
      case 'in-list':
        return { ...e, operand: op(e.operand), list: e.list.map(op) };
      case 'between':
        return { ...e, operand: op(e.operand), low: op(e.low), high: op(e.high) };
      case 'case': {
        const simple = e.operand !== undefined;
        return {
          ...e,
          ...(e.operand === undefined ? {} : { operand: op(e.operand) }),
          whens: e.whens.map((w) => ({ when: simple ? op(w.when) : this.expr(w.when), then: op(w.then) })),
          ...(e.else === undefined ? {} : { else: op(e.else) }),
        };
      }
      case 'subquery': case 'exists':
        return { ...e, query: this.query(e.query) };
      case 'in-subquery':
        return { ...e, operand: op(e.operand), query: this.query(e.query) };
      default:
        return assertNever(e);
    }
  }
}
