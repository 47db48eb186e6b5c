import { useState } from 'preact/hooks';
import type { CollaborationView, TemplateInfo, TemplateView } from '../../../src/client/index.ts';
import { CollaborationPicker } from '../components/collaboration-picker.tsx';
import { Link } from '../components/link.tsx';
import { DiagnosticView, Empty, ErrorBox, Loaded } from '../components/status.tsx';
import { when } from '../format.ts';
import { href, navigate, useLocation } from '../router.ts';
import { useSession } from '../session.ts';
import { useLoad } from '../use-load.ts';

/** One table a template reads: its approval, and for its owner the button that changes it. */
function ApprovalRow({
  collaboration,
  template,
  table,
  owner,
  approved,
  onChanged,
}: {
  readonly collaboration: string;
  readonly template: string;
  readonly table: string;
  readonly owner: string | undefined;
  readonly approved: boolean;
  readonly onChanged: () => void;
}) {
  const { client, member } = useSession();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const change = async (approve: boolean): Promise<void> => {
    setBusy(true);
    setError(undefined);
    try {
      await (approve ? client.templates.approve(collaboration, template, table) : client.templates.revoke(collaboration, template, table));
      onChanged();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const mine = owner === member;
  return (
    <tr data-testid="approval" data-table={table} data-approved={String(approved)}>
      <td>
        <code>{table}</code>
      </td>
      <td>
        {owner ?? '—'}
        {mine && <span class="badge">you</span>}
      </td>
      <td>
        <span class={approved ? 'badge ok' : 'badge warn'}>{approved ? 'approved' : 'not approved'}</span>
      </td>
      <td>
        {mine ? (
          approved ? (
            <button type="button" class="secondary" disabled={busy} onClick={() => void change(false)} aria-label={`Revoke ${template} on ${table}`}>
              Revoke
            </button>
          ) : (
            <button type="button" disabled={busy} onClick={() => void change(true)} aria-label={`Approve ${template} on ${table}`}>
              Approve
            </button>
          )
        ) : (
          <span class="help">its owner decides</span>
        )}
        {error !== undefined && <ErrorBox error={error} />}
      </td>
    </tr>
  );
}

function TemplateCard({ collaboration, view, described, onChanged }: { readonly collaboration: string; readonly view: TemplateView; readonly described: CollaborationView; readonly onChanged: () => void }) {
  const t = view.template;
  const owners = new Map(described.tables.map((d) => [d.name, d.owner]));
  return (
    <article class="card template" data-testid={`template-${t.name}`}>
      <h2>
        {t.name} <span class="meta">by {t.creator}, {when(t.createdAt)}</span>
      </h2>
      {t.description !== '' && <p>{t.description}</p>}
      <h3>Approvals</h3>
      <div class="table-scroll">
        <table class="list">
          <thead>
            <tr>
              <th scope="col">Table</th>
              <th scope="col">Owner</th>
              <th scope="col">Approval</th>
              <th scope="col">Action</th>
            </tr>
          </thead>
          <tbody>
            {t.tables.map((table) => (
              <ApprovalRow
                key={table}
                collaboration={collaboration}
                template={t.name}
                table={table}
                owner={owners.get(table)}
                approved={view.approvals[table] === true}
                onChanged={onChanged}
              />
            ))}
          </tbody>
        </table>
      </div>
      <h3>What it reads</h3>
      <ul class="plain" data-testid="reads">
        {Object.entries(view.reads).map(([table, columns]) => (
          <li key={table}>
            <code>{table}</code>: {columns.length === 0 ? 'no column by name' : columns.map((c, i) => (
              <span key={c}>
                {i > 0 && ', '}
                <code>{c}</code>
              </span>
            ))}
          </li>
        ))}
      </ul>
      <h3>What it outputs</h3>
      <p data-testid="outputs">
        {view.outputs.map((c, i) => (
          <span key={c}>
            {i > 0 && ', '}
            <code>{c}</code>
          </span>
        ))}
      </p>
      {t.parameters.length > 0 && (
        <>
          <h3>Parameters</h3>
          <ul class="plain">
            {t.parameters.map((p) => (
              <li key={p.name}>
                <code>{p.name}</code> <span class="type">{p.type}</span>
                {p.default !== undefined && <> = {p.default}</>}
              </li>
            ))}
          </ul>
        </>
      )}
      <h3>The SQL as it runs</h3>
      <p class="help">Planned and printed as the engine runs it{t.parameters.every((p) => p.default !== undefined) && t.parameters.length > 0 ? ', with the parameters at their defaults' : ''}.</p>
      <pre class="sql" data-testid="run-sql">
        {view.runSql}
      </pre>
      {view.refusal && (
        <div class="error">
          <DiagnosticView diagnostic={view.refusal} title="Even once approved, the rules would refuse it:" />
        </div>
      )}
      <details>
        <summary>The SQL as written</summary>
        <pre class="sql">{t.sql}</pre>
      </details>
    </article>
  );
}

type Reviewed = { readonly template: TemplateInfo; readonly view: TemplateView } | { readonly template: TemplateInfo; readonly error: unknown };

/** Reviewing templates: their SQL as it runs, what they read and output, approvals per table. */
export function TemplatesPage() {
  const { client, member } = useSession();
  const { query } = useLocation();
  const [collaborations, reloadCollaborations] = useLoad(() => client.collaborations.list(), [client]);
  const chosen = collaborations.state === 'ready' ? (query.get('collaboration') ?? collaborations.value[0]?.name) : undefined;
  const [only, setOnly] = useState<'all' | 'mine'>('all');
  const [load, reload, refresh] = useLoad(async () => {
    if (chosen === undefined) return undefined;
    const [described, list] = await Promise.all([client.collaborations.show(chosen), client.templates.list(chosen)]);
    // One template that cannot be described (its review fails) does not hide the others.
    const views = await Promise.all(
      list.map((t) =>
        client.templates.show(chosen, t.name).then(
          (view): Reviewed => ({ template: t, view }),
          (error: unknown): Reviewed => ({ template: t, error }),
        ),
      ),
    );
    return { described, views };
  }, [client, chosen]);
  return (
    <section>
      <h1>Templates</h1>
      <p class="lead">
        An analysis template runs on a table with a custom rule only once the table's owner approves it. Review what each one reads, outputs and runs, then approve or
        revoke it on your tables; a revocation takes effect for the very next run.
      </p>
      <Loaded load={collaborations} what="collaborations" retry={reloadCollaborations}>
        {(list) =>
          chosen === undefined ? (
            <Empty>
              <p>You are not in any collaboration, so there are no templates to review.</p>
            </Empty>
          ) : (
            <>
              <div class="toolbar">
                <CollaborationPicker collaborations={list} value={chosen} onChange={(c) => navigate(`/app/templates?collaboration=${encodeURIComponent(c)}`)} />
                <fieldset class="segmented">
                  <legend>Show</legend>
                  <label>
                    <input type="radio" name="only" checked={only === 'all'} onChange={() => setOnly('all')} /> every template
                  </label>
                  <label>
                    <input type="radio" name="only" checked={only === 'mine'} onChange={() => setOnly('mine')} /> those reading my tables
                  </label>
                </fieldset>
                <Link href={href('collaborations', chosen)}>The collaboration's tables and rules</Link>
              </div>
              <Loaded load={load} what="templates" retry={reload}>
                {(found) => {
                  if (found === undefined) return null;
                  const mine = new Set(found.described.tables.filter((t) => t.owner === member).map((t) => t.name));
                  const shown = only === 'all' ? found.views : found.views.filter((v) => v.template.tables.some((t) => mine.has(t)));
                  return shown.length === 0 ? (
                    <Empty>
                      <p>
                        No templates {only === 'mine' ? 'read your tables ' : ''}in {chosen}. Install the insights library with <code>cleanroom insights install</code>, or
                        write one with <code>cleanroom template create</code>.
                      </p>
                    </Empty>
                  ) : (
                    <div class="stack" data-testid="templates-review">
                      {shown.map((r) =>
                        'view' in r ? (
                          <TemplateCard key={r.template.id} collaboration={chosen} view={r.view} described={found.described} onChanged={refresh} />
                        ) : (
                          <article class="card template" key={r.template.id} data-testid={`template-${r.template.name}`}>
                            <h2>{r.template.name}</h2>
                            <ErrorBox error={r.error} retry={reload} />
                            <pre class="sql">{r.template.sql}</pre>
                          </article>
                        ),
                      )}
                    </div>
                  );
                }}
              </Loaded>
            </>
          )
        }
      </Loaded>
    </section>
  );
}
