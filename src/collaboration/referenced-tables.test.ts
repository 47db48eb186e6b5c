import { describe, expect, it } from 'vitest';
import type { Query } from '../sql/ast.ts';
import { referencedTableNames } from './referenced-tables.ts';

describe('referencedTableNames', () => {
  const over = (name: string): Query => ({
    kind: 'query',
    with: [],
    body: { kind: 'select', distinct: false, items: [], from: { kind: 'table', name }, groupBy: [], orderBy: [] },
  });
  it('finds tables in joins, subqueries and CTEs', () => {
    const inner = over('hidden');
    const query: Query = {
      kind: 'query',
      with: [{ name: 'x', query: inner }],
      body: {
        kind: 'select',
        distinct: false,
        items: [],
        from: {
          kind: 'join',
          type: 'inner',
          left: { kind: 'table', name: 'a', alias: 'q' },
          right: { kind: 'subquery-relation', alias: 's', query: over('b') },
        },
        groupBy: [],
        orderBy: [],
      },
    };
    expect([...referencedTableNames(query)].sort()).toEqual(['a', 'b', 'hidden']);
  });
});
