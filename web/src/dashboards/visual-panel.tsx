import { useState } from 'preact/hooks';
import { ClientError, type CellValue } from '../../../src/client/index.ts';
import type { FilterValue, VisualData } from '../../../src/client/dashboards-api.ts';
import type { Visual } from '../../../src/results-sql/dashboards/dashboard-spec.ts';
import { BarChart } from '../charts/bar-chart.tsx';
import { LineChart } from '../charts/line-chart.tsx';
import { OverlapChart } from '../charts/overlap-chart.tsx';
import { type ChartModel, chartModel, kpiTiles, overlapRows } from '../charts/series.ts';
import { DataTable } from '../components/data-table.tsx';
import { Link } from '../components/link.tsx';
import { ErrorBox, Loading } from '../components/status.tsx';
import { cellText, when } from '../format.ts';
import { href } from '../router.ts';
import { useSession } from '../session.ts';
import { useLoad } from '../use-load.ts';
import { saveBlob } from './download.ts';

/** A KPI's value: exact in `data-value`, shown with at most 4 decimals. */
function kpiText(value: CellValue): string {
  if (typeof value === 'number') return value.toLocaleString('en-US', { maximumFractionDigits: 4 });
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value).toLocaleString('en-US', { maximumFractionDigits: 4 });
  return cellText(value);
}

function Kpi({ data, visual }: { readonly data: VisualData; readonly visual: Visual }) {
  const tiles = kpiTiles(data.columns, data.rows, visual.fields);
  const shown = tiles.slice(0, 6);
  return (
    <div class="kpis">
      {shown.map((t, i) => (
        <div class="kpi" key={i} data-testid="kpi">
          {t.label !== null && <div class="kpi-label">{t.label}</div>}
          <div class="kpi-value" data-value={t.value === null ? '' : String(t.value)}>
            {kpiText(t.value)}
          </div>
          {(t.low !== null || t.high !== null) && (
            <div class="kpi-interval" data-low={String(t.low)} data-high={String(t.high)}>
              interval {kpiText(t.low)} to {kpiText(t.high)}
            </div>
          )}
        </div>
      ))}
      {tiles.length > shown.length && <p class="meta">and {tiles.length - shown.length} more (see the data)</p>}
    </div>
  );
}

function Overlap({ data, visual }: { readonly data: VisualData; readonly visual: Visual }) {
  const rows = overlapRows(data.columns, data.rows, visual.fields);
  const [chosen, setChosen] = useState(0);
  const row = rows[Math.min(chosen, rows.length - 1)];
  if (row === undefined) return <p class="meta">No row has numbers in {(visual.fields.sets ?? []).join(', ')}.</p>;
  const id = `overlap-${visual.id}`;
  return (
    <>
      {rows.length > 1 && (
        <p class="picker">
          <label for={id}>Show</label>
          <select id={id} value={String(Math.min(chosen, rows.length - 1))} onChange={(e) => setChosen(Number((e.target as HTMLSelectElement).value))}>
            {rows.map((r, i) => (
              <option key={i} value={String(i)}>
                {r.label}
              </option>
            ))}
          </select>
        </p>
      )}
      <OverlapChart row={row} label={`${visual.title}: ${row.label}, ${row.sets.map((s) => `${s.name} ${s.size}`).join(', ')}, in all ${row.both}`} />
    </>
  );
}

function Body({ data, visual }: { readonly data: VisualData; readonly visual: Visual }) {
  if (data.rows.length === 0) return <div class="empty">No rows{Object.keys(data.filters).length > 0 ? ' for these filter values' : ''}.</div>;
  const label = visual.title || visual.id;
  switch (visual.kind) {
    case 'kpi':
      return <Kpi data={data} visual={visual} />;
    case 'table': {
      const wanted = visual.fields.columns;
      if (wanted === undefined) return <DataTable columns={data.columns} rows={data.rows} caption={label} />;
      // A document older than the server's may name columns the rows no longer have.
      const idx = wanted.map((c) => data.columns.findIndex((x) => x.name === c)).filter((i) => i >= 0);
      if (idx.length === 0) return <DataTable columns={data.columns} rows={data.rows} caption={label} />;
      return <DataTable columns={idx.map((i) => data.columns[i] ?? { name: '', type: '' })} rows={data.rows.map((r) => idx.map((i) => r[i] ?? null))} caption={label} />;
    }
    case 'overlap':
      return <Overlap data={data} visual={visual} />;
    case 'line': {
      const model = chartModel(data.columns, data.rows, visual.fields);
      return (
        <>
          <LineChart model={model} label={label} />
          <SharedCategories model={model} />
        </>
      );
    }
    case 'bar': {
      const model = chartModel(data.columns, data.rows, visual.fields);
      return (
        <>
          <BarChart model={model} mode="grouped" label={label} />
          <SharedCategories model={model} />
        </>
      );
    }
    case 'stacked-bar':
      return <BarChart model={chartModel(data.columns, data.rows, visual.fields)} mode="stacked" label={label} />;
    case 'histogram':
      return <BarChart model={chartModel(data.columns, data.rows, visual.fields)} mode="histogram" label={label} />;
  }
}

/** Rows that share an x value are added up: right for counts, wrong for rates and repeated figures, so it is said. */
function SharedCategories({ model }: { readonly model: ChartModel }) {
  if (model.merged === 0) return null;
  return (
    <p class="note" data-testid="merged-rows">
      {model.merged} {model.merged === 1 ? 'row shares' : 'rows share'} an x value with another and {model.merged === 1 ? 'was' : 'were'} added to it; for a rate or an average,
      aggregate it in the visual's SQL. Intervals are shown only where one row stands for the x value.
    </p>
  );
}

/** The "nothing to show yet" answers get an explanation instead of an error box. */
function Problem({ error, visual, retry }: { readonly error: unknown; readonly visual: Visual; readonly retry: () => void }) {
  if (error instanceof ClientError && error.diagnostic.code === 'no-analysis-result' && visual.source.kind === 'latest-of-analysis') {
    return (
      <div class="empty" data-testid="no-result">
        No result of <strong>{visual.source.analysis}</strong> yet. <Link href={href('insights', visual.source.analysis)}>Run it from the insights library</Link>; this visual fills in with
        your newest result.
      </div>
    );
  }
  return <ErrorBox error={error} retry={retry} />;
}

/**
 * One visual of a dashboard: its rows fetched with the current filter values, drawn by
 * kind, with its data as a table (for screen readers and exact figures), how fresh its
 * results are, and a CSV download of the rows shown.
 */
export function VisualPanel({
  dashboardId,
  visual,
  filters,
  round,
  onData,
}: {
  readonly dashboardId: string;
  readonly visual: Visual;
  readonly filters: Readonly<Record<string, readonly FilterValue[]>>;
  /** Changes when the page asks every visual to load again. */
  readonly round: number;
  readonly onData?: (visual: string, data: VisualData) => void;
}) {
  const { client } = useSession();
  const key = JSON.stringify(filters);
  const [load, reload] = useLoad(async () => {
    const data = await client.dashboards.data(dashboardId, visual.id, filters);
    onData?.(visual.id, data);
    return data;
  }, [dashboardId, visual, key, round]);
  const [csvError, setCsvError] = useState<unknown>(undefined);
  const csv = async (): Promise<void> => {
    setCsvError(undefined);
    try {
      const text = await client.dashboards.csv(dashboardId, visual.id, filters);
      saveBlob(new Blob([text], { type: 'text/csv' }), `${visual.id}.csv`);
    } catch (e) {
      setCsvError(e);
    }
  };
  const headingId = `visual-${visual.id}-title`;
  return (
    <section class={`visual visual-${visual.kind}`} aria-labelledby={headingId} data-visual={visual.id} data-kind={visual.kind}>
      <header class="visual-head">
        <h2 id={headingId} class="visual-title">
          {visual.title || visual.id}
        </h2>
        <button type="button" class="link" onClick={() => void csv()} aria-label={`Download the data of ${visual.title || visual.id} as CSV`}>
          CSV
        </button>
      </header>
      {load.state === 'loading' && <Loading what="the rows" />}
      {load.state === 'error' && <Problem error={load.error} visual={visual} retry={reload} />}
      {load.state === 'ready' && (
        <>
          <div class="visual-body">
            <Body data={load.value} visual={visual} />
          </div>
          {/* A limit the builder chose is not news; the server's cap of 5000 rows is. */}
          {load.value.truncated && visual.limit === undefined && <p class="note">Only the first {load.value.rows.length} rows are shown.</p>}
          {visual.kind !== 'table' && load.value.rows.length > 0 && (
            <details class="visual-data">
              <summary>Data</summary>
              <DataTable columns={load.value.columns} rows={load.value.rows} caption={`${visual.title || visual.id}: the rows`} />
            </details>
          )}
          <p class="meta visual-sources">
            {load.value.sources.length === 0
              ? 'from your results'
              : `from ${load.value.sources.map((s) => `${s.name}${s.analysis !== null ? ` (${s.analysis})` : ''}, ${when(s.createdAt)}`).join('; ')}`}
          </p>
        </>
      )}
      {csvError !== undefined && <ErrorBox error={csvError} />}
    </section>
  );
}
