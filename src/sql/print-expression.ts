/**
 * Expressions -> SQL text. Every compound expression is parenthesised (no precedence
 * reasoning to get wrong), identifiers and strings go through the dialect, and the
 * forms that could fail on a data value are printed in their non-failing form.
 */
import { type Expr, type LiteralValue, type OrderItem, type Query, type WindowFrame, type FrameBound, assertNever } from './ast.ts';
import type { Dialect } from './dialect.ts';
import { isAggregateFunction } from './functions.ts';
import { FUNCTION_PRINTERS, type PrintFn } from './print-function.ts';
import { printPlannerFunction } from './planner-functions.ts';

export function printLiteral(v: LiteralValue, d: Dialect): string {
  switch (v.type) {
    case 'null': return 'NULL';
    case 'boolean': return v.value ? 'TRUE' : 'FALSE';
    case 'integer': return checkedNumber(v.value, /^-?[0-9]+$/);
    case 'decimal': return checkedNumber(v.value.includes('.') ? v.value : `${v.value}.0`, /^-?[0-9]+\.[0-9]+$/);
    case 'double': {
      if (!Number.isFinite(v.value)) throw new Error('Internal error: non-finite double literal');
      // Exponent form keeps the literal a DOUBLE (plain 0.5 would be read as DECIMAL).
      return v.value.toExponential();
    }
    case 'string': return d.quoteString(v.value);
    case 'date': return `DATE ${d.quoteString(checkedNumber(v.value, /^\d{4}-\d{2}-\d{2}$/))}`;
    case 'timestamp':
      return `TIMESTAMP ${d.quoteString(checkedNumber(v.value, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?$/).replace('T', ' '))}`;
    case 'interval': return `INTERVAL ${d.quoteString(checkedNumber(v.value, /^-?[0-9]+$/))} ${v.unit.toUpperCase()}`;
    default: return assertNever(v);
  }
}

/** Literal texts come from the converter; recheck so a rewriter bug cannot inject SQL. */
function checkedNumber(text: string, shape: RegExp): string {
  if (!shape.test(text)) throw new Error('Internal error: malformed literal');
  return text;
}

/** True when the engine accepts TRY(...) around this subtree. */
export function containsAggregateOrSubquery(e: Expr): boolean {
  switch (e.kind) {
    case 'column': case 'literal': case 'parameter': case 'star': return false;
    case 'function': return isAggregateFunction(e.name) || e.args.some(containsAggregateOrSubquery);
    case 'window': case 'subquery': case 'exists': case 'in-subquery': return true;
    case 'binary': return containsAggregateOrSubquery(e.left) || containsAggregateOrSubquery(e.right);
    case 'unary': case 'is-null': case 'cast': return containsAggregateOrSubquery(e.operand);
    case 'in-list': return [e.operand, ...e.list].some(containsAggregateOrSubquery);
    case 'between': return [e.operand, e.low, e.high].some(containsAggregateOrSubquery);
    case 'case':
      return [...(e.operand ? [e.operand] : []), ...e.whens.flatMap((w) => [w.when, w.then]), ...(e.else ? [e.else] : [])]
        .some(containsAggregateOrSubquery);
    default: return assertNever(e);
  }
}

export class ExpressionPrinter implements PrintFn {
  constructor(readonly dialect: Dialect, private readonly query: (q: Query) => string) {}

  guarded(sql: string, subtree: Expr): string {
    if (!this.dialect.tryWrapsAggregates && containsAggregateOrSubquery(subtree)) return sql;
    return `${this.dialect.trySpelling}(${sql})`;
  }

  expr(e: Expr): string {
    const d = this.dialect;
    switch (e.kind) {
      case 'column':
        return e.table === undefined ? d.quoteIdentifier(e.name) : `${d.quoteIdentifier(e.table)}.${d.quoteIdentifier(e.name)}`;
      case 'literal': return printLiteral(e.value, d);
      case 'parameter': return d.parameter(e.name);
      case 'star': return e.table === undefined ? '*' : `${d.quoteIdentifier(e.table)}.*`;
      case 'function':
        return FUNCTION_PRINTERS[e.name as keyof typeof FUNCTION_PRINTERS]?.(e, this)
          ?? printPlannerFunction(e, (a) => this.expr(a)) ?? unknownFunction(e.name);
      case 'binary': return this.binary(e);
      case 'unary':
        if (e.op === 'NOT') return `(NOT ${this.expr(e.operand)})`;
        // The space keeps `- -5` from becoming a `--` comment.
        return e.op === '-' ? this.guarded(`(- ${this.expr(e.operand)})`, e) : `(+ ${this.expr(e.operand)})`;
      case 'is-null': return `(${this.expr(e.operand)} IS ${e.negated ? 'NOT ' : ''}NULL)`;
      case 'in-list': {
        const list = e.list.map((x) => this.comparand(x)).join(', ');
        return `(${this.comparand(e.operand)} ${e.negated ? 'NOT ' : ''}IN (${list}))`;
      }
      case 'between':
        return `(${this.comparand(e.operand)} ${e.negated ? 'NOT ' : ''}BETWEEN ${this.comparand(e.low)} AND ${this.comparand(e.high)})`;
      case 'case': {
        const when = (x: Expr): string => (e.operand === undefined ? this.expr(x) : this.comparand(x));
        const whens = e.whens.map((w) => ` WHEN ${when(w.when)} THEN ${this.comparand(w.then)}`).join('');
        return `CASE${e.operand ? ` ${this.comparand(e.operand)}` : ''}${whens}${e.else ? ` ELSE ${this.comparand(e.else)}` : ''} END`;
      }
      case 'cast': return `${d.tryCastSpelling}(${this.expr(e.operand)} AS ${d.typeName(e.type)})`;
      case 'window': return this.window(e.fn.name, e);
      case 'subquery': return `(${this.query(e.query)})`;
      case 'exists': return `(${e.negated ? 'NOT ' : ''}EXISTS (${this.query(e.query)}))`;
      case 'in-subquery': return `(${this.expr(e.operand)} ${e.negated ? 'NOT ' : ''}IN (${this.query(e.query)}))`;
      default: return assertNever(e);
    }
  }

  private binary(e: Extract<Expr, { kind: 'binary' }>): string {
    const l = this.expr(e.left);
    const r = this.expr(e.right);
    switch (e.op) {
      case '+': case '-': case '*':
        return this.guarded(`(${l} ${e.op} ${r})`, e);
      case '/': {
        // Division by zero gives NULL (RULES.md); integer-dividing engines get a DOUBLE.
        const left = this.dialect.integerDivision ? `CAST(${l} AS DOUBLE)` : l;
        return `(${left} / NULLIF(${r}, 0))`;
      }
      case '%': return this.guarded(`(${l} % NULLIF(${r}, 0))`, e);
      case '=': case '<>': case '<': case '<=': case '>': case '>=':
      case 'IS DISTINCT FROM': case 'IS NOT DISTINCT FROM':
        return `(${this.comparand(e.left)} ${e.op} ${this.comparand(e.right)})`;
      default: return `(${l} ${e.op} ${r})`;
    }
  }

  /**
   * An operand whose type the engine unifies with another value's (comparisons, IN,
   * BETWEEN, CASE results, COALESCE-like functions). DuckDB unifies a DECIMAL(p,s)
   * value with a decimal literal of scale t as DECIMAL(38, max(s,t)) and casts the
   * *value* to it at run time: `bigint_col > 0.00000000000000000001` or
   * `decimal38_col > 1.5` raise on large values, and only when rows reach the filter
   * (a data-dependent failure). A decimal literal, and an integer literal of 20 or more
   * digits (HUGEINT), are compared as DOUBLE instead, which never fails. Integer
   * literals up to BIGINT stay exact (identifiers compare exactly).
   */
  comparand(e: Expr): string {
    const wide = (x: Expr): x is Extract<Expr, { kind: 'literal' }> => x.kind === 'literal'
      && (x.value.type === 'decimal' || (x.value.type === 'integer' && x.value.value.replace('-', '').length >= 20));
    if (wide(e)) return `CAST(${this.dialect.quoteString(printLiteral(e.value, this.dialect))} AS DOUBLE)`;
    if (e.kind === 'unary' && e.op !== 'NOT' && wide(e.operand)) return `(${e.op} ${this.comparand(e.operand)})`;
    return this.expr(e);
  }

  private window(_name: string, e: Extract<Expr, { kind: 'window' }>): string {
    // The window's function prints plainly: TRY cannot wrap a window call.
    const fn = `${e.fn.name === 'stddev' ? 'stddev_samp' : e.fn.name}(${e.fn.distinct ? 'DISTINCT ' : ''}${
      e.fn.star === true ? '*' : e.fn.args.map((a) => this.expr(a)).join(', ')})`;
    const parts: string[] = [];
    if (e.partitionBy.length > 0) parts.push(`PARTITION BY ${e.partitionBy.map((x) => this.expr(x)).join(', ')}`);
    if (e.orderBy.length > 0) parts.push(`ORDER BY ${this.orderBy(e.orderBy)}`);
    if (e.frame !== undefined) parts.push(this.frame(e.frame));
    return `${fn} OVER (${parts.join(' ')})`;
  }

  orderBy(items: readonly OrderItem[]): string {
    return items
      .map((o) => `${this.expr(o.expr)} ${o.direction.toUpperCase()}${o.nulls ? ` NULLS ${o.nulls.toUpperCase()}` : ''}`)
      .join(', ');
  }

  private frame(f: WindowFrame): string {
    const bound = (b: FrameBound): string => {
      switch (b.type) {
        case 'unbounded-preceding': return 'UNBOUNDED PRECEDING';
        case 'unbounded-following': return 'UNBOUNDED FOLLOWING';
        case 'current-row': return 'CURRENT ROW';
        case 'preceding': return `${this.expr(b.offset)} PRECEDING`;
        case 'following': return `${this.expr(b.offset)} FOLLOWING`;
        default: return assertNever(b);
      }
    };
    return `${f.units.toUpperCase()} BETWEEN ${bound(f.start)} AND ${bound(f.end)}`;
  }
}

function unknownFunction(name: string): never {
  throw new Error(`Internal error: function ${name} is not on the allowlist`);
}
