import type { ColumnRef, Expr } from '../sql/ast.ts';
import { rulesScalarName } from '../sql/functions.ts';
import type { AggregateFunction, AggregationRule, ScalarFunctionName } from './rule-types.ts';
import type { ResolvedAlias } from './validated-query.ts';
import type { CheckContext } from './check-context.ts';
import { exprText } from './expr-text.ts';
import { isAggregateCall, isNumericLiteral, walk } from './expr-utils.ts';
import { requireUnifiable } from './validate-where.ts';

/** Where a column appears; names the `join-column-in-*` code and the messages. */
export type Clause = 'output' | 'filter' | 'group-by' | 'having' | 'order-by';

const CLAUSE_WORD: Record<Clause, string> = {
  output: 'SELECT', filter: 'WHERE', 'group-by': 'GROUP BY', having: 'HAVING', 'order-by': 'ORDER BY',
};

/** An aggregation query's context: its tables' rules and the scalar functions all allow. */
export interface AggregationContext extends CheckContext {
  readonly scalarFunctions: ReadonlySet<ScalarFunctionName>;
}

export function aggregationRule(alias: ResolvedAlias): AggregationRule {
  const r = alias.table.rule;
  if (r?.kind !== 'aggregation') throw new Error(`Internal error: ${alias.table.sqlName} has no aggregation rule`);
  return r;
}

const has = (list: readonly string[], name: string): boolean =>
  list.some((c) => c.toLowerCase() === name.toLowerCase());

export function isJoinColumn(alias: ResolvedAlias, name: string): boolean {
  return has(aggregationRule(alias).joinColumns, name);
}

export function grantedFunctions(alias: ResolvedAlias, name: string): AggregateFunction[] {
  return aggregationRule(alias).aggregateColumns.filter((a) => has(a.columnNames, name)).map((a) => a.function);
}

/**
 * Scalar functions every referenced table allows: RULES.md's "the most restrictive
 * wins" read strictly, so a function is usable only if no table in the query forbids it,
 * whichever table's columns it touches.
 */
export function commonScalarFunctions(aliases: readonly ResolvedAlias[]): Set<ScalarFunctionName> {
  const [first, ...rest] = aliases.map((a) => aggregationRule(a).scalarFunctions);
  const out = new Set<ScalarFunctionName>(first ?? []);
  for (const list of rest) for (const f of [...out]) if (!list.includes(f)) out.delete(f);
  return out;
}

/**
 * Join columns never appear outside an allowed COUNT/COUNT_DISTINCT, not even inside
 * a scalar function; checked before any shape check so the diagnostic says why.
 */
export function refuseJoinColumns(e: Expr, clause: Clause, cx: AggregationContext): void {
  const visit = (x: Expr): void => {
    if (isAggregateCall(x)) return;
    if (x.kind === 'column' && x.table !== undefined) {
      const alias = cx.scope.aliasOf(x);
      if (isJoinColumn(alias, x.name)) {
        cx.refuser.fail(`join-column-in-${clause}`,
          `join column ${alias.alias}.${x.name} of ${alias.table.sqlName} may not appear in ${CLAUSE_WORD[clause]}`, x, {
            table: alias.table.sqlName,
            hint: 'join columns are used only in ON conditions and inside an allowed COUNT or COUNT(DISTINCT ...)',
          });
      }
    }
    visitChildren(x);
  };
  const visitChildren = (x: Expr): void => {
    // Direct children only, so that the walk stops at aggregate calls.
    switch (x.kind) {
      case 'function': x.args.forEach(visit); return;
      case 'binary': visit(x.left); visit(x.right); return;
      case 'unary': case 'is-null': case 'cast': visit(x.operand); return;
      case 'in-list': visit(x.operand); x.list.forEach(visit); return;
      case 'between': visit(x.operand); visit(x.low); visit(x.high); return;
      case 'case':
        if (x.operand !== undefined) visit(x.operand);
        x.whens.forEach((w) => { visit(w.when); visit(w.then); });
        if (x.else !== undefined) visit(x.else);
        return;
      default: return;
    }
  };
  visit(e);
}

/**
 * A dimension expression: dimension columns, literals, and scalar functions (or CAST)
 * every referenced table allows, nested freely. Arithmetic is not part of it: RULES.md
 * allows only "dimension columns or allowed scalar functions of them".
 */
export function checkDimensionExpr(e: Expr, clause: Clause, cx: AggregationContext): void {
  const fail = (code: string, message: string, at: Expr, hint: string, ref?: ColumnRef): never => {
    const table = ref !== undefined ? cx.scope.aliasOf(ref).table.sqlName : firstTable(at, cx);
    return cx.refuser.fail(code, message, at, { ...(table !== undefined ? { table } : {}), hint });
  };
  switch (e.kind) {
    case 'literal':
      return;
    case 'column': {
      if (e.table === undefined) {
        fail('expression-not-allowed', `the output name ${e.name} can be used only on its own in ${CLAUSE_WORD[clause]}`, e, 'repeat the expression instead of its alias');
        return;
      }
      const alias = cx.scope.aliasOf(e);
      const rule = aggregationRule(alias);
      if (has(rule.dimensionColumns, e.name)) return;
      const fns = grantedFunctions(alias, e.name);
      fail('column-not-dimension',
        `${alias.alias}.${e.name} is not a dimension column of ${alias.table.sqlName}${fns.length > 0 ? `; the rule allows it only inside ${fns.join(', ')}` : ''}`,
        e, `dimension columns of ${alias.table.sqlName}: ${rule.dimensionColumns.join(', ') || 'none'}`, e);
      return;
    }
    case 'function': {
      if (isAggregateCall(e)) {
        fail(clause === 'filter' ? 'aggregate-in-where' : 'aggregate-not-allowed', `aggregate ${e.name.toUpperCase()} is not allowed here (${CLAUSE_WORD[clause]})`, e, 'aggregates belong in SELECT, HAVING and ORDER BY');
      }
      const name = rulesScalarName(e.name);
      if (name === undefined || !cx.scalarFunctions.has(name) || e.distinct) {
        scalarRefused(e, name ?? e.name.toUpperCase(), cx);
      }
      e.args.forEach((a) => checkDimensionExpr(a, clause, cx));
      // COALESCE makes its arguments one type, casting row by row (DATE -> TIMESTAMP fails).
      if (e.name === 'coalesce') e.args.forEach((a, i) => e.args.slice(i + 1).forEach((b) => requireUnifiable(cx, a, b, e, 'COALESCE')));
      return;
    }
    case 'cast':
      if (!cx.scalarFunctions.has('CAST') && !cx.scalarFunctions.has('CONVERT')) scalarRefused(e, 'CAST', cx);
      checkDimensionExpr(e.operand, clause, cx);
      return;
    case 'unary':
      if (e.op !== 'NOT' && isNumericLiteral(e)) return;
      break;
    default:
      break;
  }
  fail('expression-not-allowed', `${exprText(e)} is not a dimension expression`, e,
    'use dimension columns, literals and the scalar functions the rules allow (no arithmetic, CASE or operators)');
}

function scalarRefused(e: Expr, name: string, cx: AggregationContext): never {
  const forbidding = cx.scope.aliases.find((a) => !aggregationRule(a).scalarFunctions.some((f) => f === name));
  return cx.refuser.fail('scalar-function-not-allowed',
    `${name} is not allowed by the aggregation rule${forbidding !== undefined ? ` of ${forbidding.table.sqlName}` : 's'}`, e, {
      ...(forbidding !== undefined ? { table: forbidding.table.sqlName } : {}),
      hint: cx.scalarFunctions.size > 0
        ? `scalar functions every table here allows: ${[...cx.scalarFunctions].join(', ')}`
        : 'the tables in this query allow no scalar function in common',
    });
}

function firstTable(e: Expr, cx: AggregationContext): string | undefined {
  for (const n of walk(e)) if (n.kind === 'column' && n.table !== undefined) return cx.scope.aliasOf(n).table.sqlName;
  return undefined;
}
