/**
 * The hidden row id column the engine adds to every table view at ingest: BIGINT,
 * unique per row. Queries cannot name it (the validator knows only allowed columns);
 * the planner uses it to count each row of a table at most once per output row.
 */
export const ROW_ID_COLUMN = '__cr_rowid';

/**
 * Prefix of every name the planner invents (CTEs, internal columns). Association
 * names with this prefix are refused by the planner, so that a CTE can never shadow
 * a table view.
 */
export const PLANNER_PREFIX = '__cr_';
