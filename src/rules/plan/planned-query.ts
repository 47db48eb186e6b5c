import type { DpQuery } from '../dp-shape.ts';
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
 * - `staged` (aggregation queries) is `query` split in two so that owner-only
 *   suppression statistics come from the same run: see staged-query.ts. Running
 *   `stage` into the table `staged.table`, then `deliver`, returns exactly the rows of
 *   `query`; `stats` reads the same table.
 */
export interface PlannedQuery {
  readonly query: Query;
  readonly outputColumns: string[];
  readonly listSizeCheck?: Query;
  readonly staged?: StagedQuery;
  /**
   * Differential privacy: `query` is only a preview (planned with a placeholder secret
   * and default bounds); the run plans again with planDp and a fresh secret, reads the
   * exact per-group rows into the process and adds noise there.
   */
  readonly dp?: DpQuery;
}

export interface StagedQuery {
  /** Name of the (temporary) table that `stage` fills and the other two read. */
  readonly table: string;
  readonly stage: Query;
  readonly deliver: Query;
  /** Absent when no referenced table has output constraints. */
  readonly stats?: SuppressionStats;
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
