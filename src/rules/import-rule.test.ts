import { describe, expect, it } from 'vitest';
import { importRule, ruleColumns, ruleToDocument } from './import-rule.ts';
import type { ColumnInfo } from './rule-types.ts';

const columns: ColumnInfo[] = [
  { name: 'email_address', type: 'VARCHAR' },
  { name: 'date', type: 'DATE' },
  { name: 'creative_id', type: 'VARCHAR' },
  { name: 'price', type: 'DECIMAL(10,2)' },
  { name: 'currency', type: 'VARCHAR' },
  { name: 'secret', type: 'VARCHAR' },
];
const allowed = ['email_address', 'date', 'creative_id', 'price', 'currency'];

function agg(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    aggregateColumns: [
      { columnNames: ['email_address'], function: 'COUNT_DISTINCT' },
      { columnNames: ['price'], function: 'SUM' },
    ],
    joinColumns: ['email_address'],
    dimensionColumns: ['date', 'creative_id'],
    scalarFunctions: ['LOWER'],
    outputConstraints: [{ columnName: 'email_address', minimum: 100, type: 'COUNT_DISTINCT' }],
    ...extra,
  };
}

function refusal(doc: unknown): { code: string; message: string; rule?: string } {
  const r = importRule(doc, columns, allowed);
  if (r.ok) throw new Error('expected a refusal');
  return r.error;
}

describe('importRule: accepted documents', () => {
  it('reads a v1 aggregation rule with defaults', () => {
    const r = importRule({ v1: { aggregation: agg() } }, columns, allowed);
    expect(r).toEqual({
      ok: true,
      value: {
        kind: 'aggregation',
        aggregateColumns: [
          { columnNames: ['email_address'], function: 'COUNT_DISTINCT' },
          { columnNames: ['price'], function: 'SUM' },
        ],
        joinColumns: ['email_address'],
        allowedJoinOperators: ['AND'],
        dimensionColumns: ['date', 'creative_id'],
        scalarFunctions: ['LOWER'],
        outputConstraints: [{ columnName: 'email_address', minimum: 100, type: 'COUNT_DISTINCT' }],
      },
    });
  });

  it('accepts the bare shape and defaults scalarFunctions to none', () => {
    const a = agg();
    delete a['scalarFunctions'];
    const r = importRule({ aggregation: a }, columns, allowed);
    expect(r.ok && r.value.kind === 'aggregation' && r.value.scalarFunctions).toEqual([]);
  });

  it('reads list and custom rules', () => {
    const list = importRule({ v1: { list: { joinColumns: ['email_address'], listColumns: ['creative_id'] } } }, columns, allowed);
    expect(list).toEqual({
      ok: true,
      value: { kind: 'list', joinColumns: ['email_address'], listColumns: ['creative_id'], allowedJoinOperators: ['AND'], minimumListSize: 0 },
    });
    const custom = importRule({ v1: { custom: { allowedAnalyses: ['ANY_QUERY'], allowedAnalysisProviders: ['brand'] } } }, columns, allowed);
    expect(custom.ok && custom.value.kind).toBe('custom');
  });

  it('matches column names case-insensitively and returns the dataset spelling', () => {
    const r = importRule({ list: { joinColumns: ['EMAIL_ADDRESS'], listColumns: [] } }, columns, allowed);
    expect(r.ok && r.value.kind === 'list' && r.value.joinColumns).toEqual(['email_address']);
  });

  it('round-trips through ruleToDocument and lists rule columns', () => {
    const r = importRule({ v1: { aggregation: agg({ joinRequired: 'QUERY_RUNNER' }) } }, columns, allowed);
    if (!r.ok) throw new Error(r.error.message);
    expect(importRule(ruleToDocument(r.value), columns, allowed)).toEqual(r);
    expect(ruleColumns(r.value)).toEqual(['email_address', 'price', 'date', 'creative_id']);
  });
});

describe('importRule: refusals', () => {
  const cases: [string, unknown, string, string][] = [
    ['a misspelled field, suggesting the spelling', { v1: { aggregation: agg({ dimensionColumn: [] }) } }, 'rule-unknown-field', 'did you mean "dimensionColumns"'],
    ['an unknown kind', { v1: { agregation: agg() } }, 'rule-unknown-field', 'did you mean "aggregation"'],
    ['a field beside v1', { v1: { list: {} }, v2: {} }, 'rule-unknown-field', 'v2'],
    ['several kinds', { v1: { aggregation: agg(), list: {} } }, 'rule-several-kinds', 'aggregation, list'],
    ['no kind', { v1: {} }, 'rule-missing-field', 'no rule kind'],
    ['an empty aggregateColumns', { aggregation: agg({ aggregateColumns: [] }) }, 'rule-empty-list', 'aggregation.aggregateColumns'],
    ['an empty columnNames', { aggregation: agg({ aggregateColumns: [{ columnNames: [], function: 'SUM' }] }) }, 'rule-empty-list', 'aggregateColumns[0].columnNames'],
    ['a missing outputConstraints', { aggregation: { aggregateColumns: [{ columnNames: ['price'], function: 'SUM' }] } }, 'rule-missing-field', 'outputConstraints'],
    ['a string instead of a list', { aggregation: agg({ joinColumns: 'email_address' }) }, 'rule-invalid', 'aggregation.joinColumns: expected a list'],
    ['an unknown aggregate function', { aggregation: agg({ aggregateColumns: [{ columnNames: ['price'], function: 'MAX' }] }) }, 'rule-invalid', 'aggregateColumns[0].function'],
    ['a lower-case aggregate function', { aggregation: agg({ aggregateColumns: [{ columnNames: ['price'], function: 'sum' }] }) }, 'rule-invalid', 'did you mean "SUM"'],
    ['an unknown scalar function', { aggregation: agg({ scalarFunctions: ['CONCAT'] }) }, 'rule-invalid', 'scalarFunctions[0]'],
    ['a minimum of 1', { aggregation: agg({ outputConstraints: [{ columnName: 'email_address', minimum: 1, type: 'COUNT_DISTINCT' }] }) }, 'rule-invalid', 'outside 2..100000'],
    ['a minimum of 100001', { aggregation: agg({ outputConstraints: [{ columnName: 'email_address', minimum: 100001, type: 'COUNT_DISTINCT' }] }) }, 'rule-invalid', 'minimum'],
    ['a fractional minimum', { aggregation: agg({ outputConstraints: [{ columnName: 'email_address', minimum: 2.5, type: 'COUNT_DISTINCT' }] }) }, 'rule-invalid', 'expected an integer'],
    ['a constraint type other than COUNT_DISTINCT', { aggregation: agg({ outputConstraints: [{ columnName: 'email_address', minimum: 2, type: 'COUNT' }] }) }, 'rule-invalid', 'outputConstraints[0].type'],
    ['a column outside the allowed list', { aggregation: agg({ dimensionColumns: ['secret'] }) }, 'rule-column-not-allowed', 'dimensionColumns[0]'],
    ['a constraint column outside the allowed list', { aggregation: agg({ outputConstraints: [{ columnName: 'secret', minimum: 2, type: 'COUNT_DISTINCT' }] }) }, 'rule-column-not-allowed', 'outputConstraints[0].columnName'],
    ['a column not in the dataset', { aggregation: agg({ dimensionColumns: ['dat'] }) }, 'rule-unknown-column', 'did you mean "date"'],
    ['a join column that is also a dimension', { aggregation: agg({ dimensionColumns: ['email_address'] }) }, 'rule-column-conflict', 'both a join column and a dimension'],
    ['an aggregate column that is also a dimension', { aggregation: agg({ dimensionColumns: ['price'] }) }, 'rule-column-conflict', 'both an aggregate column and a dimension'],
    ['SUM of a join column', { aggregation: agg({ aggregateColumns: [{ columnNames: ['email_address'], function: 'SUM' }] }) }, 'rule-join-column-aggregate', 'only with COUNT or COUNT_DISTINCT'],
    ['an unknown join operator', { aggregation: agg({ allowedJoinOperators: ['XOR'] }) }, 'rule-invalid', 'allowedJoinOperators[0]'],
    ['a bad joinRequired', { aggregation: agg({ joinRequired: 'OWNER' }) }, 'rule-invalid', 'joinRequired'],
    ['a list rule without join columns', { list: { joinColumns: [], listColumns: ['date'] } }, 'rule-empty-list', 'list.joinColumns'],
    ['a negative minimumListSize', { list: { joinColumns: ['email_address'], listColumns: [], minimumListSize: -1 } }, 'rule-invalid', 'minimumListSize'],
    ['a fractional minimumListSize', { list: { joinColumns: ['email_address'], listColumns: [], minimumListSize: 1.5 } }, 'rule-invalid', 'expected an integer'],
    ['ANY_QUERY without providers', { custom: { allowedAnalyses: ['ANY_QUERY'] } }, 'rule-missing-field', 'allowedAnalysisProviders'],
    ['a document that is not an object', ['aggregation'], 'rule-invalid', 'expected an object'],
    ['a duplicated column', { aggregation: agg({ dimensionColumns: ['date', 'date'] }) }, 'rule-invalid', 'listed twice'],
  ];
  for (const [name, doc, code, fragment] of cases) {
    it(`refuses ${name}`, () => {
      const e = refusal(doc);
      expect(e.code).toBe(code);
      expect(e.message).toContain(fragment);
    });
  }

  it('names the rule kind in field-level diagnostics', () => {
    expect(refusal({ list: { joinColumns: [], listColumns: [] } }).rule).toBe('list');
  });
});

describe('importRule: the aggregation rule\'s noise mode', () => {
  const dp = (extra: Record<string, unknown>): unknown => ({ v1: { aggregation: agg({ differentialPrivacy: extra }) } });

  it('reads a user column and bounds, and writes them back', () => {
    const doc = dp({ columns: [{ name: 'email_address' }], bounds: [{ columnName: 'price', lower: 0, upper: 99.99 }] });
    const r = importRule(doc, columns, allowed);
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.kind === 'aggregation' ? r.value.differentialPrivacy : undefined).toEqual({
      columns: [{ name: 'email_address' }],
      bounds: [{ columnName: 'price', lower: 0, upper: 99.99 }],
    });
    expect(ruleToDocument(r.value).v1['aggregation']?.['differentialPrivacy']).toEqual((doc as { v1: { aggregation: Record<string, unknown> } }).v1.aggregation['differentialPrivacy']);
  });

  it('refuses bounds out of order, unknown columns and a second user column, naming the path', () => {
    expect(refusal(dp({ columns: [{ name: 'email_address' }], bounds: [{ columnName: 'price', lower: 5, upper: 1 }] })).message)
      .toMatch(/differentialPrivacy\.bounds\[0\].*lower \(5\) is above upper \(1\)/);
    expect(refusal(dp({ columns: [{ name: 'email_address' }], bounds: [{ columnName: 'secret', lower: 0, upper: 1 }] })).message)
      .toMatch(/bounds\[0\]\.columnName/);
    expect(refusal(dp({ columns: [{ name: 'email_address' }, { name: 'date' }] })).message).toMatch(/exactly one user column/);
  });
});
