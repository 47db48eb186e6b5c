import { describe, expect, it } from 'vitest';
import { diffSchemas, isSameSchema } from './schema-drift.ts';

describe('diffSchemas', () => {
  it('reports added, removed and retyped columns by name', () => {
    const drift = diffSchemas(
      [
        { name: 'id', type: 'BIGINT' },
        { name: 'email', type: 'VARCHAR' },
        { name: 'gone', type: 'DATE' },
      ],
      [
        { name: 'email', type: 'VARCHAR' },
        { name: 'id', type: 'VARCHAR' },
        { name: 'new_col', type: 'DOUBLE' },
      ],
    );
    expect(drift).toEqual({
      added: [{ name: 'new_col', type: 'DOUBLE' }],
      removed: [{ name: 'gone', type: 'DATE' }],
      retyped: [{ name: 'id', from: 'BIGINT', to: 'VARCHAR' }],
    });
    expect(isSameSchema(drift)).toBe(false);
  });

  it('ignores order and extra fields', () => {
    const a = [
      { name: 'a', type: 'BIGINT', originalName: 'A' },
      { name: 'b', type: 'VARCHAR', originalName: 'B' },
    ];
    const b = [
      { name: 'b', type: 'VARCHAR' },
      { name: 'a', type: 'BIGINT' },
    ];
    expect(isSameSchema(diffSchemas(a, b))).toBe(true);
  });
});
