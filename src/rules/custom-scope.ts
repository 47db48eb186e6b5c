import type { ColumnRef, Expr, Relation } from '../sql/ast.ts';
import { Refusal } from '../sql/diagnostic.ts';
import { Refuser, type RefusalDetails } from './refuser.ts';
import type { QueryTable } from './rule-types.ts';

/**
 * Name resolution for custom-rule queries: what a relation in FROM exposes (columns
 * with their taint and lineage), and the chain of scopes a column reference is looked
 * up in (the SELECT's own FROM, then outer queries for correlated subqueries).
 */

/** One way a disallowed column reaches a value: `customers.email_address` then the steps. */
export interface Trace {
  /** Association name of the table whose disallowedOutputColumns lists the column. */
  readonly table: string;
  readonly column: string;
  readonly steps: readonly string[];
}
export type Taint = readonly Trace[];

/** The table column a value is, passed through unchanged (for output constraints). */
export interface Carrier {
  readonly table: QueryTable;
  readonly column: string;
  /** Table occurrences (ids) the value comes from; several after a UNION. */
  readonly occurrences: ReadonlySet<number>;
}

export interface OutColumn {
  /** Lower-case; undefined for an unnamed expression (it cannot be referenced). */
  readonly name: string | undefined;
  /** Engine type name, or a representative of the inferred category; undefined if unknown. */
  readonly type: string | undefined;
  /** True when `type` is a column's engine type (not a category's representative). */
  readonly exact: boolean;
  readonly taint: Taint;
  readonly carrier: Carrier | undefined;
}

/** What a query body or a relation in FROM produces. */
export interface RelInfo {
  readonly columns: readonly OutColumn[];
  /** Disallowed columns that decide which rows exist or their order (GROUP BY, DISTINCT, ...). */
  readonly rowTaint: Taint;
  /** Base-table occurrences whose rows flow into these rows (not those only in filters). */
  readonly sources: ReadonlySet<number>;
}

/** One relation of a FROM clause under the name queries use for it. */
export interface FromEntry {
  readonly alias: string;
  /** For paths: `CTE base`, `subquery s`; undefined for a base table. */
  readonly label: string | undefined;
  readonly info: RelInfo;
  readonly node: Relation;
}

export interface Resolved {
  readonly entry: FromEntry;
  readonly column: OutColumn;
}

export const RESERVED_PREFIX = '__cr_';

/** Column references that are one side of a plain `column = column` equality (a join condition). */
export const JOIN_EQUALITY_REFS = new WeakSet<ColumnRef>();

/** Builds `custom`-rule diagnostics (the shared Refuser knows only its own labels). */
export class CustomRefuser {
  private readonly base: Refuser;
  constructor(readonly sqlText: string) {
    this.base = new Refuser(sqlText, 'sql');
  }

  fail(code: string, message: string, at: Expr | Relation | undefined, details: RefusalDetails = {}): never {
    const d = this.base.diagnostic(code, message, at, details);
    throw new Refusal({ ...d, rule: 'custom', message: `custom rule: ${d.message}` });
  }

  /** Names starting with `__cr_` belong to the planner (hidden row ids, helper columns). */
  reserved(name: string, what: string, at: Expr | Relation | undefined): void {
    if (!name.toLowerCase().startsWith(RESERVED_PREFIX)) return;
    this.fail('reserved-name', `${what} "${name}" uses the reserved prefix ${RESERVED_PREFIX}`, at, {
      hint: `rename it; names starting with ${RESERVED_PREFIX} are reserved for the clean room`,
    });
  }
}

export function sameName(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** Resolution of column references: own FROM first, then outer queries (correlation). */
export class ColumnScope {
  constructor(
    readonly entries: readonly FromEntry[],
    readonly outer: ColumnScope | undefined,
    private readonly refuser: CustomRefuser,
    /** Earlier relations of the FROM a subquery sits in: never visible (no LATERAL). */
    readonly siblings: readonly FromEntry[] = [],
  ) {}

  /** Undefined when no scope of the chain has the name. */
  lookup(ref: ColumnRef): Resolved | undefined {
    const here = this.find(ref);
    if (here !== undefined) return here;
    // A qualifier that names a relation here never falls through to an outer query.
    if (ref.table !== undefined && this.entries.some((e) => e.alias === ref.table)) return undefined;
    // Checked before outer queries: DuckDB might prefer the sibling where we would not.
    this.refuseLateral(ref);
    return this.outer?.lookup(ref);
  }

  /** True when an unqualified name is a column of this SELECT's own FROM. */
  hasOwnColumn(name: string): boolean {
    return this.entries.some((e) => e.info.columns.some((c) => c.name !== undefined && sameName(c.name, name)));
  }

  resolve(ref: ColumnRef): Resolved {
    const found = this.lookup(ref);
    if (found !== undefined) return found;
    const entry = ref.table !== undefined ? this.entryNamed(ref.table) : undefined;
    if (ref.table !== undefined && entry === undefined) {
      return this.refuser.fail('unknown-table', `"${ref.table}" is not a table, CTE or subquery alias in scope`, ref, {
        hint: `names in scope: ${this.visibleAliases().join(', ') || 'none'}`,
      });
    }
    const where = entry !== undefined ? [entry] : this.entries;
    return this.refuser.fail('unknown-column', `column "${ref.name}" does not exist${entry !== undefined ? ` in ${entry.alias}` : ''}`, ref, {
      hint: where.map((e) => `${e.alias}: ${e.info.columns.flatMap((c) => (c.name !== undefined ? [c.name] : [])).join(', ')}`).join('; ')
        || 'name a table in FROM',
    });
  }

  private find(ref: ColumnRef): Resolved | undefined {
    const candidates = ref.table !== undefined ? this.entries.filter((e) => e.alias === ref.table) : this.entries;
    const matches = candidates.flatMap((entry) =>
      entry.info.columns.filter((c) => c.name !== undefined && sameName(c.name, ref.name)).map((column) => ({ entry, column })));
    if (matches.length > 1) {
      const where = [...new Set(matches.map((m) => m.entry.alias))];
      this.refuser.fail('ambiguous-column', `column "${ref.name}" is in several relations or outputs (${where.join(', ')})`, ref, {
        hint: where.length > 1 ? `qualify it, e.g. ${where[0] ?? ''}.${ref.name}` : 'give each output of the subquery or CTE its own alias',
      });
    }
    return matches[0];
  }

  private entryNamed(alias: string): FromEntry | undefined {
    return this.entries.find((e) => e.alias === alias) ?? this.outer?.entryNamed(alias);
  }

  private visibleAliases(): string[] {
    return [...this.entries.map((e) => e.alias), ...(this.outer?.visibleAliases() ?? [])];
  }

  /** DuckDB would bind a sibling's column implicitly (LATERAL); the clean room refuses. */
  private refuseLateral(ref: ColumnRef): void {
    const hit = this.siblings.find((e) => (ref.table === undefined ? e.info.columns.some((c) => c.name !== undefined && sameName(c.name, ref.name)) : e.alias === ref.table));
    if (hit === undefined) return;
    this.refuser.fail('lateral-reference-not-allowed', `a subquery in FROM cannot read ${hit.alias}.${ref.name} of another relation in the same FROM (LATERAL)`, ref, {
      hint: 'join the subquery to that relation with ON instead',
    });
  }
}

/**
 * The outer scope as a correlated subquery sees it: records the taint of every outer
 * column the subquery reads, anywhere (its WHERE too). A correlated subquery computes a
 * value per outer row from those columns, so that taint flows to the subquery's value
 * (`(SELECT COUNT(*) FROM t WHERE i.email LIKE 'a%')` is a bit of i.email per row).
 */
export class CorrelationScope extends ColumnScope {
  private recorded: Taint = [];
  constructor(private readonly enclosing: ColumnScope, refuser: CustomRefuser) {
    super([], enclosing, refuser);
  }

  override lookup(ref: ColumnRef): Resolved | undefined {
    const found = this.enclosing.lookup(ref);
    // `inner.col = outer.col` is a join: which rows match is join knowledge (RULES.md).
    if (found !== undefined && !JOIN_EQUALITY_REFS.has(ref)) this.recorded = [...this.recorded, ...found.column.taint];
    return found;
  }

  get taint(): Taint {
    return this.recorded;
  }
}
