/**
 * An analysis rule document (`{"v1": {"aggregation" | "list" | "custom": {...}}}`, as
 * the API returns it) explained in sentences for people who do not read the JSON. Pure:
 * unknown or malformed fields are said to be so rather than guessed at.
 */
import { prose } from './format.ts';

export interface RuleExplanation {
  readonly kind: 'aggregation' | 'list' | 'custom' | 'unknown';
  /** One line: what kind of queries the table answers. */
  readonly summary: string;
  /** One sentence per permission or limit, in reading order. */
  readonly sentences: readonly string[];
}

type Doc = Readonly<Record<string, unknown>>;

function obj(value: unknown): Doc | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Doc) : undefined;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function objects(value: unknown): Doc[] {
  return Array.isArray(value) ? value.map(obj).filter((v): v is Doc => v !== undefined) : [];
}

const code = (name: string): string => `“${name}”`;
const names = (list: readonly string[]): string => prose(list.map(code));

const FUNCTION_WORDS: Readonly<Record<string, string>> = {
  COUNT: 'count',
  COUNT_DISTINCT: 'count distinct values of',
  SUM: 'sum',
  SUM_DISTINCT: 'sum the distinct values of',
  AVG: 'average',
};

function outputConstraintSentences(rule: Doc): string[] {
  return objects(rule['outputConstraints']).map((c) => {
    const column = String(c['columnName'] ?? '?');
    const minimum = typeof c['minimum'] === 'number' ? c['minimum'] : NaN;
    return `Minimum users per row: every output row must come from at least ${minimum} distinct ${code(column)} values; smaller rows are left out without saying how many.`;
  });
}

function privacySentences(rule: Doc): string[] {
  const dp = obj(rule['differentialPrivacy']);
  if (!dp) return [];
  const users = objects(dp['columns']).map((c) => String(c['name'] ?? '?'));
  const out = [
    `Answers are differentially private: each person (${names(users)}) has a bounded contribution, noise is added to every aggregate, and each answer spends the table's privacy budget.`,
  ];
  for (const b of objects(dp['bounds'])) {
    out.push(`Values of ${code(String(b['columnName'] ?? '?'))} are clamped to ${String(b['lower'])}…${String(b['upper'])} before they are summed or averaged.`);
  }
  return out;
}

function joinSentence(joinColumns: readonly string[], operators: readonly string[], hidden: boolean): string {
  if (joinColumns.length === 0) return 'It cannot be joined with other tables.';
  const ops = operators.length > 1 ? ` Join conditions may be combined with ${prose(operators, 'or')}.` : '';
  // Aggregation rules keep join columns out of the output (only inside COUNT); a list may list them.
  const out = hidden ? ', and those columns are never output (they may only be counted)' : '';
  return `It may be joined with other members' tables only on ${names(joinColumns)}${out}.${ops}`;
}

function additional(rule: Doc): string[] {
  switch (rule['additionalAnalyses']) {
    case 'REQUIRED':
      return ['Its results must go through a further analysis before they are released.'];
    case 'ALLOWED':
      return ['Its results may feed further analyses.'];
    case 'NOT_ALLOWED':
      return ['Its results may not feed further analyses.'];
    default:
      return [];
  }
}

function aggregation(rule: Doc): RuleExplanation {
  const aggregates = objects(rule['aggregateColumns']).map((a) => {
    const fn = String(a['function'] ?? '?');
    return `${FUNCTION_WORDS[fn] ?? fn.toLowerCase()} ${names(strings(a['columnNames']))}`;
  });
  const dimensions = strings(rule['dimensionColumns']);
  const functions = strings(rule['scalarFunctions']);
  const sentences = [
    aggregates.length > 0
      ? `Queries may aggregate: ${prose(aggregates)}.`
      : 'No column may be aggregated, so no query can use this table.',
    joinSentence(strings(rule['joinColumns']), strings(rule['allowedJoinOperators']), true),
    ...(rule['joinRequired'] === 'QUERY_RUNNER' ? ['Every query must join it to a table of the member who runs the query.'] : []),
    dimensions.length > 0
      ? `Results may be grouped and filtered by ${names(dimensions)}.`
      : 'Results cannot be grouped by any of its columns: only overall totals.',
    functions.length > 0 ? `Scalar functions allowed on those columns: ${prose(functions)}.` : 'No scalar functions may be applied to its columns.',
    ...outputConstraintSentences(rule),
    ...privacySentences(rule),
    'Rows themselves never leave: no query may select them.',
  ];
  return { kind: 'aggregation', summary: 'Aggregation rule: only totals by group (counts, sums, averages) can be asked for.', sentences };
}

function list(rule: Doc): RuleExplanation {
  const listColumns = strings(rule['listColumns']);
  const minimum = rule['minimumListSize'];
  const sentences = [
    `Queries may return the values of ${names(listColumns)} row by row for the people in the overlap: whoever may query this table learns those values.`,
    joinSentence(strings(rule['joinColumns']), strings(rule['allowedJoinOperators']), false),
    'Every query must join it to a table of the member who runs the query; no aggregates, functions, grouping or ordering.',
    ...(typeof minimum === 'number'
      ? [`A list is delivered only if it holds at least ${minimum} distinct join-key values of each other owner's table; a smaller list is refused without a count.`]
      : []),
    ...additional(rule),
  ];
  return { kind: 'list', summary: 'List rule: the overlap may be listed row by row (activation lists).', sentences };
}

function custom(rule: Doc, templateNames: ReadonlyMap<string, string>): RuleExplanation {
  const analyses = strings(rule['allowedAnalyses']);
  const providers = strings(rule['allowedAnalysisProviders']);
  const disallowed = strings(rule['disallowedOutputColumns']);
  const templates = analyses.filter((a) => a !== 'ANY_QUERY').map((id) => templateNames.get(id) ?? id);
  const sentences: string[] = [];
  if (analyses.includes('ANY_QUERY')) {
    sentences.push(`Any SQL query may run on it when ${providers.length > 0 ? names(providers) : 'an allowed provider'} submits it.`);
  }
  sentences.push(
    templates.length > 0
      ? `Approved analysis templates may run on it: ${names(templates)}.`
      : analyses.includes('ANY_QUERY')
        ? 'No analysis template is approved yet.'
        : 'No analysis is approved yet: nothing can run on it until its owner approves a template.',
  );
  if (disallowed.length > 0) sentences.push(`${names(disallowed)} may be joined and counted but never appear in an output, directly or derived.`);
  sentences.push(...outputConstraintSentences(rule), ...privacySentences(rule), ...additional(rule));
  return { kind: 'custom', summary: 'Custom rule: only analyses its owner approved (reviewed SQL templates) can run.', sentences };
}

/**
 * @example explainRule({ v1: { aggregation: { aggregateColumns: [{ columnNames: ['email_address'], function: 'COUNT_DISTINCT' }], ... } } })
 *   // { kind: 'aggregation', sentences: ['Queries may aggregate: count distinct values of “email_address”.', ...] }
 */
export function explainRule(document: unknown, templateNames: ReadonlyMap<string, string> = new Map()): RuleExplanation {
  const v1 = obj(obj(document)?.['v1']);
  const aggregationRule = obj(v1?.['aggregation']);
  if (aggregationRule) return aggregation(aggregationRule);
  const listRule = obj(v1?.['list']);
  if (listRule) return list(listRule);
  const customRule = obj(v1?.['custom']);
  if (customRule) return custom(customRule, templateNames);
  return { kind: 'unknown', summary: 'This rule has a shape the web UI does not know; its JSON is below.', sentences: [] };
}
