import { useRef, useState } from 'preact/hooks';
import type { Dashboard } from '../../../src/client/dashboards-api.ts';
import type { Visual, VisualKind } from '../../../src/results-sql/dashboards/dashboard-spec.ts';
import { Link } from '../components/link.tsx';
import { ErrorBox, Loaded } from '../components/status.tsx';
import { addVisual, arrangeVisual, type Draft, KIND_LABELS, type Move, removeVisual, replaceVisual, toDocument } from '../dashboards/draft.ts';
import { FilterEditor, filterId } from '../dashboards/filter-editor.tsx';
import { gridStyle } from '../dashboards/grid.ts';
import { type Catalog, VisualEditor } from '../dashboards/visual-editor.tsx';
import { href, navigate } from '../router.ts';
import { useSession } from '../session.ts';
import { useLoad } from '../use-load.ts';

const MOVES: readonly { readonly move: Move; readonly label: string; readonly text: string }[] = [
  { move: 'left', label: 'left', text: '←' },
  { move: 'right', label: 'right', text: '→' },
  { move: 'up', label: 'up', text: '↑' },
  { move: 'down', label: 'down', text: '↓' },
  { move: 'wider', label: 'wider', text: 'wider' },
  { move: 'narrower', label: 'narrower', text: 'narrower' },
  { move: 'taller', label: 'taller', text: 'taller' },
  { move: 'shorter', label: 'shorter', text: 'shorter' },
];

function firstSource(catalog: Catalog): Visual['source'] {
  const analysed = catalog.tables.filter((t) => t.analysis !== null).at(-1);
  if (analysed?.analysis != null) return { kind: 'latest-of-analysis', analysis: analysed.analysis };
  return { kind: 'table', table: catalog.tables.at(-1)?.name ?? '' };
}

function Builder({ existing, catalog }: { readonly existing: Dashboard | null; readonly catalog: Catalog }) {
  const { client } = useSession();
  const [draft, setDraft] = useState<Draft>(() =>
    existing === null
      ? { name: '', title: '', description: '', filters: [], visuals: [] }
      : { name: existing.spec.name, title: existing.spec.title, description: existing.spec.description ?? '', filters: existing.spec.filters, visuals: existing.spec.visuals },
  );
  const [editing, setEditing] = useState<string | null>(null);
  const [kind, setKind] = useState<VisualKind>('bar');
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  // Arranging is announced (the grid's change is silent to a screen reader), and a
  // removed visual's button hands the focus to "Add visual".
  const [announced, setAnnounced] = useState('');
  const addButton = useRef<HTMLButtonElement>(null);

  const save = async (): Promise<void> => {
    setBusy(true);
    setError(undefined);
    try {
      const doc = { ...toDocument(draft), ...(existing?.spec.readyMade !== undefined ? { readyMade: existing.spec.readyMade } : {}) };
      const saved = existing === null ? await client.dashboards.create(doc) : await client.dashboards.replace(existing.id, doc);
      navigate(href('dashboards', saved.id));
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  };

  const add = (): void => {
    const next = addVisual(draft, { kind, title: KIND_LABELS[kind], source: firstSource(catalog), fields: {} });
    setDraft(next);
    setEditing(next.visuals.at(-1)?.id ?? null);
  };

  const editedVisual = draft.visuals.find((v) => v.id === editing);
  return (
    <section class="dashboard-builder">
      <p class="crumbs">
        <Link href="/app/dashboards">Dashboards</Link> /
      </p>
      <h1>{existing === null ? 'New dashboard' : `Edit ${existing.spec.title}`}</h1>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <div class="inline-fields">
          <label>
            Name (lower-case letters, digits, - and _)
            <input type="text" value={draft.name} required pattern="[a-z][a-z0-9_\-]{0,62}" onInput={(e) => setDraft({ ...draft, name: (e.target as HTMLInputElement).value })} />
          </label>
          <label>
            Title
            <input type="text" value={draft.title} onInput={(e) => setDraft({ ...draft, title: (e.target as HTMLInputElement).value })} />
          </label>
        </div>
        <label class="block">
          Description
          <textarea rows={2} value={draft.description} onInput={(e) => setDraft({ ...draft, description: (e.target as HTMLTextAreaElement).value })} />
        </label>

        <h2>Visuals</h2>
        {catalog.tables.length === 0 && (
          <p class="note">
            You have no results yet: a visual shows rows of your results. <Link href="/app/insights">Run an analysis</Link> first.
          </p>
        )}
        <div class="inline-fields">
          <label>
            Kind of visual
            <select value={kind} onChange={(e) => setKind((e.target as HTMLSelectElement).value as VisualKind)}>
              {Object.entries(KIND_LABELS).map(([k, l]) => (
                <option key={k} value={k}>
                  {l}
                </option>
              ))}
            </select>
          </label>
          <button type="button" onClick={add} ref={addButton}>
            Add visual
          </button>
        </div>
        {draft.visuals.length > 0 && (
          <div class="dashboard-grid arrange" data-testid="arrange-grid">
            {draft.visuals.map((v) => (
              <div key={v.id} class={`grid-cell arrange-cell${v.id === editing ? ' selected' : ''}`} style={gridStyle(v.layout)} data-arrange={v.id}>
                <p class="arrange-title">
                  <strong>{v.title || v.id}</strong> <span class="meta">{KIND_LABELS[v.kind]}</span>
                </p>
                <p class="meta">
                  column {v.layout.x + 1}, row {v.layout.y + 1}, {v.layout.w} wide, {v.layout.h} high
                </p>
                <div class="arrange-buttons">
                  <button type="button" class="secondary" onClick={() => setEditing(v.id === editing ? null : v.id)} aria-pressed={v.id === editing}>
                    Configure <span class="visually-hidden">{v.title || v.id}</span>
                  </button>
                  {MOVES.map((m) => (
                    <button
                      type="button"
                      class="secondary small"
                      key={m.move}
                      aria-label={`${m.move === 'wider' || m.move === 'narrower' || m.move === 'taller' || m.move === 'shorter' ? 'Make' : 'Move'} ${v.title || v.id} ${m.label}`}
                      onClick={() => {
                        const next = arrangeVisual(draft, v.id, m.move);
                        const l = next.visuals.find((x) => x.id === v.id)?.layout ?? v.layout;
                        setDraft(next);
                        setAnnounced(`${v.title || v.id}: column ${l.x + 1}, row ${l.y + 1}, ${l.w} wide, ${l.h} high`);
                      }}
                    >
                      {m.text}
                    </button>
                  ))}
                  <button
                    type="button"
                    class="link danger"
                    onClick={() => {
                      setDraft(removeVisual(draft, v.id));
                      if (editing === v.id) setEditing(null);
                      setAnnounced(`${v.title || v.id} removed`);
                      addButton.current?.focus();
                    }}
                  >
                    Remove <span class="visually-hidden">{v.title || v.id}</span>
                  </button>
                </div>
              </div>
            ))}
          </div>
        )}
        <p class="visually-hidden" aria-live="polite" data-testid="arrange-status">
          {announced}
        </p>
        {editedVisual !== undefined && <VisualEditor key={editedVisual.id} visual={editedVisual} catalog={catalog} onChange={(v) => setDraft(replaceVisual(draft, editedVisual.id, v))} />}

        <h2>Filters</h2>
        <FilterEditor filters={draft.filters} onChange={(filters) => setDraft({ ...draft, filters })} />
        <p>
          <button
            type="button"
            class="secondary"
            id="add-filter"
            onClick={() => setDraft({ ...draft, filters: [...draft.filters, { id: filterId('campaign_id', draft.filters.map((f) => f.id)), column: 'campaign_id', label: 'Campaign' }] })}
          >
            Add filter
          </button>
        </p>

        {error !== undefined && <ErrorBox error={error} />}
        <p class="actions">
          <button type="submit" disabled={busy}>
            {busy ? 'Saving…' : 'Save dashboard'}
          </button>
          <Link href={existing === null ? '/app/dashboards' : href('dashboards', existing.id)}>Cancel</Link>
        </p>
      </form>
    </section>
  );
}

/** The dashboard builder: a new dashboard, or one of yours by id or name. */
export function DashboardEditPage({ reference }: { readonly reference?: string }) {
  const { client } = useSession();
  const [load, reload] = useLoad(async () => {
    const [existing, catalog] = await Promise.all([reference === undefined ? Promise.resolve(null) : client.dashboards.show(reference), client.resultsSql.catalog()]);
    return { existing, catalog };
  }, [client, reference]);
  return (
    <Loaded load={load} what="the dashboard and your results" retry={reload}>
      {({ existing, catalog }) =>
        existing !== null && existing.access !== 'owner' ? (
          <ErrorBox error={new Error('This dashboard was shared with you read-only: only its owner can change it.')} />
        ) : (
          <Builder existing={existing} catalog={catalog} />
        )
      }
    </Loaded>
  );
}
