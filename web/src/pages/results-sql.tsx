import { useState } from 'preact/hooks';
import { ClientError, type Diagnostic } from '../../../src/client/index.ts';
// Type-only (erased from the bundle): src/client/index.ts does not re-export these yet.
import type { ResultsSqlAnswer, ResultsSqlTable, SavedResultsQuery } from '../../../src/client/results-sql-api.ts';
import { DataTable } from '../components/data-table.tsx';
import { Link } from '../components/link.tsx';
import { DiagnosticView, Empty, ErrorBox, Loaded } from '../components/status.tsx';
import { count, when } from '../format.ts';
import { href } from '../router.ts';
import { useSession } from '../session.ts';
import { useLoad } from '../use-load.ts';
import { MarkedSql } from '../components/marked-sql.tsx';

const PAGE_SIZE = 50;

type Run =
  | { readonly phase: 'idle' }
  | { readonly phase: 'running'; readonly sql: string }
  | { readonly phase: 'done'; readonly sql: string; readonly answer: ResultsSqlAnswer }
  | { readonly phase: 'refused'; readonly sql: string; readonly status: number; readonly diagnostic: Diagnostic }
  | { readonly phase: 'error'; readonly error: unknown };

function RenameForm({ table, onDone }: { readonly table: ResultsSqlTable; readonly onDone: () => void }) {
  const { client } = useSession();
  const [open, setOpen] = useState(false);
  const [name, setName] = useState(table.name);
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  if (!open) {
    return (
      <button type="button" class="link" onClick={() => setOpen(true)} aria-label={`Rename ${table.name}`}>
        rename
      </button>
    );
  }
  const submit = async (value: string | null): Promise<void> => {
    setBusy(true);
    setError(undefined);
    try {
      await client.resultsSql.name(table.id, value);
      setOpen(false);
      onDone();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form
      class="rename"
      onSubmit={(e) => {
        e.preventDefault();
        void submit(name.trim());
      }}
    >
      <label for={`rename-${table.id}`}>New name for result {table.id.slice(0, 8)}</label>
      <input id={`rename-${table.id}`} type="text" value={name} onInput={(e) => setName(e.currentTarget.value)} />
      <button type="submit" disabled={busy}>
        Rename
      </button>
      {table.named && (
        <button type="button" class="secondary" disabled={busy} onClick={() => void submit(null)}>
          Default name
        </button>
      )}
      <button type="button" class="secondary" onClick={() => setOpen(false)}>
        Cancel
      </button>
      {error !== undefined && <ErrorBox error={error} />}
    </form>
  );
}

function Catalog({
  tables,
  saved,
  onInsert,
  onOpen,
  onChanged,
}: {
  readonly tables: readonly ResultsSqlTable[];
  readonly saved: readonly SavedResultsQuery[];
  readonly onInsert: (text: string) => void;
  readonly onOpen: (saved: SavedResultsQuery) => void;
  readonly onChanged: () => void;
}) {
  const { client } = useSession();
  const [deleting, setDeleting] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const remove = async (name: string): Promise<void> => {
    setError(undefined);
    try {
      await client.resultsSql.deleteSaved(name);
      setDeleting(null);
      onChanged();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <aside class="catalog" aria-label="Your result catalog">
      <h2>Result tables</h2>
      {tables.length === 0 ? (
        <Empty>
          <p>
            You have received no results yet. Run an analysis from <Link href="/app/insights">Insights</Link>; each result you receive becomes a table here.
          </p>
        </Empty>
      ) : (
        <ul class="plain catalog-tables" data-testid="catalog-tables">
          {tables.map((t) => (
            <li key={t.id} data-table={t.name}>
              <details>
                <summary>
                  <code class="table-name">{t.name}</code> <span class="meta">{count(t.rowCount)} rows</span>
                </summary>
                <p class="meta">
                  {t.analysis ?? 'query'} · <Link href={href('results', t.id)}>result {t.id.slice(0, 8)}</Link> · {when(t.createdAt)}
                </p>
                <ul class="plain catalog-columns">
                  {t.columns.map((c) => (
                    <li key={c.name}>
                      <button type="button" class="link" title="insert into the editor" onClick={() => onInsert(c.name)}>
                        {c.name}
                      </button>{' '}
                      <span class="type">{c.type}</span>
                    </li>
                  ))}
                </ul>
                <p class="actions">
                  <button type="button" class="link" onClick={() => onInsert(`SELECT * FROM ${t.name} LIMIT 100`)}>
                    query it
                  </button>
                  <RenameForm table={t} onDone={onChanged} />
                </p>
              </details>
            </li>
          ))}
        </ul>
      )}
      <p class="help">
        Also <code>results</code>: the catalog itself (name, id, query_id, analysis, created_at, row_count).
      </p>
      <h2>Saved queries and views</h2>
      {saved.length === 0 ? (
        <Empty>
          <p>Nothing saved yet: write a query, then save it under a name as a query (run by name) or a view (read like a table).</p>
        </Empty>
      ) : (
        <ul class="plain saved" data-testid="saved-list">
          {saved.map((s) => (
            <li key={s.name} data-saved={s.name}>
              <code>{s.name}</code> <span class="badge">{s.kind}</span>
              {s.description !== '' && <div class="help">{s.description}</div>}
              <div class="actions">
                <button type="button" class="link" onClick={() => onOpen(s)} aria-label={`Open ${s.name}`}>
                  open
                </button>
                {deleting === s.name ? (
                  <>
                    <button type="button" class="link danger" onClick={() => void remove(s.name)} aria-label={`Confirm deleting ${s.name}`}>
                      confirm delete
                    </button>
                    <button type="button" class="link" onClick={() => setDeleting(null)}>
                      keep
                    </button>
                  </>
                ) : (
                  <button type="button" class="link" onClick={() => setDeleting(s.name)} aria-label={`Delete ${s.name}`}>
                    delete
                  </button>
                )}
              </div>
            </li>
          ))}
        </ul>
      )}
      {error !== undefined && <ErrorBox error={error} />}
    </aside>
  );
}

function SaveForm({ sql, initial, onSaved }: { readonly sql: string; readonly initial: { name: string; kind: 'query' | 'view'; description: string }; readonly onSaved: (s: SavedResultsQuery) => void }) {
  const { client } = useSession();
  const [name, setName] = useState(initial.name);
  const [kind, setKind] = useState<'query' | 'view'>(initial.kind);
  const [description, setDescription] = useState(initial.description);
  const [replace, setReplace] = useState(initial.name !== '');
  const [state, setState] = useState<{ readonly busy: boolean; readonly error?: unknown; readonly saved?: string }>({ busy: false });
  const submit = async (): Promise<void> => {
    setState({ busy: true });
    try {
      const saved = await client.resultsSql.save(name.trim(), { kind, sql, ...(description.trim() !== '' ? { description: description.trim() } : {}), replace });
      setState({ busy: false, saved: saved.name });
      onSaved(saved);
    } catch (e) {
      setState({ busy: false, error: e });
    }
  };
  return (
    <form
      class="save-form"
      aria-label="Save the query"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <div class="inline-fields">
        <label>
          Name <input type="text" name="saved-name" value={name} onInput={(e) => setName(e.currentTarget.value)} required pattern="[a-z_][a-z0-9_]{0,62}" title="1 to 63 lower-case letters, digits and _, not starting with a digit" />
        </label>
        <label>
          as{' '}
          <select name="saved-kind" value={kind} onChange={(e) => setKind(e.currentTarget.value === 'view' ? 'view' : 'query')}>
            <option value="query">a query (run by name)</option>
            <option value="view">a view (read like a table)</option>
          </select>
        </label>
        <label>
          Description <input type="text" name="saved-description" value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
        </label>
        <label class="check">
          <input type="checkbox" checked={replace} onChange={(e) => setReplace(e.currentTarget.checked)} /> replace if it exists
        </label>
        <button type="submit" disabled={state.busy || sql.trim() === '' || name.trim() === ''}>
          {state.busy ? 'Saving…' : 'Save'}
        </button>
      </div>
      {state.saved !== undefined && (
        <p class="ok-line" role="status">
          Saved as <code>{state.saved}</code>.
        </p>
      )}
      {state.error !== undefined && <ErrorBox error={state.error} />}
    </form>
  );
}

/** Results SQL: read-only SQL over the results you received, with your catalog beside it. */
export function ResultsSqlPage() {
  const { client } = useSession();
  const [catalog, reloadCatalog, refreshCatalog] = useLoad(() => client.resultsSql.catalog(), [client]);
  const [sql, setSql] = useState('');
  const [offset, setOffset] = useState(0);
  const [run, setRun] = useState<Run>({ phase: 'idle' });
  const [opened, setOpened] = useState<{ name: string; kind: 'query' | 'view'; description: string; round: number }>({ name: '', kind: 'query', description: '', round: 0 });

  const execute = async (text: string, at: number): Promise<void> => {
    setRun({ phase: 'running', sql: text });
    setOffset(at);
    try {
      const answer = await client.resultsSql.query({ sql: text, offset: at, limit: PAGE_SIZE });
      setRun({ phase: 'done', sql: text, answer });
    } catch (e) {
      if (e instanceof ClientError && e.status >= 400 && e.status < 500) setRun({ phase: 'refused', sql: text, status: e.status, diagnostic: e.diagnostic });
      else setRun({ phase: 'error', error: e });
    }
  };

  const insert = (text: string): void => setSql((s) => (s.trim() === '' || text.startsWith('SELECT') ? text : `${s}${/\s$/.test(s) ? '' : ' '}${text}`));

  return (
    <section>
      <h1>Results SQL</h1>
      <p class="lead">
        Read-only SQL over the results you received: each result is a table, and you can join them, save queries and views. Raw tables, other members' results and
        files are out of reach.
      </p>
      <div class="sql-layout">
        <div class="sql-editor">
          <form
            aria-label="Results SQL"
            onSubmit={(e) => {
              e.preventDefault();
              void execute(sql, 0);
            }}
          >
            <label for="sql-text">SQL</label>
            <textarea
              id="sql-text"
              name="sql"
              rows={8}
              spellcheck={false}
              value={sql}
              placeholder="SELECT * FROM results"
              onInput={(e) => setSql(e.currentTarget.value)}
              onKeyDown={(e) => {
                if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
                  e.preventDefault();
                  void execute(sql, 0);
                }
              }}
            />
            <div class="toolbar">
              <button type="submit" disabled={sql.trim() === '' || run.phase === 'running'}>
                {run.phase === 'running' ? 'Running…' : 'Run'}
              </button>
              <span class="help">Ctrl+Enter runs. {PAGE_SIZE} rows a page; add ORDER BY for a stable order.</span>
            </div>
          </form>
          <details class="save">
            <summary>Save as a named query or view</summary>
            <SaveForm key={opened.round} sql={sql} initial={opened} onSaved={refreshCatalog} />
          </details>
          <RunView run={run} offset={offset} page={(at) => run.phase === 'done' && void execute(run.sql, at)} />
        </div>
        <Loaded load={catalog} what="your result catalog" retry={reloadCatalog}>
          {(c) => (
            <Catalog
              tables={c.tables}
              saved={c.saved}
              onInsert={insert}
              onChanged={refreshCatalog}
              onOpen={(s) => {
                setSql(s.sql);
                setOpened((o) => ({ name: s.name, kind: s.kind, description: s.description, round: o.round + 1 }));
                setRun({ phase: 'idle' });
              }}
            />
          )}
        </Loaded>
      </div>
    </section>
  );
}

function RunView({ run, offset, page }: { readonly run: Run; readonly offset: number; readonly page: (offset: number) => void }) {
  if (run.phase === 'idle') return null;
  if (run.phase === 'running') {
    return (
      <p class="loading" role="status" aria-live="polite">
        <span class="spinner" aria-hidden="true" /> Running…
      </p>
    );
  }
  if (run.phase === 'error') return <ErrorBox error={run.error} />;
  if (run.phase === 'refused') {
    return (
      <div class="error" role="alert" data-testid="sql-refusal">
        <DiagnosticView diagnostic={run.diagnostic} title={`Refused (HTTP ${run.status}):`} />
        <MarkedSql sql={run.sql} diagnostic={run.diagnostic} />
      </div>
    );
  }
  const { answer } = run;
  const last = offset + answer.rows.length;
  return (
    <div data-testid="sql-answer">
      <p class="meta">
        Read {answer.tables.length === 0 ? 'no result table' : answer.tables.map((t, i) => (
          <span key={t}>
            {i > 0 && ', '}
            <code>{t}</code>
          </span>
        ))}
        .{' '}
      </p>
      <details>
        <summary>The SQL that ran</summary>
        <pre class="sql" data-testid="sql-executed">
          {answer.executed}
        </pre>
      </details>
      <div data-testid="sql-rows">
        <DataTable columns={answer.columns} rows={answer.rows} firstRow={offset} caption={answer.rows.length === 0 ? 'no rows' : `rows ${offset + 1}–${last}${answer.hasMore ? ' (more follow)' : ''}`} />
      </div>
      <nav class="pager" aria-label="Pages of rows">
        <button type="button" class="secondary" disabled={offset === 0} onClick={() => page(Math.max(0, offset - PAGE_SIZE))}>
          ← Previous
        </button>
        <span>page {Math.floor(offset / PAGE_SIZE) + 1}</span>
        <button type="button" class="secondary" disabled={!answer.hasMore} onClick={() => page(offset + PAGE_SIZE)}>
          Next →
        </button>
      </nav>
    </div>
  );
}
