import { useState } from 'preact/hooks';
import type { DashboardSpec, FilterValue } from '../../../src/client/dashboards-api.ts';

/**
 * The dashboard's filters: per filter, the values seen in the visuals' rows as
 * checkboxes (none ticked: no filtering), applied to every visual that has the column.
 */
export function FilterBar({
  spec,
  seen,
  chosen,
  onApply,
}: {
  readonly spec: DashboardSpec;
  /** Values of each filter's column found in the rows loaded so far. */
  readonly seen: Readonly<Record<string, readonly FilterValue[]>>;
  readonly chosen: Readonly<Record<string, readonly FilterValue[]>>;
  readonly onApply: (chosen: Record<string, FilterValue[]>) => void;
}) {
  const [draft, setDraft] = useState<Record<string, FilterValue[]>>(() => Object.fromEntries(Object.entries(chosen).map(([k, v]) => [k, [...v]])));
  if (spec.filters.length === 0) return null;
  const toggle = (id: string, value: FilterValue, on: boolean): void => {
    const now = (draft[id] ?? []).filter((v) => String(v) !== String(value));
    setDraft({ ...draft, [id]: on ? [...now, value] : now });
  };
  return (
    <form
      class="filter-bar"
      aria-label="Filters"
      onSubmit={(e) => {
        e.preventDefault();
        onApply(draft);
      }}
    >
      {spec.filters.map((f) => {
        // One box per value as shown: a default typed as text ("1") is the rows' number 1.
        const byText = new Map<string, FilterValue>();
        for (const v of [...(draft[f.id] ?? []), ...(seen[f.id] ?? [])]) byText.set(String(v), v);
        const values = [...byText.values()].sort((a, b) => String(a).localeCompare(String(b), 'en', { numeric: true }));
        return (
          <fieldset key={f.id} class="filter" data-filter={f.id}>
            <legend>{f.label ?? f.column}</legend>
            {values.length === 0 ? (
              <span class="meta">no values yet</span>
            ) : (
              values.map((v) => (
                <label key={String(v)} class="check">
                  <input type="checkbox" checked={(draft[f.id] ?? []).some((d) => String(d) === String(v))} onChange={(e) => toggle(f.id, v, (e.target as HTMLInputElement).checked)} /> {String(v)}
                </label>
              ))
            )}
          </fieldset>
        );
      })}
      <div class="filter-actions">
        <button type="submit">Apply filters</button>
        <button
          type="button"
          class="secondary"
          onClick={() => {
            const none = Object.fromEntries(spec.filters.map((f) => [f.id, [] as FilterValue[]]));
            setDraft(none);
            onApply(none);
          }}
        >
          Clear
        </button>
      </div>
    </form>
  );
}
