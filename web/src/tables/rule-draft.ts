/**
 * The rule editor's model: an analysis rule document (docs/rules.md) as the fields of a
 * form (the draft), the document written back from it, and the form's edits. Reading a
 * document into a draft is in rule-json.ts. Pure, so that the mapping is tested without
 * a browser (test/web/rule-draft.test.ts).
 *
 * The server is the authority on what a rule may say: the draft keeps names it does not
 * know (a misspelt field, an unknown function) so that the server refuses them with its
 * diagnostic, and refuses here only what a form cannot hold (a list that is not a list).
 */

export type RuleKindName = 'aggregation' | 'list' | 'custom';
export const RULE_KINDS: readonly RuleKindName[] = ['aggregation', 'list', 'custom'];

/** The server's lists (src/rules/import-rule-kinds.ts; test/web/rule-draft.test.ts checks they agree). */
export const AGGREGATE_FUNCTIONS: readonly string[] = ['SUM', 'SUM_DISTINCT', 'COUNT', 'COUNT_DISTINCT', 'AVG'];
export const SCALAR_FUNCTIONS: readonly string[] = [
  'ABS', 'CAST', 'CEILING', 'COALESCE', 'CONVERT', 'CURRENT_DATE', 'DATEADD', 'EXTRACT',
  'FLOOR', 'GETDATE', 'LN', 'LOG', 'LOWER', 'ROUND', 'RTRIM', 'SQRT', 'SUBSTRING', 'TO_CHAR',
  'TO_DATE', 'TO_NUMBER', 'TO_TIMESTAMP', 'TRIM', 'TRUNC', 'UPPER',
];
export const JOIN_OPERATORS: readonly string[] = ['AND', 'OR'];
export const ANY_QUERY = 'ANY_QUERY';

export interface ConstraintDraft {
  readonly columnName: string;
  readonly minimum: number;
  readonly type: string;
}

export interface AggregateGroup {
  readonly columnNames: readonly string[];
  readonly function: string;
}

/** Fields of the rule the form has no control for (differentialPrivacy, additionalAnalyses, a misspelt field), kept as written. */
type Extra = Readonly<Record<string, unknown>>;

export interface AggregationDraft {
  readonly kind: 'aggregation';
  readonly aggregateColumns: readonly AggregateGroup[];
  readonly joinColumns: readonly string[];
  readonly joinRequired: boolean;
  readonly allowedJoinOperators: readonly string[];
  readonly dimensionColumns: readonly string[];
  readonly scalarFunctions: readonly string[];
  readonly outputConstraints: readonly ConstraintDraft[];
  readonly extra: Extra;
}

export interface ListDraft {
  readonly kind: 'list';
  readonly joinColumns: readonly string[];
  readonly listColumns: readonly string[];
  readonly allowedJoinOperators: readonly string[];
  readonly minimumListSize: number;
  readonly extra: Extra;
}

export interface CustomDraft {
  readonly kind: 'custom';
  readonly allowedAnalyses: readonly string[];
  readonly allowedAnalysisProviders: readonly string[];
  readonly disallowedOutputColumns: readonly string[];
  readonly outputConstraints: readonly ConstraintDraft[];
  readonly extra: Extra;
}

export type RuleDraft = AggregationDraft | ListDraft | CustomDraft;

export function emptyDraft(kind: RuleKindName): RuleDraft {
  switch (kind) {
    case 'aggregation':
      return { kind, aggregateColumns: [], joinColumns: [], joinRequired: false, allowedJoinOperators: ['AND'], dimensionColumns: [], scalarFunctions: [], outputConstraints: [], extra: {} };
    case 'list':
      return { kind, joinColumns: [], listColumns: [], allowedJoinOperators: ['AND'], minimumListSize: 0, extra: {} };
    case 'custom':
      return { kind, allowedAnalyses: [], allowedAnalysisProviders: [], disallowedOutputColumns: [], outputConstraints: [], extra: {} };
  }
}

/**
 * Another kind of rule, keeping what means the same there: join columns and operators
 * between aggregation and list, output constraints between aggregation and custom.
 * Fields without a control (`extra`) are dropped: they belong to the old kind.
 */
export function switchKind(draft: RuleDraft, kind: RuleKindName): RuleDraft {
  if (draft.kind === kind) return draft;
  const joins = draft.kind === 'custom' ? undefined : { joinColumns: draft.joinColumns, allowedJoinOperators: draft.allowedJoinOperators };
  const constraints = draft.kind === 'list' ? undefined : { outputConstraints: draft.outputConstraints };
  switch (kind) {
    case 'aggregation':
      return { ...(emptyDraft(kind) as AggregationDraft), ...joins, ...constraints };
    case 'list':
      return { ...(emptyDraft(kind) as ListDraft), ...joins };
    case 'custom':
      return { ...(emptyDraft(kind) as CustomDraft), ...constraints };
  }
}

const constraintsToJson = (list: readonly ConstraintDraft[]): unknown[] => list.map((c) => ({ columnName: c.columnName, minimum: c.minimum, type: c.type }));

/** The rule document for the API (`{"v1": {"<kind>": {...}}}`), fields in the order the server writes them. */
export function draftToDocument(draft: RuleDraft): { readonly v1: Readonly<Record<string, unknown>> } {
  switch (draft.kind) {
    case 'aggregation':
      return {
        v1: {
          aggregation: {
            aggregateColumns: draft.aggregateColumns.map((a) => ({ columnNames: [...a.columnNames], function: a.function })),
            joinColumns: [...draft.joinColumns],
            ...(draft.joinRequired ? { joinRequired: 'QUERY_RUNNER' } : {}),
            allowedJoinOperators: [...draft.allowedJoinOperators],
            dimensionColumns: [...draft.dimensionColumns],
            scalarFunctions: [...draft.scalarFunctions],
            outputConstraints: constraintsToJson(draft.outputConstraints),
            ...draft.extra,
          },
        },
      };
    case 'list':
      return {
        v1: {
          list: {
            joinColumns: [...draft.joinColumns],
            listColumns: [...draft.listColumns],
            allowedJoinOperators: [...draft.allowedJoinOperators],
            ...draft.extra,
            minimumListSize: draft.minimumListSize,
          },
        },
      };
    case 'custom':
      return {
        v1: {
          custom: {
            allowedAnalyses: [...draft.allowedAnalyses],
            allowedAnalysisProviders: [...draft.allowedAnalysisProviders],
            disallowedOutputColumns: [...draft.disallowedOutputColumns],
            ...draft.extra,
            outputConstraints: constraintsToJson(draft.outputConstraints),
          },
        },
      };
  }
}

/** `item` added to or removed from `list` (every occurrence removed). */
export function toggle(list: readonly string[], item: string, on: boolean): string[] {
  const without = list.filter((x) => x !== item);
  return on ? [...without, item] : without;
}

export function hasAggregate(draft: AggregationDraft, column: string, fn: string): boolean {
  return draft.aggregateColumns.some((a) => a.function === fn && a.columnNames.includes(column));
}

/**
 * Grants or withdraws `fn` on `column`: the column joins the first group of that function
 * (a new group at the end if there is none); withdrawn, it leaves every such group, and a
 * group left empty goes.
 */
export function setAggregate(draft: AggregationDraft, column: string, fn: string, on: boolean): AggregationDraft {
  if (on) {
    if (hasAggregate(draft, column, fn)) return draft;
    const at = draft.aggregateColumns.findIndex((a) => a.function === fn);
    const aggregateColumns =
      at < 0
        ? [...draft.aggregateColumns, { columnNames: [column], function: fn }]
        : draft.aggregateColumns.map((a, i) => (i === at ? { ...a, columnNames: [...a.columnNames, column] } : a));
    return { ...draft, aggregateColumns };
  }
  const aggregateColumns = draft.aggregateColumns
    .map((a) => (a.function === fn ? { ...a, columnNames: a.columnNames.filter((c) => c !== column) } : a))
    .filter((a) => a.columnNames.length > 0);
  return { ...draft, aggregateColumns };
}

/** Every column the form's fields name, in order of first appearance. */
export function draftColumns(draft: RuleDraft): string[] {
  const out: string[] = [];
  const add = (c: string): void => {
    if (!out.includes(c)) out.push(c);
  };
  switch (draft.kind) {
    case 'aggregation':
      draft.aggregateColumns.forEach((a) => a.columnNames.forEach(add));
      draft.joinColumns.forEach(add);
      draft.dimensionColumns.forEach(add);
      break;
    case 'list':
      draft.joinColumns.forEach(add);
      draft.listColumns.forEach(add);
      break;
    case 'custom':
      draft.disallowedOutputColumns.forEach(add);
      break;
  }
  if (draft.kind !== 'list') draft.outputConstraints.forEach((c) => add(c.columnName));
  return out;
}

/** The names of the fields the form keeps as written (edited in the JSON only). */
export function extraFields(draft: RuleDraft): string[] {
  return Object.keys(draft.extra);
}
