import type { ColumnRef } from '../sql/ast.ts';
import type { ColumnInfo } from './rule-types.ts';
import type { ResolvedAlias } from './validated-query.ts';
import type { Refuser } from './refuser.ts';

/**
 * Column resolution against the allowed columns of the tables in FROM. A column
 * outside the allowed list does not exist (unknown-column, never a rule error), so a
 * query cannot probe which other columns a dataset has.
 */
export class Scope {
  constructor(
    readonly aliases: readonly ResolvedAlias[],
    private readonly refuser: Refuser,
  ) {}

  alias(name: string): ResolvedAlias | undefined {
    const lower = name.toLowerCase();
    return this.aliases.find((a) => a.alias === lower);
  }

  /** The alias of a qualified (normalised) reference; a bug if it is missing. */
  aliasOf(ref: ColumnRef): ResolvedAlias {
    const a = ref.table !== undefined ? this.alias(ref.table) : undefined;
    if (a === undefined) throw new Error(`Internal error: column ${ref.name} is not qualified`);
    return a;
  }

  column(ref: ColumnRef): ColumnInfo {
    const a = this.aliasOf(ref);
    const c = findColumn(a.table.columns, ref.name);
    if (c === undefined) throw new Error(`Internal error: column ${ref.name} vanished from ${a.alias}`);
    return c;
  }

  /** True when an unqualified name is a column of some table in FROM. */
  hasColumn(name: string): boolean {
    return this.aliases.some((a) => findColumn(a.table.columns, name) !== undefined);
  }

  /** Qualifies a reference with its alias and the column's own spelling. */
  resolve(ref: ColumnRef): ColumnRef {
    if (ref.table !== undefined) {
      const a = this.alias(ref.table);
      if (a === undefined) {
        return this.refuser.fail('unknown-table', `"${ref.table}" is not a table or alias in FROM`, ref, {
          hint: `names in FROM: ${this.aliases.map((x) => x.alias).join(', ')}`,
        });
      }
      const c = findColumn(a.table.columns, ref.name);
      if (c === undefined) return this.unknown(ref, [a]);
      return withTable(ref, a.alias, c.name);
    }
    const matches = this.aliases.flatMap((a) => {
      const c = findColumn(a.table.columns, ref.name);
      return c !== undefined ? [{ a, c }] : [];
    });
    const first = matches[0];
    if (first === undefined) return this.unknown(ref, this.aliases);
    if (matches.length > 1) {
      return this.refuser.fail('ambiguous-column', `column "${ref.name}" is in several tables (${matches.map((m) => m.a.alias).join(', ')})`, ref, {
        hint: `qualify it, e.g. ${first.a.alias}.${first.c.name}`,
      });
    }
    return withTable(ref, first.a.alias, first.c.name);
  }

  private unknown(ref: ColumnRef, where: readonly ResolvedAlias[]): never {
    const one = where.length === 1 ? where[0] : undefined;
    return this.refuser.fail(
      'unknown-column',
      `column "${ref.name}" does not exist${one !== undefined ? ` in ${one.table.sqlName}` : ''}`,
      ref,
      {
        ...(one !== undefined ? { table: one.table.sqlName } : {}),
        hint: where.map((a) => `${a.alias}: ${a.table.columns.map((c) => c.name).join(', ')}`).join('; '),
      },
    );
  }
}

export function findColumn(columns: readonly ColumnInfo[], name: string): ColumnInfo | undefined {
  const lower = name.toLowerCase();
  return columns.find((c) => c.name === name) ?? columns.find((c) => c.name.toLowerCase() === lower);
}

function withTable(ref: ColumnRef, table: string, name: string): ColumnRef {
  return { kind: 'column', table, name, ...(ref.pos !== undefined ? { pos: ref.pos } : {}) };
}
