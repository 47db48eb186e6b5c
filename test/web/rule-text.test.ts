import { describe, expect, it } from 'vitest';
import { checkParam, checkParams, type AnalysisParameter } from '../../web/src/param-form.ts';
import { explainRule } from '../../web/src/rule-text.ts';
import { CUSTOMERS_RULE, IMPRESSIONS_RULE } from '../support/api-world.ts';

/** The web UI's pure parts: rules in sentences, parameter checks. */
describe('explainRule', () => {
  it('explains an aggregation rule: aggregates, joins, dimensions, functions, minimum users per row', () => {
    const e = explainRule({ v1: { aggregation: { ...IMPRESSIONS_RULE.v1.aggregation, joinRequired: 'QUERY_RUNNER', scalarFunctions: ['LOWER', 'TRIM'] } } });
    expect(e.kind).toBe('aggregation');
    expect(e.sentences).toEqual([
      'Queries may aggregate: count distinct values of “email_address” and sum “cost”.',
      "It may be joined with other members' tables only on “email_address”, and those columns are never output (they may only be counted).",
      'Every query must join it to a table of the member who runs the query.',
      'Results may be grouped and filtered by “campaign_id”.',
      'Scalar functions allowed on those columns: LOWER and TRIM.',
      'Minimum users per row: every output row must come from at least 2 distinct “email_address” values; smaller rows are left out without saying how many.',
      'Rows themselves never leave: no query may select them.',
    ]);
    expect(explainRule(CUSTOMERS_RULE).sentences).toContain('No scalar functions may be applied to its columns.');
  });

  it('explains a list rule with its minimum list size', () => {
    const e = explainRule({ v1: { list: { joinColumns: ['email_address'], listColumns: ['email_address', 'status'], allowedJoinOperators: ['AND', 'OR'], minimumListSize: 50 } } });
    expect(e.kind).toBe('list');
    expect(e.sentences[0]).toBe('Queries may return the values of “email_address” and “status” row by row for the people in the overlap: whoever may query this table learns those values.');
    expect(e.sentences[1]).toBe("It may be joined with other members' tables only on “email_address”. Join conditions may be combined with AND or OR.");
    expect(e.sentences).toContain("A list is delivered only if it holds at least 50 distinct join-key values of each other owner's table; a smaller list is refused without a count.");
  });

  it('explains a custom rule: approved templates by name, providers, disallowed outputs, noise', () => {
    const e = explainRule(
      {
        v1: {
          custom: {
            allowedAnalyses: ['ANY_QUERY', 'tid1'],
            allowedAnalysisProviders: ['agency'],
            disallowedOutputColumns: ['email_address'],
            differentialPrivacy: { columns: [{ name: 'email_address' }] },
            outputConstraints: [{ columnName: 'email_address', minimum: 100, type: 'COUNT_DISTINCT' }],
          },
        },
      },
      new Map([['tid1', 'attribution']]),
    );
    expect(e.sentences).toEqual([
      'Any SQL query may run on it when “agency” submits it.',
      'Approved analysis templates may run on it: “attribution”.',
      '“email_address” may be joined and counted but never appear in an output, directly or derived.',
      'Minimum users per row: every output row must come from at least 100 distinct “email_address” values; smaller rows are left out without saying how many.',
      "Answers are differentially private: each person (“email_address”) has a bounded contribution, noise is added to every aggregate, and each answer spends the table's privacy budget.",
    ]);
    expect(explainRule({ v1: { custom: { allowedAnalyses: [], disallowedOutputColumns: [] } } }).sentences[0]).toMatch(/^No analysis is approved yet/);
  });

  it('does not guess at a shape it does not know', () => {
    expect(explainRule({ v2: {} })).toEqual({ kind: 'unknown', summary: expect.stringContaining('does not know'), sentences: [] });
    expect(explainRule(null).kind).toBe('unknown');
  });
});

describe('checkParam', () => {
  const p = (over: Partial<AnalysisParameter>): AnalysisParameter => ({ name: 'x', type: 'VARCHAR', description: '', ...over });
  it('checks types, allowed values and ranges', () => {
    expect(checkParam(p({ type: 'INTEGER' }), '14')).toEqual({ ok: true, value: '14' });
    expect(checkParam(p({ type: 'INTEGER' }), '1.5')).toEqual({ ok: false, message: 'a whole number, e.g. 14' });
    expect(checkParam(p({ type: 'INTEGER', range: { lo: '1', hi: '90' } }), '91')).toEqual({ ok: false, message: 'at most 90' });
    expect(checkParam(p({ type: 'INTEGER', range: { lo: '1', hi: '90' } }), '0')).toEqual({ ok: false, message: 'at least 1' });
    expect(checkParam(p({ type: 'DOUBLE' }), '0.95')).toEqual({ ok: true, value: '0.95' });
    expect(checkParam(p({ type: 'DOUBLE' }), 'abc').ok).toBe(false);
    expect(checkParam(p({ type: 'DATE' }), '2026-02-30x').ok).toBe(false);
    expect(checkParam(p({ type: 'DATE' }), '2026-02-03')).toEqual({ ok: true, value: '2026-02-03' });
    expect(checkParam(p({ type: 'BOOLEAN' }), 'true')).toEqual({ ok: true, value: true });
    expect(checkParam(p({ allowed: ['none', 'state'] }), 'city')).toEqual({ ok: false, message: 'one of none, state' });
    expect(checkParam(p({ type: 'INTEGER', allowed: ['7'] }), '007').ok).toBe(true);
    expect(checkParam(p({}), '  ')).toEqual({ ok: false, message: 'a value is needed' });
  });

  it('sends only the values that differ from the defaults', () => {
    const params = [p({ name: 'a', type: 'INTEGER', default: '14' }), p({ name: 'b', default: 'none' })];
    expect(checkParams(params, { a: '14', b: 'state' })).toEqual({ values: { b: 'state' }, problems: {} });
    expect(checkParams(params, { a: 'x' }).problems).toEqual({ a: 'a whole number, e.g. 14' });
  });
});
