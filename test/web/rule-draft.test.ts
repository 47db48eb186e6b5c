import { describe, expect, it } from 'vitest';
import { AGGREGATE_FUNCTIONS as SERVER_AGGREGATES, SCALAR_FUNCTIONS as SERVER_SCALARS } from '../../src/rules/import-rule-kinds.ts';
import {
  AGGREGATE_FUNCTIONS,
  draftColumns,
  draftToDocument,
  emptyDraft,
  SCALAR_FUNCTIONS,
  setAggregate,
  switchKind,
  toggle,
  type AggregationDraft,
  type RuleDraft,
} from '../../web/src/tables/rule-draft.ts';
import { documentToDraft, editorFromDraft, editorFromJson, jsonToDraft } from '../../web/src/tables/rule-json.ts';
import { IMPRESSIONS_RULE } from '../support/api-world.ts';

/** The web rule editor's form ⇄ JSON mapping (web/src/tables/rule-draft.ts, rule-json.ts); expected values worked out by hand. */

function draftOf(document: unknown): RuleDraft {
  const r = documentToDraft(document);
  if (!r.ok) throw new Error(r.message);
  return r.draft;
}

function aggregationOf(document: unknown): AggregationDraft {
  const d = draftOf(document);
  if (d.kind !== 'aggregation') throw new Error(d.kind);
  return d;
}

describe('documentToDraft and draftToDocument', () => {
  it('reads an aggregation rule into the form fields, defaults filled in as the server does', () => {
    expect(draftOf(IMPRESSIONS_RULE)).toEqual({
      kind: 'aggregation',
      aggregateColumns: [
        { columnNames: ['email_address'], function: 'COUNT_DISTINCT' },
        { columnNames: ['cost'], function: 'SUM' },
      ],
      joinColumns: ['email_address'],
      joinRequired: false,
      // Absent in the document: AND only.
      allowedJoinOperators: ['AND'],
      dimensionColumns: ['campaign_id'],
      scalarFunctions: [],
      outputConstraints: [{ columnName: 'email_address', minimum: 2, type: 'COUNT_DISTINCT' }],
      extra: {},
    });
  });

  it('writes the document back as the server would answer it (the bare form too)', () => {
    const expected = { v1: { aggregation: { ...IMPRESSIONS_RULE.v1.aggregation, allowedJoinOperators: ['AND'] } } };
    expect(draftToDocument(draftOf(IMPRESSIONS_RULE))).toEqual(expected);
    expect(draftToDocument(draftOf(IMPRESSIONS_RULE.v1))).toEqual(expected);
    // The server's own shape comes back key for key, in its order.
    expect(JSON.stringify(draftToDocument(draftOf(expected)))).toBe(
      '{"v1":{"aggregation":{"aggregateColumns":[{"columnNames":["email_address"],"function":"COUNT_DISTINCT"},{"columnNames":["cost"],"function":"SUM"}],' +
        '"joinColumns":["email_address"],"allowedJoinOperators":["AND"],"dimensionColumns":["campaign_id"],"scalarFunctions":[],' +
        '"outputConstraints":[{"columnName":"email_address","minimum":2,"type":"COUNT_DISTINCT"}]}}}',
    );
  });

  it('maps joinRequired to a checkbox and back', () => {
    const d = aggregationOf({ aggregation: { ...IMPRESSIONS_RULE.v1.aggregation, joinRequired: 'QUERY_RUNNER' } });
    expect(d.joinRequired).toBe(true);
    expect(draftToDocument(d).v1['aggregation']).toMatchObject({ joinRequired: 'QUERY_RUNNER' });
    expect(draftToDocument({ ...d, joinRequired: false }).v1['aggregation']).not.toHaveProperty('joinRequired');
  });

  it('keeps fields the form has no control for as written, a misspelt one included, for the server to judge', () => {
    const dp = { columns: [{ name: 'email_address' }], bounds: [{ columnName: 'cost', lower: 0, upper: 50 }] };
    const d = draftOf({ v1: { aggregation: { ...IMPRESSIONS_RULE.v1.aggregation, differentialPrivacy: dp, dimensionColumn: ['x'] } } });
    expect(d.extra).toEqual({ differentialPrivacy: dp, dimensionColumn: ['x'] });
    expect(draftToDocument(d).v1['aggregation']).toMatchObject({ differentialPrivacy: dp, dimensionColumn: ['x'] });
    // Unknown function names are kept too: the server refuses them with its diagnostic.
    expect(aggregationOf({ aggregation: { aggregateColumns: [{ columnNames: ['cost'], function: 'MEDIAN' }], scalarFunctions: ['SOUNDEX'] } })).toMatchObject({
      aggregateColumns: [{ columnNames: ['cost'], function: 'MEDIAN' }],
      scalarFunctions: ['SOUNDEX'],
    });
  });

  it('reads a list rule: minimumListSize 0 when absent, additionalAnalyses kept, written before minimumListSize', () => {
    const d = draftOf({ v1: { list: { joinColumns: ['email_address'], listColumns: ['segment'], additionalAnalyses: 'NOT_ALLOWED' } } });
    expect(d).toEqual({ kind: 'list', joinColumns: ['email_address'], listColumns: ['segment'], allowedJoinOperators: ['AND'], minimumListSize: 0, extra: { additionalAnalyses: 'NOT_ALLOWED' } });
    expect(Object.keys(draftToDocument(d).v1['list'] as object)).toEqual(['joinColumns', 'listColumns', 'allowedJoinOperators', 'additionalAnalyses', 'minimumListSize']);
  });

  it('reads a custom rule with differential privacy', () => {
    const doc = {
      v1: {
        custom: {
          allowedAnalyses: ['ANY_QUERY'],
          allowedAnalysisProviders: ['brand'],
          disallowedOutputColumns: ['email_address'],
          differentialPrivacy: { columns: [{ name: 'email_address' }] },
          outputConstraints: [],
        },
      },
    };
    const d = draftOf(doc);
    expect(d).toEqual({
      kind: 'custom',
      allowedAnalyses: ['ANY_QUERY'],
      allowedAnalysisProviders: ['brand'],
      disallowedOutputColumns: ['email_address'],
      outputConstraints: [],
      extra: { differentialPrivacy: { columns: [{ name: 'email_address' }] } },
    });
    expect(JSON.stringify(draftToDocument(d))).toBe(JSON.stringify(doc));
  });

  it('says, with the JSON path, what a form cannot hold', () => {
    const message = (doc: unknown): string => {
      const r = documentToDraft(doc);
      return r.ok ? 'ok' : r.message;
    };
    expect(message([])).toBe('the rule must be a JSON object: {"v1": {"aggregation" | "list" | "custom": {...}}}');
    expect(message({ v1: { aggregation: { joinColumns: 'email_address' } } })).toBe('v1.aggregation.joinColumns: expected a list of names, e.g. ["email_address"]');
    expect(message({ v1: { aggregation: {}, list: {} } })).toBe('several rule kinds in one document (aggregation, list): a table has exactly one rule');
    expect(message({ v1: { aggregaton: {} } })).toBe('v1.aggregaton: unknown rule kind (the kinds are aggregation, list and custom)');
    expect(message({ v1: {} })).toBe('v1: no rule kind (expected one of aggregation, list, custom)');
    expect(message({ v1: { list: {} }, v2: {} })).toBe('unknown field "v2" beside "v1"');
    expect(message({ aggregation: { joinRequired: 'NONE' } })).toBe('aggregation.joinRequired: expected "QUERY_RUNNER", or no field');
    expect(message({ aggregation: { outputConstraints: [{ columnName: 'e', minimum: '2' }] } })).toBe('aggregation.outputConstraints[0].minimum: expected a number');
    expect(message({ aggregation: { aggregateColumns: [{ columnNames: ['c'], function: 'SUM', extra: 1 }] } })).toBe(
      'aggregation.aggregateColumns[0]: unknown field "extra" (the fields are columnNames, function)',
    );
    expect(message({ list: { minimumListSize: 'ten' } })).toBe('list.minimumListSize: expected a number');
  });
});

describe('jsonToDraft and the editor state', () => {
  it('tells malformed JSON apart from a rule the form cannot show', () => {
    const bad = jsonToDraft('{"v1": {"list": ');
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.message.startsWith('The JSON is malformed: ')).toBe(true);
    expect(jsonToDraft('{"v1": {"list": {"joinColumns": 3}}}')).toEqual({ ok: false, message: 'The form cannot show this rule: v1.list.joinColumns: expected a list of names, e.g. ["email_address"]' });
  });

  it('a form edit rewrites the JSON; a JSON edit that parses updates the form; one that does not keeps the last draft', () => {
    const start = editorFromDraft(emptyDraft('list'));
    expect(start.json).toBe(JSON.stringify({ v1: { list: { joinColumns: [], listColumns: [], allowedJoinOperators: ['AND'], minimumListSize: 0 } } }, null, 2));
    const typed = '{"v1":{"list":{"joinColumns":["email_address"],"listColumns":["segment"]}}}';
    const good = editorFromJson(start, typed);
    // The text stays as typed (no reformatting under the cursor); the form follows it.
    expect(good).toEqual({ json: typed, draft: { kind: 'list', joinColumns: ['email_address'], listColumns: ['segment'], allowedJoinOperators: ['AND'], minimumListSize: 0, extra: {} } });
    const broken = editorFromJson(good, typed.slice(0, -1));
    expect(broken.draft).toBe(good.draft);
    expect(broken.json).toBe(typed.slice(0, -1));
    expect(broken.jsonError).toMatch(/^The JSON is malformed: /);
    const fixed = editorFromJson(broken, typed);
    expect(fixed.jsonError).toBeUndefined();
  });
});

describe('form edits', () => {
  const base = aggregationOf(IMPRESSIONS_RULE);

  it('grants an aggregate in the first group of its function, or a new group at the end', () => {
    expect(setAggregate(base, 'cost', 'AVG', true).aggregateColumns).toEqual([
      { columnNames: ['email_address'], function: 'COUNT_DISTINCT' },
      { columnNames: ['cost'], function: 'SUM' },
      { columnNames: ['cost'], function: 'AVG' },
    ]);
    expect(setAggregate(base, 'campaign_id', 'SUM', true).aggregateColumns[1]).toEqual({ columnNames: ['cost', 'campaign_id'], function: 'SUM' });
    // Granting what is granted changes nothing.
    expect(setAggregate(base, 'cost', 'SUM', true)).toBe(base);
  });

  it('withdraws an aggregate from every group of its function, dropping a group left empty', () => {
    expect(setAggregate(base, 'email_address', 'COUNT_DISTINCT', false).aggregateColumns).toEqual([{ columnNames: ['cost'], function: 'SUM' }]);
    const twice = aggregationOf({ aggregation: { aggregateColumns: [{ columnNames: ['a', 'b'], function: 'SUM' }, { columnNames: ['a'], function: 'SUM' }] } });
    expect(setAggregate(twice, 'a', 'SUM', false).aggregateColumns).toEqual([{ columnNames: ['b'], function: 'SUM' }]);
  });

  it('toggles a name in a list', () => {
    expect(toggle(['a', 'b'], 'c', true)).toEqual(['a', 'b', 'c']);
    expect(toggle(['a', 'b', 'a'], 'a', false)).toEqual(['b']);
    expect(toggle(['a', 'b'], 'a', true)).toEqual(['b', 'a']);
  });

  it('switches kind keeping join columns (aggregation ⇄ list) and output constraints (aggregation ⇄ custom)', () => {
    expect(switchKind(base, 'list')).toEqual({ kind: 'list', joinColumns: ['email_address'], listColumns: [], allowedJoinOperators: ['AND'], minimumListSize: 0, extra: {} });
    expect(switchKind(base, 'custom')).toEqual({
      kind: 'custom',
      allowedAnalyses: [],
      allowedAnalysisProviders: [],
      disallowedOutputColumns: [],
      outputConstraints: [{ columnName: 'email_address', minimum: 2, type: 'COUNT_DISTINCT' }],
      extra: {},
    });
    expect(switchKind(switchKind(base, 'list'), 'custom')).toEqual(emptyDraft('custom'));
    expect(switchKind(base, 'aggregation')).toBe(base);
  });

  it('lists the columns a draft names, in order of first appearance', () => {
    expect(draftColumns(base)).toEqual(['email_address', 'cost', 'campaign_id']);
    expect(draftColumns(draftOf({ custom: { allowedAnalyses: [], disallowedOutputColumns: ['e'], outputConstraints: [{ columnName: 'u', minimum: 5, type: 'COUNT_DISTINCT' }] } }))).toEqual(['e', 'u']);
  });

  it("offers exactly the server's function lists", () => {
    expect(AGGREGATE_FUNCTIONS).toEqual(SERVER_AGGREGATES);
    expect(SCALAR_FUNCTIONS).toEqual(SERVER_SCALARS);
  });
});
