import { useState } from 'preact/hooks';
import { CollaborationPicker } from '../components/collaboration-picker.tsx';
import { Link } from '../components/link.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { DiagnosticView, Empty, Loaded } from '../components/status.tsx';
import { bytes, count, duration, when } from '../format.ts';
import { href, navigate, useLocation } from '../router.ts';
import { useSession } from '../session.ts';
import { useLoad } from '../use-load.ts';
import type { QueryView } from '../../../src/client/index.ts';

function budget(q: QueryView): string {
  return q.privacy ? `ε ${q.privacy.epsilon}${q.privacy.delta > 0 ? `, δ ${q.privacy.delta}` : ''}` : '—';
}

/** What the API shows only to whom it concerns: your own tables' figures (owners), the rule versions, the delivery options. */
function QueryDetails({ q }: { readonly q: QueryView }) {
  const stats = Object.entries(q.tableStats ?? {});
  const versions = Object.entries(q.ruleVersions ?? {});
  return (
    <>
      {stats.length > 0 && (
        <ul data-testid="table-stats">
          {stats.map(([table, s]) => (
            <li key={table}>
              your table <code>{table}</code>: {count(s.rowsRead)} rows read ({bytes(s.bytesRead)})
              {s.rowsSuppressed !== undefined && <>, {count(s.rowsSuppressed)} output rows left out by its rule</>}
            </li>
          ))}
        </ul>
      )}
      {versions.length > 0 && <p>rule versions: {versions.map(([table, v]) => `${table} v${v}`).join(', ')}</p>}
      {q.delivery && q.delivery.length > 0 && (
        <p>
          delivered with:{' '}
          {q.delivery.map((d) => `${d.column}${d.normalize ? ' normalised' : ''}${d.hash ? ` hashed (${d.hash})` : ''}`).join(', ')}
        </p>
      )}
    </>
  );
}

function QueryRows({ q }: { readonly q: QueryView }) {
  const what = q.templateId !== undefined ? `template ${q.templateId.slice(0, 12)}` : 'SQL';
  return (
    <>
      <tr data-testid="query-row" data-status={q.status} data-query-id={q.id}>
        <td>{when(q.submittedAt)}</td>
        <td>
          <StatusBadge status={q.status} />
        </td>
        <td>
          {q.runner}
          {q.receiver !== q.runner && <> → {q.receiver}</>}
        </td>
        <td>
          <details>
            <summary>
              {what} on {q.tables.join(', ') || '—'}
            </summary>
            <pre class="sql">{q.sql}</pre>
            {q.parameters && Object.keys(q.parameters).length > 0 && (
              <p>
                parameters:{' '}
                {Object.entries(q.parameters)
                  .map(([k, v]) => `${k}=${v}`)
                  .join(', ')}
              </p>
            )}
            <QueryDetails q={q} />
          </details>
        </td>
        <td class="num">{q.rowCount === undefined ? '—' : count(q.rowCount)}</td>
        <td class="num">{duration(q.durationMs)}</td>
        <td>{budget(q)}</td>
        <td>
          {q.resultId !== undefined ? (
            <Link href={href('results', q.resultId)}>open</Link>
          ) : (
            '—'
          )}
        </td>
      </tr>
      {q.error && (
        <tr class="diagnostic-row">
          <td colSpan={8}>
            <DiagnosticView diagnostic={q.error} title={q.status === 'refused' ? 'Refused by the rules:' : `Why it ${q.status}:`} />
          </td>
        </tr>
      )}
    </>
  );
}

/** Query history: your queries or the collaboration's log, with the diagnostics of refusals. */
export function QueriesPage() {
  const { client } = useSession();
  const { query } = useLocation();
  const [scope, setScope] = useState<'mine' | 'log'>('mine');
  const [collaborations, reloadCollaborations] = useLoad(() => client.collaborations.list(), [client]);
  const chosen = collaborations.state === 'ready' ? (query.get('collaboration') ?? collaborations.value[0]?.name) : undefined;
  const [queries, reload] = useLoad(async () => {
    if (chosen === undefined) return undefined;
    // A query you received carries its result's id (`resultId`), whichever list it is in.
    const list = await (scope === 'mine' ? client.queries.list(chosen) : client.queries.logs(chosen));
    return [...list].sort((a, b) => b.submittedAt.localeCompare(a.submittedAt));
  }, [client, chosen, scope]);
  return (
    <section>
      <h1>Query history</h1>
      <p class="lead">Every protected query: its status, how long it took, the rows it returned, the privacy budget it spent, and why it was refused.</p>
      <Loaded load={collaborations} what="collaborations" retry={reloadCollaborations}>
        {(list) =>
          chosen === undefined ? (
            <Empty>
              <p>You are not in any collaboration, so there are no queries.</p>
            </Empty>
          ) : (
            <>
              <div class="toolbar">
                <CollaborationPicker collaborations={list} value={chosen} onChange={(c) => navigate(`/app/queries?collaboration=${encodeURIComponent(c)}`)} />
                <fieldset class="segmented">
                  <legend>Show</legend>
                  <label>
                    <input type="radio" name="scope" checked={scope === 'mine'} onChange={() => setScope('mine')} /> my queries
                  </label>
                  <label>
                    <input type="radio" name="scope" checked={scope === 'log'} onChange={() => setScope('log')} /> the query log I may see
                  </label>
                </fieldset>
                <button type="button" class="secondary" onClick={reload}>
                  Refresh
                </button>
              </div>
              <Loaded load={queries} what="queries" retry={reload}>
                {(found) =>
                  found === undefined || found.length === 0 ? (
                    <Empty>
                      <p>No queries {scope === 'mine' ? 'of yours' : 'you may see'} in {chosen} yet.</p>
                    </Empty>
                  ) : (
                    <div class="table-scroll">
                      <table class="list queries" data-testid="queries">
                        <thead>
                          <tr>
                            <th scope="col">Submitted</th>
                            <th scope="col">Status</th>
                            <th scope="col">Runner → receiver</th>
                            <th scope="col">Query</th>
                            <th scope="col" class="num">
                              Rows
                            </th>
                            <th scope="col" class="num">
                              Duration
                            </th>
                            <th scope="col">Budget spent</th>
                            <th scope="col">Result</th>
                          </tr>
                        </thead>
                        <tbody>
                          {found.map((q) => (
                            <QueryRows key={q.id} q={q} />
                          ))}
                        </tbody>
                      </table>
                    </div>
                  )
                }
              </Loaded>
            </>
          )
        }
      </Loaded>
    </section>
  );
}
