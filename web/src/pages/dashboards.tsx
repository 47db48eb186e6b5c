import { useState } from 'preact/hooks';
import type { ReadyMadeOutcome } from '../../../src/client/dashboards-api.ts';
import { Link } from '../components/link.tsx';
import { Empty, ErrorBox, Loaded } from '../components/status.tsx';
import { when } from '../format.ts';
import { href } from '../router.ts';
import { useSession } from '../session.ts';
import { useLoad } from '../use-load.ts';

/** Sets up (or resets) the library's ready-made dashboards and says which analyses still need a result. */
function ReadyMade({ onDone }: { readonly onDone: () => void }) {
  const { client } = useSession();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [made, setMade] = useState<readonly ReadyMadeOutcome[] | null>(null);
  const run = async (): Promise<void> => {
    setBusy(true);
    setError(undefined);
    try {
      setMade(await client.dashboards.readyMade());
      onDone();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="card ready-made">
      <h2>Ready-made dashboards</h2>
      <p>
        <strong>Audience planning</strong> (overlap, profile index, reach and frequency) and <strong>Campaign measurement</strong> (attribution by campaign and creative,
        lift with its interval, ROAS and CPA, frequency to conversion) follow your newest result of each insights analysis: they refresh as new results arrive.
      </p>
      <button type="button" onClick={() => void run()} disabled={busy}>
        {busy ? 'Setting up…' : 'Set up the ready-made dashboards'}
      </button>
      {error !== undefined && <ErrorBox error={error} />}
      {made !== null && (
        <ul class="plain made" role="status">
          {made.map((m) => (
            <li key={m.dashboard.id}>
              <Link href={href('dashboards', m.dashboard.id)}>{m.dashboard.title}</Link> is ready
              {m.missing.length > 0 && (
                <>
                  ; no result yet of{' '}
                  {m.missing.map((a, i) => (
                    <span key={a}>
                      {i > 0 && (i === m.missing.length - 1 ? ' and ' : ', ')}
                      <Link href={href('insights', a)}>{a}</Link>
                    </span>
                  ))}
                </>
              )}
              .
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** Your dashboards and those shared with you. */
export function DashboardsPage() {
  const { client } = useSession();
  const [load, reload, refresh] = useLoad(() => client.dashboards.list(), [client]);
  return (
    <section>
      <h1>Dashboards</h1>
      <p class="lead">Visuals over the results you received, kept on the server and shared read-only with members who may receive every result they show.</p>
      <p class="actions">
        <Link href="/app/dashboards/new" class="button">
          New dashboard
        </Link>
      </p>
      <Loaded load={load} what="dashboards" retry={reload}>
        {({ owned, shared }) => (
          <>
            <h2>Yours</h2>
            {owned.length === 0 ? (
              <Empty>
                <p>You have no dashboard yet. Build one, or set up the ready-made ones below.</p>
              </Empty>
            ) : (
              <div class="table-scroll">
                <table class="list" data-testid="owned-dashboards">
                  <thead>
                    <tr>
                      <th scope="col">Dashboard</th>
                      <th scope="col">Name</th>
                      <th scope="col" class="num">
                        Visuals
                      </th>
                      <th scope="col">Updated</th>
                    </tr>
                  </thead>
                  <tbody>
                    {owned.map((d) => (
                      <tr key={d.id}>
                        <td>
                          <Link href={href('dashboards', d.id)}>{d.title}</Link>
                          {d.readyMade !== null && <span class="badge info">ready-made</span>}
                        </td>
                        <td>
                          <code>{d.name}</code>
                        </td>
                        <td class="num">{d.visuals}</td>
                        <td>{when(d.updatedAt)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
            <h2>Shared with you</h2>
            {shared.length === 0 ? (
              <Empty>
                <p>No member has shared a dashboard with you.</p>
              </Empty>
            ) : (
              <div class="table-scroll">
                <table class="list" data-testid="shared-dashboards">
                  <thead>
                    <tr>
                      <th scope="col">Dashboard</th>
                      <th scope="col">Owner</th>
                      <th scope="col">Collaboration</th>
                      <th scope="col">Updated</th>
                    </tr>
                  </thead>
                  <tbody>
                    {shared.map((d) => (
                      <tr key={d.id}>
                        <td>
                          <Link href={href('dashboards', d.id)}>{d.title}</Link>
                        </td>
                        <td>{d.owner}</td>
                        <td>{d.sharedIn}</td>
                        <td>{when(d.updatedAt)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
            <ReadyMade onDone={refresh} />
          </>
        )}
      </Loaded>
    </section>
  );
}
