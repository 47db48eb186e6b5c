import type { ColumnSchema } from './crawl-types.ts';

export interface SchemaDrift {
  readonly added: readonly ColumnSchema[];
  readonly removed: readonly ColumnSchema[];
  readonly retyped: ReadonlyArray<{ readonly name: string; readonly from: string; readonly to: string }>;
}

/**
 * What changed between two versions of a dataset, matched by (normalised) column name.
 * Order changes are not drift: columns are always addressed by name.
 *
 * @example
 *   diffSchemas([{ name: 'id', type: 'BIGINT' }], [{ name: 'id', type: 'VARCHAR' }, { name: 'x', type: 'DATE' }])
 *   // { added: [{ name: 'x', type: 'DATE' }], removed: [], retyped: [{ name: 'id', from: 'BIGINT', to: 'VARCHAR' }] }
 */
export function diffSchemas(previous: readonly ColumnSchema[], next: readonly ColumnSchema[]): SchemaDrift {
  const before = new Map(previous.map((c) => [c.name, c]));
  const after = new Map(next.map((c) => [c.name, c]));
  return {
    added: next.filter((c) => !before.has(c.name)).map(({ name, type }) => ({ name, type })),
    removed: previous.filter((c) => !after.has(c.name)).map(({ name, type }) => ({ name, type })),
    retyped: next.flatMap((c) => {
      const old = before.get(c.name);
      return old !== undefined && old.type !== c.type ? [{ name: c.name, from: old.type, to: c.type }] : [];
    }),
  };
}

/** True when nothing changed. */
export function isSameSchema(drift: SchemaDrift): boolean {
  return drift.added.length === 0 && drift.removed.length === 0 && drift.retyped.length === 0;
}
