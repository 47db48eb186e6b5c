import { catchRefusal } from '../sql/diagnostic.ts';
import type { Result } from '../sql/diagnostic.ts';
import type { AggregationRule, AnalysisRule, ColumnInfo, RuleKind } from './rule-types.ts';
import { readAggregation, readCustom, readListRule, type ColumnReader } from './import-rule-kinds.ts';
import { closest, expectObject, readString, ruleError, type ReadContext } from './rule-json-reader.ts';

export { ruleColumns, ruleToDocument } from './rule-document.ts';

const KINDS: readonly RuleKind[] = ['aggregation', 'list', 'custom'];

/**
 * Parses an analysis rule document in the AWS Clean Rooms JSON shape, strictly.
 *
 * `columns` are the dataset's columns, `allowedColumns` the configured table's allowed
 * list; every column the rule names must be in both. Column names match
 * case-insensitively and come back in the dataset's spelling.
 *
 * @example
 * importRule({ v1: { list: { joinColumns: ['email_address'], listColumns: ['state'] } } },
 *   [{ name: 'email_address', type: 'VARCHAR' }, { name: 'state', type: 'VARCHAR' }],
 *   ['email_address', 'state'])
 * // => { ok: true, value: { kind: 'list', ..., allowedJoinOperators: ['AND'], minimumListSize: 0 } }
 */
export function importRule(
  document: unknown,
  columns: readonly ColumnInfo[],
  allowedColumns: readonly string[],
): Result<AnalysisRule> {
  return catchRefusal(() => {
    const top = expectObject({}, document, '(document)');
    let body = top;
    let path = '';
    if ('v1' in top) {
      const extra = Object.keys(top).find((k) => k !== 'v1');
      if (extra !== undefined) {
        throw ruleError({}, 'rule-unknown-field', extra, `unknown field "${extra}" beside "v1"`, 'a rule document is {"v1": {"<kind>": {...}}}');
      }
      body = expectObject({}, top['v1'], 'v1');
      path = 'v1';
    }
    const keys = Object.keys(body);
    const kinds = keys.filter((k): k is RuleKind => (KINDS as readonly string[]).includes(k));
    const unknown = keys.find((k) => !(KINDS as readonly string[]).includes(k));
    if (unknown !== undefined) {
      const near = closest(unknown, [...KINDS, ...(path === '' ? ['v1'] : [])]);
      throw ruleError({}, 'rule-unknown-field', prefix(path, unknown),
        `unknown rule kind "${unknown}"${near !== undefined ? ` (did you mean "${near}"?)` : ''}`,
        'the kinds are aggregation, list and custom');
    }
    const kind = kinds[0];
    if (kind === undefined) {
      throw ruleError({}, 'rule-missing-field', path === '' ? '(document)' : path,
        'no rule kind: expected one of aggregation, list, custom');
    }
    if (kinds.length > 1) {
      throw ruleError({}, 'rule-several-kinds', path === '' ? '(document)' : path,
        `several rule kinds in one document (${kinds.join(', ')})`, 'a configured table has exactly one analysis rule');
    }
    const ctx: ReadContext = { rule: kind };
    const column = columnReader(columns, allowedColumns);
    const p = prefix(path, kind);
    const rule: AnalysisRule = kind === 'aggregation'
      ? checkAggregation(ctx, readAggregation(ctx, column, body[kind], p), p)
      : kind === 'list'
        ? readListRule(ctx, column, body[kind], p)
        : readCustom(ctx, column, body[kind], p);
    return rule;
  });
}

function prefix(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

function columnReader(columns: readonly ColumnInfo[], allowed: readonly string[]): ColumnReader {
  return (ctx, value, path) => {
    const name = readString(ctx, value, path);
    const lower = name.toLowerCase();
    const inDataset = columns.find((c) => c.name === name) ?? columns.find((c) => c.name.toLowerCase() === lower);
    if (inDataset === undefined) {
      const near = closest(name, columns.map((c) => c.name));
      throw ruleError(ctx, 'rule-unknown-column', path,
        `column "${name}" is not in the dataset${near !== undefined ? ` (did you mean "${near}"?)` : ''}`);
    }
    if (!allowed.some((a) => a.toLowerCase() === inDataset.name.toLowerCase())) {
      throw ruleError(ctx, 'rule-column-not-allowed', path,
        `column "${name}" is not an allowed column of the table`,
        'add it to the allowed columns or remove it from the rule');
    }
    return inDataset.name;
  };
}

/** The stricter points of RULES.md that relate several fields of an aggregation rule. */
function checkAggregation(ctx: ReadContext, rule: AggregationRule, path: string): AggregationRule {
  const dims = new Set(rule.dimensionColumns);
  rule.joinColumns.forEach((c, i) => {
    if (dims.has(c)) {
      throw ruleError(ctx, 'rule-column-conflict', `${path}.joinColumns[${i}]`,
        `"${c}" is both a join column and a dimension column`,
        'a join column usable as a dimension leaks identifiers through LIKE and SUBSTRING; keep them disjoint');
    }
  });
  const joins = new Set(rule.joinColumns);
  rule.aggregateColumns.forEach((a, i) => {
    a.columnNames.forEach((c, j) => {
      const p = `${path}.aggregateColumns[${i}].columnNames[${j}]`;
      if (dims.has(c)) {
        throw ruleError(ctx, 'rule-column-conflict', p,
          `"${c}" is both an aggregate column and a dimension column`,
          'a column is either aggregated or grouped by, not both');
      }
      if (joins.has(c) && a.function !== 'COUNT' && a.function !== 'COUNT_DISTINCT') {
        throw ruleError(ctx, 'rule-join-column-aggregate', p,
          `join column "${c}" may be aggregated only with COUNT or COUNT_DISTINCT, not ${a.function}`,
          'SUM or AVG of an identifier leaks it by differencing');
      }
    });
  });
  return rule;
}
