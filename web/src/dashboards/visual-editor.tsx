import { useState } from 'preact/hooks';
import type { ResultsSqlTable, SavedResultsQuery } from '../../../src/client/results-sql-api.ts';
import type { Visual, VisualFields, VisualKind, VisualSource } from '../../../src/results-sql/dashboards/dashboard-spec.ts';
import { ErrorBox } from '../components/status.tsx';
import { useSession } from '../session.ts';
import { changeKind, KIND_FIELDS, KIND_LABELS, splitList } from './draft.ts';
import { TextInput } from './text-input.tsx';

export interface Catalog {
  readonly tables: readonly ResultsSqlTable[];
  readonly saved: readonly SavedResultsQuery[];
}

const FIELD_LABELS: Readonly<Record<keyof VisualFields, string>> = {
  x: 'x (category column)',
  y: 'y (value columns, comma-separated)',
  series: 'series (a column whose values become separate bars or lines)',
  value: 'value',
  label: 'label',
  sets: 'sets (columns holding each set’s size, comma-separated)',
  low: 'interval low',
  high: 'interval high',
  columns: 'columns to show, in order (comma-separated; empty: all)',
};
const LISTS = new Set<keyof VisualFields>(['y', 'sets', 'columns']);
const SOURCE_KINDS: readonly { readonly kind: VisualSource['kind']; readonly label: string }[] = [
  { kind: 'latest-of-analysis', label: 'newest result of an analysis' },
  { kind: 'table', label: 'a result table' },
  { kind: 'saved', label: 'a saved query or view' },
  { kind: 'sql', label: 'results SQL' },
];

/** Columns the source is known to have without running it (a table, the newest result of an analysis). */
function knownColumns(source: VisualSource, catalog: Catalog): string[] {
  if (source.kind === 'table') return catalog.tables.find((t) => t.name === source.table || t.id === source.table)?.columns.map((c) => c.name) ?? [];
  if (source.kind === 'latest-of-analysis' && source.sql === undefined) return catalog.tables.filter((t) => t.analysis === source.analysis).at(-1)?.columns.map((c) => c.name) ?? [];
  return [];
}

function defaultSource(kind: VisualSource['kind'], catalog: Catalog): VisualSource {
  switch (kind) {
    case 'table':
      return { kind, table: catalog.tables.at(-1)?.name ?? '' };
    case 'saved':
      return { kind, name: catalog.saved[0]?.name ?? '' };
    case 'sql':
      return { kind, sql: `SELECT * FROM ${catalog.tables.at(-1)?.name ?? 'my_result'}` };
    case 'latest-of-analysis':
      return { kind, analysis: catalog.tables.find((t) => t.analysis !== null)?.analysis ?? '' };
  }
}

/**
 * The form for one visual: kind, title, where its rows come from, the columns it shows,
 * sort and row limit. Column names are suggested from the catalog, or from the rows of
 * a saved query or SQL once checked with "Load columns" (which runs it through results
 * SQL, so a refusal shows here with the server's diagnostic).
 */
export function VisualEditor({ visual, catalog, onChange }: { readonly visual: Visual; readonly catalog: Catalog; readonly onChange: (v: Visual) => void }) {
  const { client } = useSession();
  const [loaded, setLoaded] = useState<string[]>([]);
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const columns = [...new Set([...knownColumns(visual.source, catalog), ...loaded])];
  const p = `ve-${visual.id}`;
  const analyses = [...new Set(catalog.tables.map((t) => t.analysis).filter((a): a is string => a !== null))];
  const rules = KIND_FIELDS[visual.kind];

  const setField = (key: keyof VisualFields, text: string): void => {
    const fields: Record<string, unknown> = { ...visual.fields };
    if (text.trim() === '') delete fields[key];
    else fields[key] = LISTS.has(key) ? splitList(text) : text.trim();
    onChange({ ...visual, fields: fields as VisualFields });
  };

  const loadColumns = async (): Promise<void> => {
    setBusy(true);
    setError(undefined);
    try {
      const s = visual.source;
      const answer =
        s.kind === 'saved'
          ? await client.resultsSql.query({ saved: s.name, limit: 1 })
          : s.kind === 'sql'
            ? await client.resultsSql.query({ sql: s.sql, limit: 1 })
            : null;
      if (answer !== null) setLoaded(answer.columns.map((c) => c.name));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const source = visual.source;
  return (
    <fieldset class="visual-editor" data-editing={visual.id}>
      <legend>Visual {visual.id}</legend>
      <datalist id={`${p}-cols`}>
        {columns.map((c) => (
          <option key={c} value={c} />
        ))}
      </datalist>
      <div class="inline-fields">
        <label>
          Title
          <input type="text" value={visual.title} onInput={(e) => onChange({ ...visual, title: (e.target as HTMLInputElement).value })} />
        </label>
        <label>
          Kind
          <select value={visual.kind} onChange={(e) => onChange(changeKind(visual, (e.target as HTMLSelectElement).value as VisualKind))}>
            {Object.entries(KIND_LABELS).map(([k, l]) => (
              <option key={k} value={k}>
                {l}
              </option>
            ))}
          </select>
        </label>
      </div>
      <div class="inline-fields">
        <label>
          Rows from
          <select value={source.kind} onChange={(e) => onChange({ ...visual, source: defaultSource((e.target as HTMLSelectElement).value as VisualSource['kind'], catalog) })}>
            {SOURCE_KINDS.map((s) => (
              <option key={s.kind} value={s.kind}>
                {s.label}
              </option>
            ))}
          </select>
        </label>
        {source.kind === 'table' && (
          <label>
            Result table
            <select value={source.table} onChange={(e) => onChange({ ...visual, source: { kind: 'table', table: (e.target as HTMLSelectElement).value } })}>
              {catalog.tables.map((t) => (
                <option key={t.id} value={t.name}>
                  {t.name}
                </option>
              ))}
            </select>
          </label>
        )}
        {source.kind === 'saved' && (
          <label>
            Saved query
            <select value={source.name} onChange={(e) => onChange({ ...visual, source: { kind: 'saved', name: (e.target as HTMLSelectElement).value } })}>
              {catalog.saved.map((s) => (
                <option key={s.name} value={s.name}>
                  {s.name} ({s.kind})
                </option>
              ))}
            </select>
          </label>
        )}
        {source.kind === 'latest-of-analysis' && (
          <label>
            Analysis
            <input
              type="text"
              list={`${p}-analyses`}
              value={source.analysis}
              onInput={(e) => onChange({ ...visual, source: { ...source, analysis: (e.target as HTMLInputElement).value.trim() } })}
            />
            <datalist id={`${p}-analyses`}>
              {analyses.map((a) => (
                <option key={a} value={a} />
              ))}
            </datalist>
          </label>
        )}
      </div>
      {(source.kind === 'sql' || source.kind === 'latest-of-analysis') && (
        <label class="block">
          {source.kind === 'sql' ? 'SQL over your results' : 'SQL over the newest result, read as the table latest (optional)'}
          <textarea
            rows={3}
            value={source.sql ?? ''}
            onInput={(e) => {
              const sql = (e.target as HTMLTextAreaElement).value;
              if (source.kind === 'sql') onChange({ ...visual, source: { kind: 'sql', sql } });
              else onChange({ ...visual, source: sql.trim() === '' ? { kind: source.kind, analysis: source.analysis } : { ...source, sql } });
            }}
          />
        </label>
      )}
      {(source.kind === 'sql' || source.kind === 'saved') && (
        <p>
          <button type="button" class="secondary" onClick={() => void loadColumns()} disabled={busy}>
            {busy ? 'Checking…' : 'Load columns'}
          </button>{' '}
          {loaded.length > 0 && <span class="meta">columns: {loaded.join(', ')}</span>}
        </p>
      )}
      {error !== undefined && <ErrorBox error={error} />}
      {columns.length > 0 && source.kind !== 'sql' && source.kind !== 'saved' && <p class="meta">Columns: {columns.join(', ')}</p>}
      <div class="inline-fields">
        {[...rules.required, ...rules.optional].map((key) => {
          const value = visual.fields[key];
          const text = Array.isArray(value) ? value.join(', ') : ((value as string | undefined) ?? '');
          return (
            <label key={`${visual.kind}-${key}`}>
              {FIELD_LABELS[key]}
              {rules.required.includes(key) ? ' *' : ''}
              <TextInput list={LISTS.has(key) ? undefined : `${p}-cols`} value={text} onText={(t) => setField(key, t)} />
            </label>
          );
        })}
      </div>
      <div class="inline-fields">
        <label>
          Sort by
          <TextInput
            list={`${p}-cols`}
            value={visual.sort?.column ?? ''}
            onText={(t) => {
              const column = t.trim();
              const { sort: _old, ...rest } = visual;
              onChange(column === '' ? rest : { ...rest, sort: { column, direction: visual.sort?.direction ?? 'desc' } });
            }}
          />
        </label>
        <label>
          Direction
          <select
            value={visual.sort?.direction ?? 'desc'}
            disabled={visual.sort === undefined}
            onChange={(e) => visual.sort !== undefined && onChange({ ...visual, sort: { column: visual.sort.column, direction: (e.target as HTMLSelectElement).value as 'asc' | 'desc' } })}
          >
            <option value="desc">largest first</option>
            <option value="asc">smallest first</option>
          </select>
        </label>
        <label>
          Row limit
          <input
            type="number"
            min={1}
            max={5000}
            value={visual.limit ?? ''}
            onInput={(e) => {
              const n = Number((e.target as HTMLInputElement).value);
              const { limit: _old, ...rest } = visual;
              onChange((e.target as HTMLInputElement).value === '' || !Number.isInteger(n) ? rest : { ...rest, limit: n });
            }}
          />
        </label>
      </div>
    </fieldset>
  );
}
