import { assertNever } from '../sql/ast.ts';
import type { ColumnRef, Expr, OrderItem, Relation, Select, SelectItem } from '../sql/ast.ts';
import { isAggregateCall } from './expr-utils.ts';
import type { Refuser } from './refuser.ts';
import type { Scope } from './scope.ts';

/**
 * Rewrites a SELECT into the ValidatedQuery normal form: every table column carries
 * its alias, ordinals become the SELECT item they name, and a bare name that means an
 * output alias stays unqualified.
 *
 * Names that are both an output alias and a column follow DuckDB, the engine whose
 * parser the user's SQL went through: GROUP BY prefers the column, HAVING and ORDER BY
 * prefer the output alias (as the SQL standard does for ORDER BY). Inside an
 * aggregate's arguments a name is always a column.
 *
 * Node kinds no aggregation or list query may contain anywhere (subqueries, windows,
 * parameters, `*`) are refused here, once for both rule kinds.
 */
type Mode = 'columns' | 'alias-first' | 'column-first';

export function normalizeSelect(select: Select, scope: Scope, refuser: Refuser): Select {
  const items: SelectItem[] = select.items.map((item) => {
    if (item.expr.kind === 'star') {
      refuser.fail('select-star-not-allowed', 'SELECT * is not allowed', item.expr, {
        hint: 'name the columns you want',
      });
    }
    return { ...item, expr: qualify(item.expr, 'columns') };
  });
  const outputs = new Map<string, number>();
  items.forEach((i) => {
    if (i.alias !== undefined) {
      const a = i.alias.toLowerCase();
      outputs.set(a, (outputs.get(a) ?? 0) + 1);
    }
  });

  function qualify(e: Expr, mode: Mode): Expr {
    const q = (x: Expr): Expr => qualify(x, mode === 'column-first' ? 'columns' : mode);
    switch (e.kind) {
      case 'column':
        return column(e, mode);
      case 'literal':
        return e;
      case 'parameter':
        return refuser.fail('parameter-not-allowed', 'parameters are allowed only in analysis templates', e, {
          hint: 'write the value as a literal',
        });
      case 'star':
        return refuser.fail('select-star-not-allowed', '* is not allowed', e, { hint: 'name the columns you want' });
      case 'function': {
        // Inside an aggregate, names are columns, never output aliases.
        const inner: Mode = isAggregateCall(e) ? 'columns' : mode;
        return { ...e, args: e.args.map((a) => qualify(a, inner === 'column-first' ? 'columns' : inner)) };
      }
      case 'binary':
        return { ...e, left: q(e.left), right: q(e.right) };
      case 'unary':
        return { ...e, operand: q(e.operand) };
      case 'is-null':
        return { ...e, operand: q(e.operand) };
      case 'in-list':
        return { ...e, operand: q(e.operand), list: e.list.map(q) };
      case 'between':
        return { ...e, operand: q(e.operand), low: q(e.low), high: q(e.high) };
      case 'case':
        return {
          ...e,
          ...(e.operand !== undefined ? { operand: q(e.operand) } : {}),
          whens: e.whens.map((w) => ({ when: q(w.when), then: q(w.then) })),
          ...(e.else !== undefined ? { else: q(e.else) } : {}),
        };
      case 'cast':
        return { ...e, operand: q(e.operand) };
      case 'window':
        return refuser.fail('window-not-allowed', 'window functions are not allowed', e, {
          hint: 'aggregate with GROUP BY instead',
        });
      case 'subquery':
      case 'exists':
      case 'in-subquery':
        return refuser.fail('subquery-not-allowed', 'subqueries are not allowed', e, {
          hint: 'join the tables instead',
        });
      default:
        return assertNever(e);
    }
  }

  function column(ref: ColumnRef, mode: Mode): ColumnRef {
    if (ref.table === undefined && mode !== 'columns') {
      const isOutput = outputs.has(ref.name.toLowerCase());
      if (isOutput && (mode === 'alias-first' || !scope.hasColumn(ref.name))) {
        if ((outputs.get(ref.name.toLowerCase()) ?? 0) > 1) {
          refuser.fail('ambiguous-column', `"${ref.name}" names several outputs`, ref, {
            hint: 'give each output its own alias',
          });
        }
        return { kind: 'column', name: ref.name.toLowerCase(), ...(ref.pos !== undefined ? { pos: ref.pos } : {}) };
      }
    }
    return scope.resolve(ref);
  }

  function ordinal(e: Expr, clause: string): Expr | undefined {
    if (e.kind !== 'literal' || e.value.type !== 'integer') return undefined;
    const n = Number(e.value.value);
    const item = items[n - 1];
    if (item === undefined) {
      return refuser.fail('invalid-ordinal', `${clause} ${e.value.value} does not name a SELECT item`, e, {
        hint: `use a number from 1 to ${items.length}`,
      });
    }
    return item.expr;
  }

  const groupBy = select.groupBy.map((g) => ordinal(g, 'GROUP BY') ?? qualify(g, 'column-first'));
  const orderBy: OrderItem[] = select.orderBy.map((o) => ({
    ...o,
    expr: ordinal(o.expr, 'ORDER BY') ?? qualify(o.expr, 'alias-first'),
  }));
  const relation = (r: Relation): Relation => {
    switch (r.kind) {
      case 'table':
      case 'subquery-relation':
        return r;
      case 'join':
        return {
          ...r,
          left: relation(r.left),
          right: relation(r.right),
          ...(r.on !== undefined ? { on: qualify(r.on, 'columns') } : {}),
        };
      default:
        return assertNever(r);
    }
  };
  return {
    ...select,
    items,
    ...(select.from !== undefined ? { from: relation(select.from) } : {}),
    ...(select.where !== undefined ? { where: qualify(select.where, 'columns') } : {}),
    groupBy,
    ...(select.having !== undefined ? { having: qualify(select.having, 'alias-first') } : {}),
    orderBy,
  };
}
