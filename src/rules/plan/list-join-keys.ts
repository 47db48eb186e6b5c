import type { Relation } from '../../sql/ast.ts';
import type { ResolvedAlias } from '../validated-query.ts';
import { visitExpr } from './expr-walk.ts';

/**
 * The join-key columns of one alias: its columns used in ON conditions. If an alias
 * has none (not possible for a validated list query, which must join), the table's
 * rule join columns are used instead, which can only make the minimum stricter.
 */
export function joinKeyColumns(from: Relation | undefined, a: ResolvedAlias): string[] {
  const found = new Set<string>();
  const walk = (r: Relation | undefined): void => {
    if (r === undefined || r.kind !== 'join') return;
    walk(r.left);
    walk(r.right);
    if (r.on === undefined) return;
    visitExpr(r.on, (e) => {
      if (e.kind === 'column' && e.table === a.alias) found.add(e.name);
      return true;
    });
  };
  walk(from);
  if (found.size > 0) return [...found];
  const rule = a.table.rule;
  return rule !== undefined && rule.kind === 'list' ? [...rule.joinColumns] : [];
}
