import type { Query } from '../sql/ast.ts';

/**
 * Every table name a converted query mentions, wherever it stands (joins, subqueries,
 * CTEs). Used to log a refused query against the tables it tried to read, so that their
 * owners see the attempt; the names are compared with association names by the caller.
 */
export function referencedTableNames(query: Query): Set<string> {
  const names = new Set<string>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item);
      return;
    }
    if (value === null || typeof value !== 'object') return;
    const node = value as Record<string, unknown>;
    if (node['kind'] === 'table' && typeof node['name'] === 'string') names.add(node['name']);
    for (const child of Object.values(node)) visit(child);
  };
  visit(query);
  return names;
}
