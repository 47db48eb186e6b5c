import { useState } from 'preact/hooks';
import type { Dashboard } from '../../../src/client/dashboards-api.ts';
import { ErrorBox, Loaded } from '../components/status.tsx';
import { when } from '../format.ts';
import { useSession } from '../session.ts';
import { useLoad } from '../use-load.ts';

/**
 * The owner's sharing controls: who sees the dashboard (read-only) and in which
 * collaboration, and a form to share with another member who may receive results
 * there. The server checks every result the dashboard draws on against that member's
 * abilities and each source table's receivers, and says why when it refuses.
 */
export function SharePanel({ dashboard, onChange }: { readonly dashboard: Dashboard; readonly onChange: (d: Dashboard) => void }) {
  const { client, member: me } = useSession();
  const [collaboration, setCollaboration] = useState('');
  const [member, setMember] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [done, setDone] = useState<string | null>(null);
  const [collaborations] = useLoad(() => client.collaborations.list(), [client]);
  const [members] = useLoad(async () => {
    if (collaboration === '') return [];
    const view = await client.collaborations.show(collaboration);
    return view.members.filter((m) => m.member !== me && m.accepted && !m.left && m.receive).map((m) => m.member);
  }, [client, collaboration]);

  const act = async (what: () => Promise<Dashboard>, message: string): Promise<void> => {
    setBusy(true);
    setError(undefined);
    setDone(null);
    try {
      onChange(await what());
      setDone(message);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const shares = dashboard.shares ?? [];
  return (
    <div class="card share-panel">
      <h2 id="sharing-title" tabIndex={-1}>
        Sharing
      </h2>
      {shares.length === 0 ? (
        <p>Only you see this dashboard.</p>
      ) : (
        <table class="compact" data-testid="shares">
          <thead>
            <tr>
              <th scope="col">Member</th>
              <th scope="col">Collaboration</th>
              <th scope="col">Since</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {shares.map((s) => (
              <tr key={s.member}>
                <td>{s.member}</td>
                <td>{s.collaboration}</td>
                <td>{when(s.createdAt)}</td>
                <td>
                  <button type="button" class="link danger" disabled={busy} onClick={() =>
                      // The row and its button go: the focus moves to the panel's heading.
                      void act(() => client.dashboards.unshare(dashboard.id, s.member), `${s.member} no longer sees it.`).then(() => document.getElementById('sharing-title')?.focus())
                    }>
                    Stop sharing with {s.member}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form
        class="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (collaboration !== '' && member !== '') void act(() => client.dashboards.share(dashboard.id, member, collaboration), `Shared with ${member} in ${collaboration}.`);
        }}
      >
        <div class="labelled">
          <label for="share-collaboration">Collaboration</label>
          <Loaded load={collaborations} what="collaborations">
            {(list) => (
              <select id="share-collaboration" value={collaboration} onChange={(e) => (setCollaboration((e.target as HTMLSelectElement).value), setMember(''))} required>
                <option value="">choose…</option>
                {list.map((c) => (
                  <option key={c.name} value={c.name}>
                    {c.name}
                  </option>
                ))}
              </select>
            )}
          </Loaded>
        </div>
        <div class="labelled">
          <label for="share-member">Member</label>
          <select id="share-member" value={member} onChange={(e) => setMember((e.target as HTMLSelectElement).value)} required disabled={collaboration === ''}>
            <option value="">{collaboration === '' ? 'choose a collaboration first' : 'choose…'}</option>
            {members.state === 'ready' &&
              members.value.map((m) => (
                <option key={m} value={m}>
                  {m}
                </option>
              ))}
          </select>
        </div>
        <button type="submit" disabled={busy || collaboration === '' || member === ''}>
          {busy ? 'Sharing…' : 'Share read-only'}
        </button>
      </form>
      <p class="help">
        Members listed may receive results in that collaboration. A member sees your rows only if it could have received every result the dashboard shows; this is
        checked now and on every view.
      </p>
      {done !== null && (
        <p class="ok-line" role="status">
          {done}
        </p>
      )}
      {error !== undefined && <ErrorBox error={error} />}
    </div>
  );
}
