import type { DpQuery } from './dp-shape.ts';
import type { ColumnRef, Expr, FunctionCall, Query } from '../sql/ast.ts';
import type { QueryTable } from './rule-types.ts';

/** One table occurrence in a query: `FROM impressions AS i` gives alias `i`. */
export interface ResolvedAlias {
  /** The alias as written, or the table name when no alias was given; lower-case. */
  readonly alias: string;
  readonly table: QueryTable;
}

/**
 * A query that passed validation, in the normal form the planner expects:
 * - every ColumnRef that names a table column carries `table` = its alias;
 * - ColumnRefs without `table` (in GROUP BY, HAVING, ORDER BY) name a SELECT output alias;
 * - ordinals (`GROUP BY 1`, `ORDER BY 2`) are replaced by the SELECT item expression;
 * - function names are canonical (see src/sql/functions.ts).
 */
export interface ValidatedQuery {
  readonly kind: 'aggregation' | 'list';
  readonly query: Query;
  /** Every table occurrence, in FROM order. A self-join has two entries for one table. */
  readonly aliases: readonly ResolvedAlias[];
  readonly runner: string;
  /** Aggregation noise mode: the query runs through the DP planner (aggregation-noise.ts). */
  readonly dp?: DpQuery;
}

/**
 * An output constraint of a custom-rule table, located in the outermost query: the
 * planner adds `HAVING count(DISTINCT expr) >= minimum` (see custom-constraints.ts).
 */
export interface CustomOutputConstraint {
  /** Association name of the constrained table. */
  readonly table: string;
  readonly column: string;
  readonly minimum: number;
  /** The constrained column as a relation of the outermost FROM exposes it (`b.uid`). */
  readonly expr: ColumnRef;
}

/**
 * A query over custom-rule tables that passed validation (validate-custom.ts). The
 * query is returned as written (names are not qualified): custom SQL runs as it is,
 * with the constraints below added by the planner.
 */
export interface ValidatedCustomQuery {
  readonly kind: 'custom';
  readonly query: Query;
  /**
   * Every base-table occurrence anywhere in the statement (CTEs and subqueries too),
   * in text order; aliases may repeat across nested scopes.
   */
  readonly aliases: readonly ResolvedAlias[];
  readonly runner: string;
  /** The approved template the query runs as; undefined for ad-hoc SQL. */
  readonly templateId?: string;
  /** Output column names (undefined for an unnamed expression). */
  readonly outputColumns: readonly (string | undefined)[];
  readonly outputConstraints: readonly CustomOutputConstraint[];
  /** What the planner needs to keep aggregates from failing on data (custom-numeric.ts). */
  readonly numeric: CustomNumericFacts;
  /** Present when the query reads differentially private tables: what the DP planner rewrites. */
  readonly dp?: DpQuery;
}

/** Nodes of `query` (by identity) that the planner's numeric rewrite treats specially. */
export interface CustomNumericFacts {
  /** SUM/AVG calls (plain or in a window) whose argument's sum cannot overflow: they stay exact. */
  readonly exactSums: ReadonlySet<FunctionCall>;
  /** Aggregate, window and scalar-subquery nodes with a numeric value: DOUBLE when used as operands. */
  readonly numericValues: ReadonlySet<Expr>;
}

/** What validateQuery returns when the caller says how the query runs. */
export type AnyValidatedQuery = ValidatedQuery | ValidatedCustomQuery;
