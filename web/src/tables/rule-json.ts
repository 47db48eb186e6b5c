/**
 * The rule editor's JSON side: a rule document (or the text typed for it) read into the
 * form's draft, and the editor state that keeps the two in step. Pure (tested in
 * test/web/rule-draft.test.ts).
 */
import {
  AGGREGATE_FUNCTIONS,
  draftToDocument,
  RULE_KINDS,
  type AggregateGroup,
  type AggregationDraft,
  type ConstraintDraft,
  type CustomDraft,
  type ListDraft,
  type RuleDraft,
  type RuleKindName,
} from './rule-draft.ts';

export type DraftResult = { readonly ok: true; readonly draft: RuleDraft } | { readonly ok: false; readonly message: string };

/** Fields of the rule the form has no control for, kept as written. */
type Extra = Readonly<Record<string, unknown>>;

/** What a form cannot hold, with the JSON path of the problem (as the server names paths). */
class ShapeError extends Error {}

type Doc = Readonly<Record<string, unknown>>;

function isObject(value: unknown): value is Doc {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringList(body: Doc, key: string, path: string): string[] {
  const value = body[key];
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw new ShapeError(`${path}.${key}: expected a list of names, e.g. ["email_address"]`);
  return value as string[];
}

function numberField(body: Doc, key: string, path: string, fallback: number): number {
  const value = body[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new ShapeError(`${path}.${key}: expected a number`);
  return value;
}

function constraints(body: Doc, path: string): ConstraintDraft[] {
  const value = body['outputConstraints'];
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new ShapeError(`${path}.outputConstraints: expected a list of {"columnName", "minimum", "type"}`);
  return value.map((item: unknown, i) => {
    const p = `${path}.outputConstraints[${i}]`;
    if (!isObject(item)) throw new ShapeError(`${p}: expected {"columnName", "minimum", "type": "COUNT_DISTINCT"}`);
    const unknown = Object.keys(item).find((k) => !['columnName', 'minimum', 'type'].includes(k));
    if (unknown !== undefined) throw new ShapeError(`${p}: unknown field "${unknown}" (the fields are columnName, minimum, type)`);
    if (typeof item['columnName'] !== 'string') throw new ShapeError(`${p}.columnName: expected a column name`);
    return { columnName: item['columnName'], minimum: numberField(item, 'minimum', p, NaN), type: typeof item['type'] === 'string' ? item['type'] : 'COUNT_DISTINCT' };
  });
}

/** The fields of `body` other than `known`, kept as written. */
function rest(body: Doc, known: readonly string[]): Extra {
  return Object.fromEntries(Object.entries(body).filter(([k]) => !known.includes(k)));
}

function aggregation(body: Doc, path: string): AggregationDraft {
  const groups = body['aggregateColumns'];
  if (groups !== undefined && !Array.isArray(groups)) throw new ShapeError(`${path}.aggregateColumns: expected a list of {"columnNames", "function"}`);
  const aggregateColumns = (groups ?? []).map((item: unknown, i: number): AggregateGroup => {
    const p = `${path}.aggregateColumns[${i}]`;
    if (!isObject(item)) throw new ShapeError(`${p}: expected {"columnNames": [...], "function": "SUM"}`);
    const unknown = Object.keys(item).find((k) => k !== 'columnNames' && k !== 'function');
    if (unknown !== undefined) throw new ShapeError(`${p}: unknown field "${unknown}" (the fields are columnNames, function)`);
    if (typeof item['function'] !== 'string') throw new ShapeError(`${p}.function: expected one of ${AGGREGATE_FUNCTIONS.join(', ')}`);
    return { columnNames: stringList(item, 'columnNames', p), function: item['function'] };
  });
  const joinRequired = body['joinRequired'];
  if (joinRequired !== undefined && joinRequired !== 'QUERY_RUNNER') throw new ShapeError(`${path}.joinRequired: expected "QUERY_RUNNER", or no field`);
  return {
    kind: 'aggregation',
    aggregateColumns,
    joinColumns: stringList(body, 'joinColumns', path),
    joinRequired: joinRequired === 'QUERY_RUNNER',
    // Absent means AND only, as on the server.
    allowedJoinOperators: body['allowedJoinOperators'] === undefined ? ['AND'] : stringList(body, 'allowedJoinOperators', path),
    dimensionColumns: stringList(body, 'dimensionColumns', path),
    scalarFunctions: stringList(body, 'scalarFunctions', path),
    outputConstraints: constraints(body, path),
    extra: rest(body, ['aggregateColumns', 'joinColumns', 'joinRequired', 'allowedJoinOperators', 'dimensionColumns', 'scalarFunctions', 'outputConstraints']),
  };
}

function list(body: Doc, path: string): ListDraft {
  return {
    kind: 'list',
    joinColumns: stringList(body, 'joinColumns', path),
    listColumns: stringList(body, 'listColumns', path),
    allowedJoinOperators: body['allowedJoinOperators'] === undefined ? ['AND'] : stringList(body, 'allowedJoinOperators', path),
    minimumListSize: numberField(body, 'minimumListSize', path, 0),
    extra: rest(body, ['joinColumns', 'listColumns', 'allowedJoinOperators', 'minimumListSize']),
  };
}

function custom(body: Doc, path: string): CustomDraft {
  return {
    kind: 'custom',
    allowedAnalyses: stringList(body, 'allowedAnalyses', path),
    allowedAnalysisProviders: stringList(body, 'allowedAnalysisProviders', path),
    disallowedOutputColumns: stringList(body, 'disallowedOutputColumns', path),
    outputConstraints: constraints(body, path),
    extra: rest(body, ['allowedAnalyses', 'allowedAnalysisProviders', 'disallowedOutputColumns', 'outputConstraints']),
  };
}

/**
 * A rule document (`{"v1": {"aggregation": {...}}}` or the bare `{"aggregation": {...}}`)
 * as a draft, or why a form cannot show it.
 *
 * @example documentToDraft({ v1: { list: { joinColumns: ['email'], listColumns: [] } } })
 *   // { ok: true, draft: { kind: 'list', joinColumns: ['email'], listColumns: [], allowedJoinOperators: ['AND'], minimumListSize: 0, extra: {} } }
 */
export function documentToDraft(document: unknown): DraftResult {
  try {
    if (!isObject(document)) throw new ShapeError('the rule must be a JSON object: {"v1": {"aggregation" | "list" | "custom": {...}}}');
    let top = document;
    let path = '';
    if ('v1' in document) {
      const beside = Object.keys(document).find((k) => k !== 'v1');
      if (beside !== undefined) throw new ShapeError(`unknown field "${beside}" beside "v1"`);
      if (!isObject(document['v1'])) throw new ShapeError('v1: expected {"aggregation" | "list" | "custom": {...}}');
      top = document['v1'];
      path = 'v1.';
    }
    const keys = Object.keys(top);
    const kinds = keys.filter((k): k is RuleKindName => (RULE_KINDS as readonly string[]).includes(k));
    const other = keys.find((k) => !(RULE_KINDS as readonly string[]).includes(k));
    if (other !== undefined) throw new ShapeError(`${path}${other}: unknown rule kind (the kinds are aggregation, list and custom)`);
    const kind = kinds[0];
    if (kind === undefined) throw new ShapeError(`${path === '' ? 'the document' : 'v1'}: no rule kind (expected one of aggregation, list, custom)`);
    if (kinds.length > 1) throw new ShapeError(`several rule kinds in one document (${kinds.join(', ')}): a table has exactly one rule`);
    const body = top[kind];
    const p = `${path}${kind}`;
    if (!isObject(body)) throw new ShapeError(`${p}: expected an object of the rule's fields`);
    return { ok: true, draft: kind === 'aggregation' ? aggregation(body, p) : kind === 'list' ? list(body, p) : custom(body, p) };
  } catch (e) {
    if (e instanceof ShapeError) return { ok: false, message: e.message };
    throw e;
  }
}

/** JSON text typed into the editor, as a draft, or what is wrong with it. */
export function jsonToDraft(text: string): DraftResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { ok: false, message: `The JSON is malformed: ${e instanceof Error ? e.message : String(e)}` };
  }
  const mapped = documentToDraft(value);
  return mapped.ok ? mapped : { ok: false, message: `The form cannot show this rule: ${mapped.message}` };
}

export function draftToJson(draft: RuleDraft): string {
  return JSON.stringify(draftToDocument(draft), null, 2);
}

/**
 * What the editor holds: the draft the form shows and the JSON text. Editing the form
 * rewrites the text; editing the text updates the form when it parses, and otherwise
 * keeps the last draft that did and says what is wrong (`jsonError`).
 */
export interface EditorState {
  readonly draft: RuleDraft;
  readonly json: string;
  readonly jsonError?: string;
}

export function editorFromDraft(draft: RuleDraft): EditorState {
  return { draft, json: draftToJson(draft) };
}

export function editorFromJson(previous: EditorState, text: string): EditorState {
  const parsed = jsonToDraft(text);
  return parsed.ok ? { draft: parsed.draft, json: text } : { draft: previous.draft, json: text, jsonError: parsed.message };
}

