import type { AnyValidatedQuery } from '../validated-query.ts';
import { planCustom } from './plan-custom.ts';
import { planAggregation } from './plan-aggregation.ts';
import { planList } from './plan-list.ts';
import type { PlannedQuery } from './planned-query.ts';
import { PLANNER_PREFIX } from './row-id.ts';

export type { PlannedQuery, StagedQuery, SuppressionStats } from './planned-query.ts';
export { ROW_ID_COLUMN } from './row-id.ts';
export { LIST_SIZE_OK_COLUMN } from './plan-list.ts';

/**
 * Turns a validated aggregation or list query into the query that enforces the rules
 * inside the SQL. The input must be in ValidatedQuery's normal form; the tables are
 * views named by association name, each with the hidden ROW_ID_COLUMN.
 *
 * @example
 *   const planned = planQuery(validated);
 *   const sql = printQuery(planned.query, duckdbDialect); // columns: planned.outputColumns
 */
export function planQuery(validated: AnyValidatedQuery): PlannedQuery {
  for (const a of validated.aliases) {
    if (a.table.sqlName.startsWith(PLANNER_PREFIX)) {
      throw new Error(`Internal error: association name ${a.table.sqlName} uses the reserved prefix ${PLANNER_PREFIX}`);
    }
  }
  switch (validated.kind) {
    case 'aggregation':
      return planAggregation(validated);
    case 'list':
      return planList(validated);
    case 'custom':
      return planCustom(validated);
  }
}
