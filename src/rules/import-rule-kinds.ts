import type {
  AggregationNoise,
  AggregateColumn,
  AggregateFunction,
  AggregationRule,
  CustomRule,
  JoinOperator,
  ListRule,
  OutputConstraint,
  ScalarFunctionName,
} from './rule-types.ts';
import {
  checkFields,
  expectObject,
  readEnum,
  readEnumList,
  readInteger,
  readList,
  readString,
  readStringList,
  required,
  ruleError,
  type JsonObject,
  type ReadContext,
} from './rule-json-reader.ts';

/**
 * Field-by-field readers for the three rule kinds. Column names are handed to
 * `column` (which checks the dataset and the allowed list) so that every column a rule
 * names is checked in one place; the cross-field points of RULES.md are in
 * import-rule-checks.ts.
 */

export type ColumnReader = (ctx: ReadContext, value: unknown, path: string) => string;

export const AGGREGATE_FUNCTIONS: readonly AggregateFunction[] = [
  'SUM', 'SUM_DISTINCT', 'COUNT', 'COUNT_DISTINCT', 'AVG',
];
export const SCALAR_FUNCTIONS: readonly ScalarFunctionName[] = [
  'ABS', 'CAST', 'CEILING', 'COALESCE', 'CONVERT', 'CURRENT_DATE', 'DATEADD', 'EXTRACT',
  'FLOOR', 'GETDATE', 'LN', 'LOG', 'LOWER', 'ROUND', 'RTRIM', 'SQRT', 'SUBSTRING', 'TO_CHAR',
  'TO_DATE', 'TO_NUMBER', 'TO_TIMESTAMP', 'TRIM', 'TRUNC', 'UPPER',
];
const JOIN_OPERATORS: readonly JoinOperator[] = ['AND', 'OR'];
const ADDITIONAL: readonly ('ALLOWED' | 'REQUIRED' | 'NOT_ALLOWED')[] = ['ALLOWED', 'REQUIRED', 'NOT_ALLOWED'];
/** The cloud service's bounds for an output constraint's minimum. */
const MIN_THRESHOLD = 2;
const MAX_THRESHOLD = 100_000;

function columnList(
  ctx: ReadContext,
  column: ColumnReader,
  value: unknown,
  path: string,
  nonEmpty: boolean,
): string[] {
  const names = readStringList(ctx, value, path, nonEmpty);
  return names.map((n, i) => column(ctx, n, `${path}[${i}]`));
}

/** Absent allowedJoinOperators means AND only (the cloud service's default). */
function joinOperators(ctx: ReadContext, obj: JsonObject, path: string): JoinOperator[] {
  const v = obj['allowedJoinOperators'];
  if (v === undefined) return ['AND'];
  return readEnumList(ctx, v, `${path}.allowedJoinOperators`, JOIN_OPERATORS, false);
}

function outputConstraints(
  ctx: ReadContext,
  column: ColumnReader,
  value: unknown,
  path: string,
  nonEmpty: boolean,
): OutputConstraint[] {
  return readList(ctx, value, path, nonEmpty).map((item, i) => {
    const p = `${path}[${i}]`;
    const o = expectObject(ctx, item, p);
    checkFields(ctx, o, p, ['columnName', 'minimum', 'type']);
    const columnName = column(ctx, required(ctx, o, p, 'columnName'), `${p}.columnName`);
    const minimum = readInteger(ctx, required(ctx, o, p, 'minimum'), `${p}.minimum`, MIN_THRESHOLD, MAX_THRESHOLD);
    const type = readEnum(ctx, required(ctx, o, p, 'type'), `${p}.type`, ['COUNT_DISTINCT'] as const);
    return { columnName, minimum, type };
  });
}

/** `differentialPrivacy.columns`: one user column, checked like every column a rule names. */
function readDpColumns(ctx: ReadContext, column: ColumnReader, value: unknown, dp: string, fields: readonly string[]): { name: string }[] {
  const d = expectObject(ctx, value, dp);
  checkFields(ctx, d, dp, fields);
  const columns = readList(ctx, required(ctx, d, dp, 'columns'), `${dp}.columns`, true).map((item, i) => {
    const p = `${dp}.columns[${i}]`;
    const c = expectObject(ctx, item, p);
    checkFields(ctx, c, p, ['name']);
    return { name: column(ctx, readString(ctx, required(ctx, c, p, 'name'), `${p}.name`), `${p}.name`) };
  });
  if (columns.length > 1) throw ruleError(ctx, 'rule-invalid', `${dp}.columns`, 'name exactly one user column');
  return columns;
}

function readFiniteNumber(ctx: ReadContext, value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw ruleError(ctx, 'rule-invalid', path, 'expected a number');
  return value;
}

/** The aggregation rule's noise mode (Cleanroom's): a user column and bounds for SUM and AVG. */
function readAggregationNoise(ctx: ReadContext, column: ColumnReader, value: unknown, dp: string): AggregationNoise {
  const columns = readDpColumns(ctx, column, value, dp, ['columns', 'bounds']);
  const d = expectObject(ctx, value, dp);
  const bounds = d['bounds'] === undefined ? [] : readList(ctx, d['bounds'], `${dp}.bounds`, false).map((item, i) => {
    const p = `${dp}.bounds[${i}]`;
    const b = expectObject(ctx, item, p);
    checkFields(ctx, b, p, ['columnName', 'lower', 'upper']);
    const lower = readFiniteNumber(ctx, required(ctx, b, p, 'lower'), `${p}.lower`);
    const upper = readFiniteNumber(ctx, required(ctx, b, p, 'upper'), `${p}.upper`);
    if (lower > upper) throw ruleError(ctx, 'rule-invalid', p, `lower (${lower}) is above upper (${upper})`);
    return { columnName: column(ctx, readString(ctx, required(ctx, b, p, 'columnName'), `${p}.columnName`), `${p}.columnName`), lower, upper };
  });
  return { columns, bounds };
}

export function readAggregation(ctx: ReadContext, column: ColumnReader, value: unknown, path: string): AggregationRule {
  const o = expectObject(ctx, value, path);
  checkFields(ctx, o, path, [
    'aggregateColumns', 'joinColumns', 'joinRequired', 'allowedJoinOperators',
    'dimensionColumns', 'scalarFunctions', 'outputConstraints', 'differentialPrivacy',
  ]);
  const aggPath = `${path}.aggregateColumns`;
  const aggregateColumns: AggregateColumn[] = readList(ctx, required(ctx, o, path, 'aggregateColumns'), aggPath, true)
    .map((item, i) => {
      const p = `${aggPath}[${i}]`;
      const a = expectObject(ctx, item, p);
      checkFields(ctx, a, p, ['columnNames', 'function']);
      const columnNames = columnList(ctx, column, required(ctx, a, p, 'columnNames'), `${p}.columnNames`, true);
      const fn = readEnum(ctx, required(ctx, a, p, 'function'), `${p}.function`, AGGREGATE_FUNCTIONS);
      return { columnNames, function: fn };
    });
  const list = (key: string): string[] =>
    o[key] === undefined ? [] : columnList(ctx, column, o[key], `${path}.${key}`, false);
  const joinRequired = o['joinRequired'] === undefined
    ? undefined
    : readEnum(ctx, o['joinRequired'], `${path}.joinRequired`, ['QUERY_RUNNER'] as const);
  const scalarFunctions = o['scalarFunctions'] === undefined
    ? []
    : readEnumList(ctx, o['scalarFunctions'], `${path}.scalarFunctions`, SCALAR_FUNCTIONS, false);
  return {
    kind: 'aggregation',
    aggregateColumns,
    joinColumns: list('joinColumns'),
    ...(joinRequired !== undefined ? { joinRequired } : {}),
    allowedJoinOperators: joinOperators(ctx, o, path),
    dimensionColumns: list('dimensionColumns'),
    scalarFunctions,
    // The cloud service requires at least one output constraint; so do we.
    outputConstraints: outputConstraints(ctx, column, required(ctx, o, path, 'outputConstraints'), `${path}.outputConstraints`, true),
    ...(o['differentialPrivacy'] !== undefined
      ? { differentialPrivacy: readAggregationNoise(ctx, column, o['differentialPrivacy'], `${path}.differentialPrivacy`) }
      : {}),
  };
}

export function readListRule(ctx: ReadContext, column: ColumnReader, value: unknown, path: string): ListRule {
  const o = expectObject(ctx, value, path);
  checkFields(ctx, o, path, ['joinColumns', 'listColumns', 'allowedJoinOperators', 'additionalAnalyses', 'minimumListSize']);
  const additional = o['additionalAnalyses'] === undefined
    ? undefined
    : readEnum(ctx, o['additionalAnalyses'], `${path}.additionalAnalyses`, ADDITIONAL);
  const minimumListSize = o['minimumListSize'] === undefined
    ? 0
    : readInteger(ctx, o['minimumListSize'], `${path}.minimumListSize`, 0, Number.MAX_SAFE_INTEGER);
  return {
    kind: 'list',
    joinColumns: columnList(ctx, column, required(ctx, o, path, 'joinColumns'), `${path}.joinColumns`, true),
    // May be empty: a table that only joins (the other side lists its own columns).
    listColumns: columnList(ctx, column, required(ctx, o, path, 'listColumns'), `${path}.listColumns`, false),
    allowedJoinOperators: joinOperators(ctx, o, path),
    ...(additional !== undefined ? { additionalAnalyses: additional } : {}),
    minimumListSize,
  };
}

export function readCustom(ctx: ReadContext, column: ColumnReader, value: unknown, path: string): CustomRule {
  const o = expectObject(ctx, value, path);
  checkFields(ctx, o, path, [
    'allowedAnalyses', 'allowedAnalysisProviders', 'disallowedOutputColumns',
    'differentialPrivacy', 'additionalAnalyses', 'outputConstraints',
  ]);
  // Template approvals may come later, so an empty list is a valid (closed) rule.
  const allowedAnalyses = readStringList(ctx, required(ctx, o, path, 'allowedAnalyses'), `${path}.allowedAnalyses`, false);
  const providers = o['allowedAnalysisProviders'] === undefined
    ? []
    : readStringList(ctx, o['allowedAnalysisProviders'], `${path}.allowedAnalysisProviders`, false);
  if (allowedAnalyses.includes('ANY_QUERY')) {
    if (allowedAnalyses.length > 1) {
      throw ruleError(ctx, 'rule-invalid', `${path}.allowedAnalyses`, 'ANY_QUERY cannot be combined with template ids');
    }
    if (providers.length === 0) {
      throw ruleError(
        ctx, 'rule-missing-field', `${path}.allowedAnalysisProviders`,
        'ANY_QUERY requires a non-empty allowedAnalysisProviders list',
        'name the members who may run any query on this table',
      );
    }
  }
  const additional = o['additionalAnalyses'] === undefined
    ? undefined
    : readEnum(ctx, o['additionalAnalyses'], `${path}.additionalAnalyses`, ADDITIONAL);
  const differentialPrivacy = o['differentialPrivacy'] === undefined
    ? undefined
    : { columns: readDpColumns(ctx, column, o['differentialPrivacy'], `${path}.differentialPrivacy`, ['columns']) };
  return {
    kind: 'custom',
    allowedAnalyses,
    allowedAnalysisProviders: providers,
    disallowedOutputColumns: o['disallowedOutputColumns'] === undefined
      ? []
      : columnList(ctx, column, o['disallowedOutputColumns'], `${path}.disallowedOutputColumns`, false),
    ...(differentialPrivacy !== undefined ? { differentialPrivacy } : {}),
    ...(additional !== undefined ? { additionalAnalyses: additional } : {}),
    outputConstraints: o['outputConstraints'] === undefined
      ? []
      : outputConstraints(ctx, column, o['outputConstraints'], `${path}.outputConstraints`, false),
  };
}
