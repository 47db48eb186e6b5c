import { assertNever } from '../sql/ast.ts';
import type { Expr, Query, QueryBody, Relation, Select, TableRef } from '../sql/ast.ts';
import type { QueryContext, QueryTable } from './rule-types.ts';
import type { ResolvedAlias } from './validated-query.ts';
import { walk } from './expr-utils.ts';
import type { Refuser } from './refuser.ts';

/**
 * Every table reference anywhere in the statement (CTE bodies, set-operation branches,
 * subqueries), except references to the statement's own CTE names. The rule kind of a
 * query is decided by all of them before any shape check, because what is allowed
 * (a CTE, a subquery) depends on the rule kind.
 */
export function collectTableRefs(query: Query): TableRef[] {
  const out: TableRef[] = [];
  const cteNames = new Set<string>();
  const visitQuery = (q: Query): void => {
    for (const c of q.with) {
      cteNames.add(c.name.toLowerCase());
      visitQuery(c.query);
    }
    visitBody(q.body);
  };
  const visitBody = (b: QueryBody): void => {
    if (b.kind === 'set-operation') {
      visitBody(b.left);
      visitBody(b.right);
      b.orderBy.forEach((o) => visitExpr(o.expr));
      return;
    }
    if (b.from !== undefined) visitRelation(b.from);
    selectExprs(b).forEach(visitExpr);
  };
  const visitRelation = (r: Relation): void => {
    switch (r.kind) {
      case 'table':
        if (!cteNames.has(r.name.toLowerCase())) out.push(r);
        return;
      case 'join':
        visitRelation(r.left);
        visitRelation(r.right);
        if (r.on !== undefined) visitExpr(r.on);
        return;
      case 'subquery-relation':
        visitQuery(r.query);
        return;
      default:
        assertNever(r);
    }
  };
  const visitExpr = (e: Expr): void => {
    for (const n of walk(e)) {
      if (n.kind === 'subquery' || n.kind === 'exists' || n.kind === 'in-subquery') visitQuery(n.query);
    }
  };
  visitQuery(query);
  return out;
}

function selectExprs(s: Select): Expr[] {
  return [
    ...s.items.map((i) => i.expr),
    ...(s.where !== undefined ? [s.where] : []),
    ...s.groupBy,
    ...(s.having !== undefined ? [s.having] : []),
    ...s.orderBy.map((o) => o.expr),
    ...(s.limit !== undefined ? [s.limit] : []),
    ...(s.offset !== undefined ? [s.offset] : []),
  ];
}

/** Association names are case-insensitive; nothing outside `ctx.tables` exists. */
export function findTable(ctx: QueryContext, name: string): QueryTable | undefined {
  const lower = name.toLowerCase();
  return ctx.tables.find((t) => t.sqlName.toLowerCase() === lower);
}

export function unknownTable(ref: TableRef, ctx: QueryContext, refuser: Refuser): never {
  return refuser.fail('unknown-table', `table "${ref.name}" is not associated with this collaboration`, ref, {
    hint: ctx.tables.length > 0
      ? `tables you can name: ${ctx.tables.map((t) => t.sqlName).join(', ')}`
      : 'no table is associated with this collaboration yet',
  });
}

/**
 * The table occurrences of the top-level FROM, in FROM order (left before right), each
 * with its alias (the table name when no alias is written). A subquery in FROM is
 * refused here: aggregation and list rules allow none.
 */
export function resolveFrom(from: Relation, ctx: QueryContext, refuser: Refuser): ResolvedAlias[] {
  const out: ResolvedAlias[] = [];
  const visit = (r: Relation): void => {
    switch (r.kind) {
      case 'table': {
        const table = findTable(ctx, r.name) ?? unknownTable(r, ctx, refuser);
        const alias = (r.alias ?? r.name).toLowerCase();
        if (out.some((a) => a.alias === alias)) {
          refuser.fail('duplicate-alias', `the name "${alias}" is used for two tables in FROM`, r, {
            table: table.sqlName,
            hint: 'give each table occurrence its own alias',
          });
        }
        out.push({ alias, table });
        return;
      }
      case 'join':
        visit(r.left);
        visit(r.right);
        return;
      case 'subquery-relation':
        return refuser.fail('subquery-not-allowed', 'subqueries are not allowed', r, {
          hint: 'name associated tables directly in FROM',
        });
      default:
        assertNever(r);
    }
  };
  visit(from);
  return out;
}
