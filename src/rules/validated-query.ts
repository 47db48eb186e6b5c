import type { Query } from '../sql/ast.ts';
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
}
