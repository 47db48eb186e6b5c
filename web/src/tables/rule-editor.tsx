import { explainRule } from '../rule-text.ts';
import { draftColumns, draftToDocument, extraFields, RULE_KINDS, switchKind, type RuleDraft, type RuleKindName } from './rule-draft.ts';
import { editorFromDraft, editorFromJson, type EditorState } from './rule-json.ts';
import { AggregationFields, CustomFields, ListFields, type EditorColumn, type TemplateChoice } from './rule-fields.tsx';

const KIND_LABELS: Readonly<Record<RuleKindName, string>> = {
  aggregation: 'Aggregation: totals by group only',
  list: 'List: the overlap, row by row',
  custom: 'Custom: approved analyses only',
};

/**
 * The rule as a form (the common fields of each kind), as editable JSON, and in
 * sentences, kept in step: a form edit rewrites the JSON, a JSON edit that parses
 * updates the form, and the sentences follow the latest rule that parsed.
 */
export function RuleEditor({
  id,
  state,
  onChange,
  columns,
  allowed,
  templates,
  members,
  templateNames,
}: {
  readonly id: string;
  readonly state: EditorState;
  readonly onChange: (next: EditorState) => void;
  /** The dataset's columns (latest version). */
  readonly columns: readonly { readonly name: string; readonly type: string }[];
  /** The allowed columns ticked so far (empty: the rule's own columns). */
  readonly allowed: readonly string[];
  readonly templates: readonly TemplateChoice[];
  readonly members: readonly string[];
  readonly templateNames: ReadonlyMap<string, string>;
}) {
  const { draft } = state;
  const named = draftColumns(draft);
  const known = new Set(columns.map((c) => c.name));
  const rows: EditorColumn[] = [...columns, ...named.filter((n) => !known.has(n)).map((name) => ({ name, type: 'not in the dataset', missing: true }))];
  const notAllowed = allowed.length === 0 ? [] : named.filter((n) => known.has(n) && !allowed.includes(n));
  const extra = extraFields(draft);
  const setDraft = (next: RuleDraft): void => onChange(editorFromDraft(next));
  const explained = explainRule(draftToDocument(draft), templateNames);

  return (
    <div class="rule-editor">
      <fieldset class="segmented kinds">
        <legend>Rule kind</legend>
        {RULE_KINDS.map((k) => (
          <label key={k}>
            <input type="radio" name={`${id}-kind`} value={k} checked={draft.kind === k} onChange={() => setDraft(switchKind(draft, k))} /> {KIND_LABELS[k]}
          </label>
        ))}
      </fieldset>

      <div class="rule-layout">
        <div class="rule-fields" data-testid="rule-fields">
          {draft.kind === 'aggregation' && <AggregationFields draft={draft} columns={rows} onChange={setDraft} />}
          {draft.kind === 'list' && <ListFields draft={draft} columns={rows} onChange={setDraft} />}
          {draft.kind === 'custom' && <CustomFields draft={draft} columns={rows} templates={templates} members={members} onChange={setDraft} />}
          {extra.length > 0 && (
            <p class="help" data-testid="rule-extra">
              Also in the rule, edited in the JSON only: {extra.map((f, i) => (
                <span key={f}>
                  {i > 0 && ', '}
                  <code>{f}</code>
                </span>
              ))}.
            </p>
          )}
          {notAllowed.length > 0 && (
            <p class="note" data-testid="rule-not-allowed">
              The rule names {notAllowed.length === 1 ? 'a column' : 'columns'} not ticked as allowed: {notAllowed.join(', ')}. The server will refuse it: tick{' '}
              {notAllowed.length === 1 ? 'it' : 'them'} or take {notAllowed.length === 1 ? 'it' : 'them'} out of the rule.
            </p>
          )}
        </div>
        <div class="rule-side">
          <section class="rule-preview" aria-labelledby={`${id}-preview`} data-testid="rule-preview" data-rule-kind={explained.kind}>
            <h3 id={`${id}-preview`}>What this rule allows</h3>
            {state.jsonError !== undefined && <p class="note">The JSON does not parse: this is the last rule that did.</p>}
            <p class="rule-summary">{explained.summary}</p>
            <ul class="rule-sentences">
              {explained.sentences.map((s) => (
                <li key={s}>{s}</li>
              ))}
            </ul>
          </section>
          <div class="rule-json">
            <label for={`${id}-json`}>The rule as JSON (editable)</label>
            <textarea
              id={`${id}-json`}
              rows={18}
              spellcheck={false}
              value={state.json}
              aria-invalid={state.jsonError !== undefined}
              aria-describedby={`${id}-json-help`}
              onInput={(e) => onChange(editorFromJson(state, e.currentTarget.value))}
            />
            {state.jsonError !== undefined ? (
              <p class="field-error" id={`${id}-json-help`} aria-live="polite" data-testid="rule-json-error">
                {state.jsonError}
              </p>
            ) : (
              <p class="help" id={`${id}-json-help`}>
                The document the server receives (docs/rules.md). What you type here is shown back in the form as soon as it parses; the server checks it strictly when you save.
              </p>
            )}
          </div>
        </div>
      </div>
    </div>
  );
}
