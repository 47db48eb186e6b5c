import type { Expr, Select } from '../sql/ast.ts';
import type { ListRule } from './rule-types.ts';
import type { ResolvedAlias } from './validated-query.ts';
import { requireNumeric, type CheckContext } from './check-context.ts';
import { exprText } from './expr-text.ts';
import { ARITHMETIC } from './expr-utils.ts';
import { requireRunnerJoin, tableRefOf, validateJoins } from './validate-joins.ts';
import { checkPredicate } from './validate-where.ts';

function listRule(alias: ResolvedAlias): ListRule {
  const r = alias.table.rule;
  if (r?.kind !== 'list') throw new Error(`Internal error: ${alias.table.sqlName} has no list rule`);
  return r;
}

const has = (list: readonly string[], name: string): boolean =>
  list.some((c) => c.toLowerCase() === name.toLowerCase());

/** Clauses the list rule forbids or constrains, checked on the query as written. */
export function refuseListShape(select: Select, cx: Pick<CheckContext, 'refuser'>): void {
  if (!select.distinct) {
    cx.refuser.fail('distinct-required', 'a list query must be SELECT DISTINCT', select.items[0]?.expr, {
      hint: 'write SELECT DISTINCT ...',
    });
  }
  const first = select.groupBy[0];
  const hint = { hint: 'a list query is SELECT DISTINCT ... FROM ... [WHERE ...] [LIMIT n]' };
  if (first !== undefined) cx.refuser.fail('group-by-not-allowed', 'GROUP BY is not allowed in a list query', first, hint);
  if (select.having !== undefined) cx.refuser.fail('having-not-allowed', 'HAVING is not allowed in a list query', select.having, hint);
  const order = select.orderBy[0];
  if (order !== undefined) cx.refuser.fail('order-by-not-allowed', 'ORDER BY is not allowed in a list query', order.expr, hint);
  if (select.offset !== undefined) cx.refuser.fail('offset-not-allowed', 'OFFSET is not allowed in a list query', select.offset, hint);
  const limit = select.limit;
  if (limit !== undefined && !(limit.kind === 'literal' && limit.value.type === 'integer' && !limit.value.value.startsWith('-'))) {
    cx.refuser.fail('limit-invalid', 'LIMIT takes a non-negative integer literal', limit, { hint: 'write LIMIT 1000' });
  }
}

/**
 * Every clause of RULES.md "List rule" over a normalised SELECT DISTINCT whose tables
 * all have list rules.
 */
export function validateList(select: Select, aliases: readonly ResolvedAlias[], cx: CheckContext): void {
  if (select.from === undefined) return;
  const edges = validateJoins(select.from, cx, {
    joinColumns: (a) => listRule(a).joinColumns,
    operators: (a) => listRule(a).allowedJoinOperators,
  });
  // An overlap list always needs the runner's own table in the join.
  const runnerOwns = aliases.some((a) => a.table.owner === cx.runner);
  if (aliases.length < 2 || !runnerOwns) {
    const other = aliases.find((a) => a.table.owner !== cx.runner) ?? aliases[0];
    cx.refuser.fail('join-required', 'a list query must inner-join a table of the member running it: the output is an overlap list',
      other !== undefined ? tableRefOf(select.from, other.alias) : undefined, {
      ...(other !== undefined ? { table: other.table.sqlName } : {}),
      hint: 'join on the join columns to one of your own tables',
    });
  }
  requireRunnerJoin(aliases, edges, aliases, cx, (a) => ({
    message: `${a.table.sqlName} must be inner-joined on its join columns to a table of the member running the query`,
    hint: `join on ${listRule(a).joinColumns.join(', ')}`,
  }), select.from);
  for (const item of select.items) listOperand(item.expr, 'SELECT', true, cx);
  if (select.where !== undefined) checkPredicate(select.where, cx, (x) => listOperand(x, 'WHERE', false, cx));
}

/** List columns and literals; SELECT may also combine them with + - * /. */
function listOperand(e: Expr, clause: 'SELECT' | 'WHERE', arithmetic: boolean, cx: CheckContext): void {
  switch (e.kind) {
    case 'literal':
      return;
    case 'column': {
      const alias = cx.scope.aliasOf(e);
      const rule = listRule(alias);
      if (has(rule.listColumns, e.name)) return;
      const join = has(rule.joinColumns, e.name);
      cx.refuser.fail(join ? `join-column-in-${clause === 'SELECT' ? 'output' : 'filter'}` : 'column-not-listed',
        `${alias.alias}.${e.name} is not a list column of ${alias.table.sqlName}`, e, {
          table: alias.table.sqlName,
          hint: `list columns of ${alias.table.sqlName}: ${rule.listColumns.join(', ') || 'none'}`,
        });
      return;
    }
    case 'binary':
      if (arithmetic && ARITHMETIC.has(e.op)) {
        listOperand(e.left, clause, arithmetic, cx);
        listOperand(e.right, clause, arithmetic, cx);
        requireNumeric(cx, e.left, e);
        requireNumeric(cx, e.right, e);
        return;
      }
      break;
    case 'unary':
      if (e.op !== 'NOT') {
        listOperand(e.operand, clause, arithmetic, cx);
        return;
      }
      break;
    case 'cast':
    case 'function':
      // A typed literal (how a bound parameter value arrives) is a literal, not a function.
      if (e.kind === 'cast' && e.operand.kind === 'literal') return;
      cx.refuser.fail('function-not-allowed', `functions are not allowed in a list query (${exprText(e)})`, e, {
        hint: 'select list columns as they are; normalising or hashing is a delivery option',
      });
      return;
    default:
      break;
  }
  cx.refuser.fail('expression-not-allowed', `${exprText(e)} is not allowed in ${clause} of a list query`, e, {
    hint: clause === 'SELECT' ? 'select list columns or + - * / of them' : 'compare list columns with literals',
  });
}
