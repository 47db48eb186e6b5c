import { useState } from 'preact/hooks';
import type { DownloadFormat, ResultSummary } from '../../../src/client/index.ts';
import { ColumnStatsView } from '../components/column-stats.tsx';
import { DataTable } from '../components/data-table.tsx';
import { Link } from '../components/link.tsx';
import { ErrorBox, Loaded } from '../components/status.tsx';
import { bytes, count, when } from '../format.ts';
import { navigate, useLocation } from '../router.ts';
import { useSession } from '../session.ts';
import { useLoad } from '../use-load.ts';

const PAGE_SIZE = 50;

/** Downloads go through fetch (the key is a header, not a cookie), then a blob link. */
function Downloads({ result }: { readonly result: ResultSummary }) {
  const { client } = useSession();
  const [busy, setBusy] = useState<DownloadFormat | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const download = async (format: DownloadFormat): Promise<void> => {
    setBusy(format);
    setError(undefined);
    try {
      const file = await client.results.download(result.id, format);
      const blob = await new Response(file.body).blob();
      const url = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = file.filename ?? `${result.id}.${format === 'json' ? 'ndjson' : format}`;
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(null);
    }
  };
  const formats: readonly { readonly format: DownloadFormat; readonly label: string; readonly why?: string }[] = [
    { format: 'csv', label: 'CSV' },
    { format: 'json', label: 'JSON (NDJSON)' },
    { format: 'parquet', label: 'Parquet', ...(result.format !== 'parquet' ? { why: `stored as ${result.format}` } : {}) },
  ];
  return (
    <div class="downloads">
      <span>Download:</span>
      {formats.map((f) => (
        <button
          type="button"
          class="secondary"
          key={f.format}
          disabled={busy !== null || f.why !== undefined}
          title={f.why}
          onClick={() => void download(f.format)}
          data-format={f.format}
        >
          {busy === f.format ? 'Downloading…' : f.label}
        </button>
      ))}
      {error !== undefined && <ErrorBox error={error} />}
    </div>
  );
}

/** One result: its columns, a paged table of its rows, downloads. */
export function ResultPage({ id }: { readonly id: string }) {
  const { client } = useSession();
  const { query, path } = useLocation();
  const page = Math.max(0, Number.parseInt(query.get('page') ?? '1', 10) - 1 || 0);
  const [meta, reloadMeta] = useLoad(() => client.results.get(id), [client, id]);
  const [rows, reloadRows] = useLoad(() => client.results.rows(id, { offset: page * PAGE_SIZE, limit: PAGE_SIZE }), [client, id, page]);
  const go = (n: number): void => navigate(`${path}?page=${n + 1}`);
  return (
    <section>
      <p class="crumbs">
        <Link href="/app/results">Results</Link> /
      </p>
      <h1>
        Result <code>{id}</code>
      </h1>
      <Loaded load={meta} what="the result" retry={reloadMeta}>
        {(result) => (
          <>
            <p class="lead">
              {count(result.rowCount)} rows, {result.columns.length} columns, {bytes(result.bytes)} ({result.format}), received {when(result.createdAt)} from query{' '}
              <code>{result.queryId}</code>.
            </p>
            <Downloads result={result} />
          </>
        )}
      </Loaded>
      <Loaded load={rows} what="rows" retry={reloadRows}>
        {(p) => {
          const pages = Math.max(1, Math.ceil(p.rowCount / PAGE_SIZE));
          const last = Math.min(p.rowCount, p.offset + p.rows.length);
          return (
            <>
              <div data-testid="result-table">
                <DataTable columns={p.columns} rows={p.rows} firstRow={p.offset} caption={`rows ${p.rowCount === 0 ? 0 : p.offset + 1}–${last} of ${p.rowCount}`} />
              </div>
              <nav class="pager" aria-label="Pages of rows">
                <button type="button" class="secondary" disabled={page === 0} onClick={() => go(page - 1)}>
                  ← Previous
                </button>
                <span>
                  page {page + 1} of {pages}
                </span>
                <button type="button" class="secondary" disabled={page + 1 >= pages} onClick={() => go(page + 1)}>
                  Next →
                </button>
              </nav>
            </>
          );
        }}
      </Loaded>
      <ColumnStatsView result={id} />
    </section>
  );
}
