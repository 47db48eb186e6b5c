/**
 * Analysis rule documents, in the JSON shape of AWS Clean Rooms configured-table
 * analysis rules (see shared RULES.md). These are the *parsed and validated* forms;
 * `import-rule.ts` turns untrusted JSON into them or refuses with a diagnostic.
 */

export type AggregateFunction = 'SUM' | 'SUM_DISTINCT' | 'COUNT' | 'COUNT_DISTINCT' | 'AVG';

export type ScalarFunctionName =
  | 'ABS' | 'CAST' | 'CEILING' | 'COALESCE' | 'CONVERT' | 'CURRENT_DATE' | 'DATEADD'
  | 'EXTRACT' | 'FLOOR' | 'GETDATE' | 'LN' | 'LOG' | 'LOWER' | 'ROUND' | 'RTRIM' | 'SQRT'
  | 'SUBSTRING' | 'TO_CHAR' | 'TO_DATE' | 'TO_NUMBER' | 'TO_TIMESTAMP' | 'TRIM' | 'TRUNC'
  | 'UPPER';

export type JoinOperator = 'AND' | 'OR';

export interface AggregateColumn {
  readonly columnNames: readonly string[];
  readonly function: AggregateFunction;
}

export interface OutputConstraint {
  readonly columnName: string;
  readonly minimum: number;
  readonly type: 'COUNT_DISTINCT';
}

/**
 * Cleanroom's noise mode for an aggregation rule: queries on the table run with user-level
 * differential privacy on `columns[0]` (the same mechanisms and budget as custom rules);
 * SUM and AVG of the table's columns are clamped to the owner's `bounds`.
 */
export interface AggregationNoise {
  readonly columns: readonly { readonly name: string }[];
  readonly bounds: readonly { readonly columnName: string; readonly lower: number; readonly upper: number }[];
}

export interface AggregationRule {
  readonly kind: 'aggregation';
  readonly aggregateColumns: readonly AggregateColumn[];
  readonly joinColumns: readonly string[];
  readonly joinRequired?: 'QUERY_RUNNER';
  readonly allowedJoinOperators: readonly JoinOperator[];
  readonly dimensionColumns: readonly string[];
  readonly scalarFunctions: readonly ScalarFunctionName[];
  readonly outputConstraints: readonly OutputConstraint[];
  readonly differentialPrivacy?: AggregationNoise;
}

export interface ListRule {
  readonly kind: 'list';
  readonly joinColumns: readonly string[];
  readonly listColumns: readonly string[];
  readonly allowedJoinOperators: readonly JoinOperator[];
  readonly additionalAnalyses?: 'ALLOWED' | 'REQUIRED' | 'NOT_ALLOWED';
  /** Cleanroom's own: distinct join-key values of each other owner's table, after LIMIT. */
  readonly minimumListSize: number;
}

export interface CustomRule {
  readonly kind: 'custom';
  readonly allowedAnalyses: readonly string[];
  readonly allowedAnalysisProviders: readonly string[];
  readonly disallowedOutputColumns: readonly string[];
  readonly differentialPrivacy?: { readonly columns: readonly { readonly name: string }[] };
  readonly additionalAnalyses?: 'ALLOWED' | 'REQUIRED' | 'NOT_ALLOWED';
  readonly outputConstraints: readonly OutputConstraint[];
}

export type AnalysisRule = AggregationRule | ListRule | CustomRule;
export type RuleKind = AnalysisRule['kind'];

/** A column a configured table exposes, with its engine type name (e.g. `VARCHAR`). */
export interface ColumnInfo {
  readonly name: string;
  readonly type: string;
}

/** One associated table as the validators and the planner see it. */
export interface QueryTable {
  /** Association name: the table name in SQL, lower-case, unique in the collaboration. */
  readonly sqlName: string;
  /** Member that owns the configured table. */
  readonly owner: string;
  /** Allowed columns only; nothing else of the dataset exists for queries. */
  readonly columns: readonly ColumnInfo[];
  /** Undefined: associated but not queryable. */
  readonly rule?: AnalysisRule;
}

export interface QueryContext {
  /** Member running the query. */
  readonly runner: string;
  /** Every table associated into the collaboration (the query may use a subset). */
  readonly tables: readonly QueryTable[];
}
