import type { SelectItem } from '../../sql/ast.ts';

/**
 * The column names of the planned result, one per SELECT item: the alias as written,
 * else the column name, else the function name, else `column_<n>`; repeats get `_2`,
 * `_3`, ... The planner always aliases its final SELECT items with these names, so the
 * result's columns never depend on how an engine names an unaliased expression.
 */
export function outputNames(items: readonly SelectItem[]): string[] {
  const used = new Set<string>();
  return items.map((item, i) => {
    const e = item.expr;
    const base =
      item.alias ?? (e.kind === 'column' ? e.name : e.kind === 'function' ? e.name : `column_${i + 1}`);
    let name = base;
    for (let n = 2; used.has(name.toLowerCase()); n++) name = `${base}_${n}`;
    used.add(name.toLowerCase());
    return name;
  });
}
