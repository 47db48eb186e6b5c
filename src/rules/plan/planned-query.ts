import type { Query, Select } from '../../sql/ast.ts';

/**
 * What the planner hands to the engine.
 *
 * - `query` is the only SQL that may run for the protected query. Every rule is
 *   enforced inside it: output constraints, row-once aggregation, the list minimum.
 *   A list that is too small comes back as zero rows.
 * - `outputColumns` are the result's column names, in order (the final SELECT is
 *   always aliased with them).
 * - `listSizeCheck` (list queries with a minimum list size only) returns exactly one
 *   row with one BOOLEAN column `list_size_ok`: true iff the list that `query`
 *   delivers meets every minimum. It lets the caller report `list-too-small` instead
 *   of an empty result without any count leaving the engine. An empty list is also
 *   "too small" when a minimum applies, so the runner learns only "fewer than the
 *   minimum", never 0 versus a few; "delivered but empty" exists only without minimum.
 * - `suppressionStats` (aggregation queries with output constraints) is for the
 *   table owners only, never the runner: see suppression-stats.ts.
 */
export interface PlannedQuery {
  readonly query: Query;
  readonly outputColumns: string[];
  readonly listSizeCheck?: Query;
  readonly suppressionStats?: SuppressionStats;
}

/** One row; column `column` counts groups removed by the constraints of `alias`. */
export interface SuppressionStats {
  readonly query: Query;
  readonly columns: readonly { readonly alias: string; readonly table: string; readonly column: string }[];
}

/** The single SELECT of a validated aggregation or list query. */
export function selectOf(q: Query): Select {
  if (q.with.length > 0 || q.body.kind !== 'select') {
    throw new Error('Internal error: the planner expects a single SELECT without CTEs');
  }
  return q.body;
}
