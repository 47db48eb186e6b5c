import { useCallback, useRef, useState } from 'preact/hooks';
import type { Dashboard, FilterValue, VisualData } from '../../../src/client/dashboards-api.ts';
import { Link } from '../components/link.tsx';
import { Empty, ErrorBox, Loaded } from '../components/status.tsx';
import { dashboardPng } from '../dashboards/dashboard-png.ts';
import { saveBlob } from '../dashboards/download.ts';
import { FilterBar } from '../dashboards/filter-bar.tsx';
import { gridStyle } from '../dashboards/grid.ts';
import { SharePanel } from '../dashboards/share-panel.tsx';
import { VisualPanel } from '../dashboards/visual-panel.tsx';
import { when } from '../format.ts';
import { href, navigate } from '../router.ts';
import { useSession } from '../session.ts';
import { useLoad } from '../use-load.ts';

function initialFilters(d: Dashboard): Record<string, FilterValue[]> {
  return Object.fromEntries(d.spec.filters.map((f) => [f.id, [...(f.values ?? [])]]));
}

function View({ initial }: { readonly initial: Dashboard }) {
  const { client } = useSession();
  const [dashboard, setDashboard] = useState(initial);
  const [filters, setFilters] = useState<Record<string, FilterValue[]>>(() => initialFilters(initial));
  const [seen, setSeen] = useState<Record<string, FilterValue[]>>({});
  const [round, setRound] = useState(0);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const grid = useRef<HTMLDivElement>(null);
  const spec = dashboard.spec;
  const owner = dashboard.access === 'owner';

  // Filter choices come from the rows the visuals load (a filter's column values).
  const onData = useCallback(
    (_visual: string, data: VisualData) => {
      setSeen((before) => {
        let next = before;
        for (const f of spec.filters) {
          const i = data.columns.findIndex((c) => c.name === f.column);
          if (i < 0) continue;
          const have = new Set(next[f.id] ?? []);
          let grew = false;
          for (const row of data.rows) {
            const v = row[i];
            if ((typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') && !have.has(v)) {
              have.add(v);
              grew = true;
            }
          }
          if (grew) next = { ...next, [f.id]: [...have] };
        }
        return next;
      });
    },
    [spec],
  );

  const exportPng = async (): Promise<void> => {
    if (grid.current === null) return;
    setBusy('png');
    setError(undefined);
    try {
      saveBlob(await dashboardPng(grid.current, spec.title), `${spec.name}.png`);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(null);
    }
  };

  const remove = async (): Promise<void> => {
    if (!confirm(`Delete the dashboard ${spec.title}? Members it is shared with lose it too.`)) return;
    setBusy('delete');
    try {
      await client.dashboards.delete(dashboard.id);
      navigate('/app/dashboards');
    } catch (e) {
      setError(e);
      setBusy(null);
    }
  };

  return (
    <section class="dashboard-page">
      <p class="crumbs">
        <Link href="/app/dashboards">Dashboards</Link> /
      </p>
      <h1 data-testid="dashboard-title">{spec.title}</h1>
      {spec.description !== undefined && <p class="lead">{spec.description}</p>}
      <p class="meta">
        {owner ? (
          <>
            Yours, <code>{dashboard.name}</code>, updated {when(dashboard.updatedAt)}
          </>
        ) : (
          <>
            Shared with you read-only by <strong>{dashboard.owner}</strong> in {dashboard.sharedIn}: the rows are {dashboard.owner}'s results.
          </>
        )}
        {dashboard.readyMade !== null && <span class="badge info">ready-made</span>}
      </p>
      <div class="toolbar">
        {owner && (
          <Link href={href('dashboards', dashboard.id, 'edit')} class="button">
            Edit
          </Link>
        )}
        <button type="button" class="secondary" onClick={() => setRound((r) => r + 1)}>
          Refresh
        </button>
        <button type="button" class="secondary" onClick={() => void exportPng()} disabled={busy !== null || spec.visuals.length === 0}>
          {busy === 'png' ? 'Drawing…' : 'Export PNG'}
        </button>
        {owner && (
          <button type="button" class="secondary danger" onClick={() => void remove()} disabled={busy !== null}>
            Delete
          </button>
        )}
      </div>
      {error !== undefined && <ErrorBox error={error} />}
      <FilterBar spec={spec} seen={seen} chosen={filters} onApply={setFilters} />
      {spec.visuals.length === 0 ? (
        <Empty>
          <p>
            This dashboard has no visuals yet.{' '}
            {owner && <Link href={href('dashboards', dashboard.id, 'edit')}>Add one</Link>}
          </p>
        </Empty>
      ) : (
        <div class="dashboard-grid" ref={grid} data-testid="dashboard-grid">
          {spec.visuals.map((v) => (
            <div key={v.id} class="grid-cell" style={gridStyle(v.layout)}>
              <VisualPanel dashboardId={dashboard.id} visual={v} filters={filters} round={round} onData={onData} />
            </div>
          ))}
        </div>
      )}
      {/* Only the shares change: the visuals keep their rows (the spec object stays the same). */}
      {owner && <SharePanel dashboard={dashboard} onChange={(d) => setDashboard((before) => ({ ...before, ...(d.shares !== undefined ? { shares: d.shares } : {}) }))} />}
    </section>
  );
}

/** One dashboard: its visuals in their grid, filters, PNG and CSV export; sharing for its owner. */
export function DashboardPage({ reference }: { readonly reference: string }) {
  const { client } = useSession();
  const [load, reload] = useLoad(() => client.dashboards.show(reference), [client, reference]);
  return (
    <Loaded load={load} what="the dashboard" retry={reload}>
      {(d) => <View key={`${d.id}-${d.updatedAt}`} initial={d} />}
    </Loaded>
  );
}
