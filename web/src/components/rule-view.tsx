import { explainRule } from '../rule-text.ts';

/** A rule in sentences, with its JSON one click away. */
export function RuleView({ rule, templateNames }: { readonly rule: unknown; readonly templateNames?: ReadonlyMap<string, string> }) {
  const explained = explainRule(rule, templateNames);
  return (
    <div class="rule" data-rule-kind={explained.kind}>
      <p class="rule-summary">{explained.summary}</p>
      <ul class="rule-sentences">
        {explained.sentences.map((s) => (
          <li key={s}>{s}</li>
        ))}
      </ul>
      <details>
        <summary>The rule document (JSON)</summary>
        <pre class="json">{JSON.stringify(rule, null, 2)}</pre>
      </details>
    </div>
  );
}

export function ColumnList({ columns }: { readonly columns: readonly { readonly name: string; readonly type: string }[] }) {
  return (
    <ul class="columns" aria-label="columns">
      {columns.map((c) => (
        <li key={c.name}>
          <code>{c.name}</code> <span class="type">{c.type}</span>
        </li>
      ))}
    </ul>
  );
}
