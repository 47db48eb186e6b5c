import { describe, expect, it } from 'vitest';
import type { Query } from '../sql/ast.ts';
import { referencedTableNames } from './referenced-tables.ts';

describe('referencedTableNames', () => {
  it('finds tables in joins, subqueries and CTEs', () => {
    const inner: Query = {
      kind: 'query',
      with: [],
      body: { kind: 'select', distinct: false, items: [], from: { kind: 'table', name: 'hidden' }, groupBy: [], orderBy: [] },
    };
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
          right: { kind: 'subquery-relation', alias: 's', query: { ...inner, body: { ...inner.body, from: { kind: 'table', name: 'b' } } } },
        },
        groupBy: [],
        orderBy: [],
      },
    };
    expect([...referencedTableNames(query)].sort()).toEqual(['a', 'b', 'hidden']);
  });
});
