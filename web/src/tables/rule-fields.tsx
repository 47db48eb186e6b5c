import { useState } from 'preact/hooks';
import {
  AGGREGATE_FUNCTIONS,
  ANY_QUERY,
  hasAggregate,
  JOIN_OPERATORS,
  SCALAR_FUNCTIONS,
  setAggregate,
  toggle,
  type AggregationDraft,
  type ConstraintDraft,
  type CustomDraft,
  type ListDraft,
} from './rule-draft.ts';

/** A column the editor offers: the dataset's, or one the rule names that the dataset lacks (`type` says so). */
export interface EditorColumn {
  readonly name: string;
  readonly type: string;
  readonly missing?: boolean;
}

export interface TemplateChoice {
  readonly id: string;
  readonly name: string;
  readonly collaboration: string;
}

/** Known options first, then whatever else the rule holds (so that nothing it says is hidden). */
function withSelected(options: readonly string[], selected: readonly string[]): string[] {
  return [...options, ...selected.filter((s) => !options.includes(s))];
}

function Checks({
  legend,
  options,
  selected,
  onChange,
  labels,
  help,
}: {
  readonly legend: string;
  readonly options: readonly string[];
  readonly selected: readonly string[];
  readonly onChange: (next: string[]) => void;
  readonly labels?: (option: string) => string;
  readonly help?: string;
}) {
  const all = withSelected(options, selected);
  return (
    <fieldset class="checks">
      <legend>{legend}</legend>
      {help !== undefined && <p class="help">{help}</p>}
      {all.length === 0 && <p class="help">None to choose from.</p>}
      {all.map((o) => (
        <label key={o}>
          <input type="checkbox" checked={selected.includes(o)} onChange={(e) => onChange(toggle(selected, o, e.currentTarget.checked))} /> {labels ? labels(o) : o}
        </label>
      ))}
    </fieldset>
  );
}

/** The columns as rows and what each may be used for as checkbox columns. */
function ColumnGrid({
  caption,
  columns,
  roles,
}: {
  readonly caption: string;
  readonly columns: readonly EditorColumn[];
  readonly roles: readonly { readonly key: string; readonly header: string; readonly label: string; readonly has: (c: string) => boolean; readonly set: (c: string, on: boolean) => void }[];
}) {
  return (
    <div class="table-scroll">
      <table class="rule-grid">
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Column</th>
            {roles.map((r) => (
              <th scope="col" key={r.key}>
                {r.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {columns.map((c) => (
            <tr key={c.name}>
              <th scope="row">
                <code>{c.name}</code> <span class={c.missing ? 'badge bad' : 'type'}>{c.type}</span>
              </th>
              {roles.map((r) => (
                <td key={r.key}>
                  <input type="checkbox" aria-label={`${c.name}: ${r.label}`} checked={r.has(c.name)} onChange={(e) => r.set(c.name, e.currentTarget.checked)} />
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Constraints({
  constraints,
  columns,
  onChange,
  required,
}: {
  readonly constraints: readonly ConstraintDraft[];
  readonly columns: readonly EditorColumn[];
  readonly onChange: (next: ConstraintDraft[]) => void;
  readonly required: boolean;
}) {
  const set = (i: number, change: Partial<ConstraintDraft>): void => onChange(constraints.map((c, j) => (j === i ? { ...c, ...change } : c)));
  const names = withSelected(
    columns.map((c) => c.name),
    constraints.map((c) => c.columnName),
  );
  return (
    <fieldset class="checks constraints">
      <legend>Minimum users per output row</legend>
      <p class="help">
        Every output row must come from at least this many distinct values of the column (COUNT_DISTINCT, 2 to 100000); smaller rows are left out.
        {required ? ' An aggregation rule needs at least one.' : ' Optional.'}
      </p>
      {constraints.map((c, i) => (
        <div class="constraint" key={i}>
          <select aria-label={`Minimum ${i + 1}: column`} value={c.columnName} onChange={(e) => set(i, { columnName: e.currentTarget.value })}>
            {names.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
          <span>at least</span>
          <input
            type="number"
            min={2}
            max={100000}
            step={1}
            aria-label={`Minimum ${i + 1}: distinct values`}
            value={Number.isNaN(c.minimum) ? '' : String(c.minimum)}
            onInput={(e) => set(i, { minimum: e.currentTarget.value.trim() === '' ? NaN : Number(e.currentTarget.value) })}
          />
          <button type="button" class="link danger" onClick={() => onChange(constraints.filter((_, j) => j !== i))}>
            Remove
          </button>
        </div>
      ))}
      <button type="button" class="secondary small" onClick={() => onChange([...constraints, { columnName: names[0] ?? '', minimum: 100, type: 'COUNT_DISTINCT' }])}>
        Add a minimum
      </button>
    </fieldset>
  );
}

const FUNCTION_HEADERS: Readonly<Record<string, string>> = {
  SUM: 'SUM',
  SUM_DISTINCT: 'SUM DISTINCT',
  COUNT: 'COUNT',
  COUNT_DISTINCT: 'COUNT DISTINCT',
  AVG: 'AVG',
};

export function AggregationFields({ draft, columns, onChange }: { readonly draft: AggregationDraft; readonly columns: readonly EditorColumn[]; readonly onChange: (d: AggregationDraft) => void }) {
  const functions = withSelected(
    AGGREGATE_FUNCTIONS,
    draft.aggregateColumns.map((a) => a.function),
  );
  return (
    <>
      <ColumnGrid
        caption="Join columns are matched with other members' tables (and may only be counted); dimensions may be grouped and filtered by; the functions are the aggregates queries may compute on each column."
        columns={columns}
        roles={[
          { key: 'join', header: 'Join', label: 'join column', has: (c) => draft.joinColumns.includes(c), set: (c, on) => onChange({ ...draft, joinColumns: toggle(draft.joinColumns, c, on) }) },
          {
            key: 'dimension',
            header: 'Dimension',
            label: 'dimension',
            has: (c) => draft.dimensionColumns.includes(c),
            set: (c, on) => onChange({ ...draft, dimensionColumns: toggle(draft.dimensionColumns, c, on) }),
          },
          ...functions.map((fn) => ({
            key: fn,
            header: FUNCTION_HEADERS[fn] ?? fn,
            label: fn,
            has: (c: string) => hasAggregate(draft, c, fn),
            set: (c: string, on: boolean) => onChange(setAggregate(draft, c, fn, on)),
          })),
        ]}
      />
      <Checks
        legend="Scalar functions allowed on dimension columns"
        options={SCALAR_FUNCTIONS}
        selected={draft.scalarFunctions}
        onChange={(scalarFunctions) => onChange({ ...draft, scalarFunctions })}
      />
      <Checks
        legend="Join conditions may be combined with"
        options={JOIN_OPERATORS}
        selected={draft.allowedJoinOperators}
        onChange={(allowedJoinOperators) => onChange({ ...draft, allowedJoinOperators })}
      />
      <label class="check">
        <input type="checkbox" checked={draft.joinRequired} onChange={(e) => onChange({ ...draft, joinRequired: e.currentTarget.checked })} /> Join required: every query must join this table
        to a table of the member who runs it (<code>joinRequired: QUERY_RUNNER</code>)
      </label>
      <Constraints constraints={draft.outputConstraints} columns={columns} required onChange={(outputConstraints) => onChange({ ...draft, outputConstraints })} />
    </>
  );
}

export function ListFields({ draft, columns, onChange }: { readonly draft: ListDraft; readonly columns: readonly EditorColumn[]; readonly onChange: (d: ListDraft) => void }) {
  return (
    <>
      <p class="note">
        A list rule delivers row-level values: <strong>whoever may query this table learns the values of its list columns</strong> for the people in the overlap.
        Grant list columns accordingly.
      </p>
      <ColumnGrid
        caption="Join columns are matched with other members' tables (at least one); list columns are returned row by row. A column may be both: that is how an overlap list of identifiers is delivered."
        columns={columns}
        roles={[
          { key: 'join', header: 'Join', label: 'join column', has: (c) => draft.joinColumns.includes(c), set: (c, on) => onChange({ ...draft, joinColumns: toggle(draft.joinColumns, c, on) }) },
          { key: 'list', header: 'List', label: 'list column', has: (c) => draft.listColumns.includes(c), set: (c, on) => onChange({ ...draft, listColumns: toggle(draft.listColumns, c, on) }) },
        ]}
      />
      <Checks
        legend="Join conditions may be combined with"
        options={JOIN_OPERATORS}
        selected={draft.allowedJoinOperators}
        onChange={(allowedJoinOperators) => onChange({ ...draft, allowedJoinOperators })}
      />
      <label class="check">
        Minimum list size{' '}
        <input
          type="number"
          min={0}
          step={1}
          value={Number.isNaN(draft.minimumListSize) ? '' : String(draft.minimumListSize)}
          onInput={(e) => onChange({ ...draft, minimumListSize: e.currentTarget.value.trim() === '' ? NaN : Number(e.currentTarget.value) })}
        />
        <span class="help"> distinct join-key values of each other owner's table; a smaller list is not delivered (0: no minimum)</span>
      </label>
    </>
  );
}

export function CustomFields({
  draft,
  columns,
  templates,
  members,
  onChange,
}: {
  readonly draft: CustomDraft;
  readonly columns: readonly EditorColumn[];
  readonly templates: readonly TemplateChoice[];
  readonly members: readonly string[];
  readonly onChange: (d: CustomDraft) => void;
}) {
  const [provider, setProvider] = useState('');
  const templateLabel = new Map(templates.map((t) => [t.id, `${t.name} (in ${t.collaboration})`]));
  const addProvider = (): void => {
    const name = provider.trim();
    if (name === '') return;
    onChange({ ...draft, allowedAnalysisProviders: toggle(draft.allowedAnalysisProviders, name, true) });
    setProvider('');
  };
  return (
    <>
      <Checks
        legend="Allowed analyses"
        help="Approved analysis templates may run on this table. Any query (ANY_QUERY) lets the providers below run ad-hoc SQL: they can still learn facts through filters, so grant it only to members you trust with that."
        options={[ANY_QUERY, ...templates.map((t) => t.id)]}
        selected={draft.allowedAnalyses}
        labels={(o) => (o === ANY_QUERY ? 'Any query (ANY_QUERY) from the providers below' : (templateLabel.get(o) ?? `template ${o}`))}
        onChange={(allowedAnalyses) => onChange({ ...draft, allowedAnalyses })}
      />
      <Checks
        legend="Analysis providers (may run any query; required with ANY_QUERY)"
        options={members}
        selected={draft.allowedAnalysisProviders}
        onChange={(allowedAnalysisProviders) => onChange({ ...draft, allowedAnalysisProviders })}
      />
      <div class="inline-add">
        <input type="text" aria-label="Another provider (member name)" placeholder="member name" value={provider} onInput={(e) => setProvider(e.currentTarget.value)} />
        <button type="button" class="secondary small" disabled={provider.trim() === ''} onClick={addProvider}>
          Add provider
        </button>
      </div>
      <Checks
        legend="Disallowed output columns"
        help="May be joined, filtered and counted, but never appear in an output, directly or derived."
        options={columns.map((c) => c.name)}
        selected={draft.disallowedOutputColumns}
        onChange={(disallowedOutputColumns) => onChange({ ...draft, disallowedOutputColumns })}
      />
      <Constraints constraints={draft.outputConstraints} columns={columns} required={false} onChange={(outputConstraints) => onChange({ ...draft, outputConstraints })} />
    </>
  );
}
