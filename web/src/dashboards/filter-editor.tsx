import type { DashboardFilter, FilterValue } from '../../../src/results-sql/dashboards/dashboard-spec.ts';
import { splitList } from './draft.ts';
import { TextInput } from './text-input.tsx';

/** A filter id from its column: lower-case letters, digits and dashes, starting with a letter, unique. */
export function filterId(column: string, taken: readonly string[]): string {
  const base = `f-${column.toLowerCase().replace(/[^a-z0-9_-]+/g, '-')}`.slice(0, 36).replace(/-+$/, '') || 'f';
  let id = base;
  for (let n = 2; taken.includes(id); n++) id = `${base}-${n}`;
  return id;
}

/** Default values typed as text: numbers stay text (the server converts them to the column's type). */
function values(text: string): FilterValue[] {
  return splitList(text);
}

/** The builder's filters: a dimension column, its label, default values; each applies to every visual with that column. */
export function FilterEditor({ filters, onChange }: { readonly filters: readonly DashboardFilter[]; readonly onChange: (f: DashboardFilter[]) => void }) {
  const update = (i: number, next: DashboardFilter): void => onChange(filters.map((f, j) => (j === i ? next : f)));
  return (
    <div class="filter-editor">
      {filters.length === 0 && <p class="meta">No filters. A filter narrows every visual whose rows have its column (campaign_id, for example).</p>}
      {filters.map((f, i) => (
        <fieldset key={f.id} class="inline-fields" data-filter-editor={f.id}>
          <legend>Filter {f.id}</legend>
          <label>
            Column
            <TextInput value={f.column} onText={(t) => update(i, { ...f, column: t.trim() })} />
          </label>
          <label>
            Label
            <input
              type="text"
              value={f.label ?? ''}
              onInput={(e) => {
                const label = (e.target as HTMLInputElement).value;
                const { label: _old, ...rest } = f;
                update(i, label === '' ? rest : { ...rest, label });
              }}
            />
          </label>
          <label>
            Default values (comma-separated; empty: all)
            <TextInput
              value={(f.values ?? []).join(', ')}
              onText={(t) => {
                const v = values(t);
                const { values: _old, ...rest } = f;
                update(i, v.length === 0 ? rest : { ...rest, values: v });
              }}
            />
          </label>
          <button
            type="button"
            class="link danger"
            onClick={() => {
              onChange(filters.filter((_, j) => j !== i));
              // The button goes with its filter: the focus moves to "Add filter".
              document.getElementById('add-filter')?.focus();
            }}
          >
            Remove filter {f.id}
          </button>
        </fieldset>
      ))}
    </div>
  );
}
