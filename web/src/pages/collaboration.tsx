import { AcceptInvitation } from '../components/accept-invitation.tsx';
import { Link } from '../components/link.tsx';
import { ColumnList, RuleView } from '../components/rule-view.tsx';
import { Empty, Loaded } from '../components/status.tsx';
import { when } from '../format.ts';
import { href } from '../router.ts';
import { useSession } from '../session.ts';
import { useLoad } from '../use-load.ts';

function yes(value: boolean): string {
  return value ? 'yes' : 'no';
}

/** Ids of the templates a table's custom rule approves. */
function approvedIds(rule: unknown): readonly string[] {
  const custom = (rule as { v1?: { custom?: { allowedAnalyses?: unknown } } } | null)?.v1?.custom;
  return Array.isArray(custom?.allowedAnalyses) ? custom.allowedAnalyses.filter((a): a is string => typeof a === 'string') : [];
}

/** One collaboration: members and abilities, tables with schemas and rules, templates. */
export function CollaborationPage({ name }: { readonly name: string }) {
  const { client, member } = useSession();
  const [load, reload, refresh] = useLoad(
    async () => {
      const [described, templates] = await Promise.all([client.collaborations.show(name), client.templates.list(name)]);
      return { described, templates };
    },
    [client, name],
  );
  return (
    <section>
      <p class="crumbs">
        <Link href="/app/collaborations">Collaborations</Link> /
      </p>
      <h1>{name}</h1>
      <Loaded load={load} what={`collaboration ${name}`} retry={reload}>
        {({ described, templates }) => {
          const templateNames = new Map(templates.map((t) => [t.id, t.name]));
          const mine = described.members.find((m) => m.member === member);
          return (
            <>
              <p class="lead">
                Created by <strong>{described.creator}</strong>. Query log: {described.queryLogs ? 'on (runners, receivers and table owners see entries)' : 'off'}.
                Difference checks: {described.differenceChecks ? 'on' : 'off'}.
              </p>
              {mine !== undefined && !mine.accepted && !mine.left && (
                <div class="note" data-testid="invitation">
                  <p>
                    <strong>{described.creator}</strong> invited you{mine.query || mine.receive ? ` to ${[mine.query ? 'run queries' : '', mine.receive ? 'receive results' : ''].filter((x) => x !== '').join(' and ')}` : ' to bring tables'}. Until you
                    accept, you cannot bring tables in or run anything here.
                  </p>
                  <AcceptInvitation collaboration={name} onAccepted={refresh} />
                </div>
              )}
              <p class="actions">
                {mine?.query && <Link href={`/app/insights?collaboration=${encodeURIComponent(name)}`}>Run an analysis here</Link>}
                <Link href={`/app/queries?collaboration=${encodeURIComponent(name)}`}>Query history</Link>
                <Link href={`/app/templates?collaboration=${encodeURIComponent(name)}`}>Review templates</Link>
                <Link href={`/app/privacy?collaboration=${encodeURIComponent(name)}`}>Privacy budgets</Link>
              </p>

              <h2>Members</h2>
              <div class="table-scroll">
                <table class="list" data-testid="members">
                  <thead>
                    <tr>
                      <th scope="col">Member</th>
                      <th scope="col">May query</th>
                      <th scope="col">May receive results</th>
                      <th scope="col">Status</th>
                    </tr>
                  </thead>
                  <tbody>
                    {described.members.map((m) => (
                      <tr key={m.member}>
                        <td>
                          {m.member}
                          {m.member === member && <span class="badge">you</span>}
                        </td>
                        <td>{yes(m.query)}</td>
                        <td>{yes(m.receive)}</td>
                        <td>{m.left ? 'left' : m.accepted ? 'accepted' : 'invited'}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>

              <h2>Tables</h2>
              {described.tables.length === 0 ? (
                <Empty>
                  <p>No table is associated yet. An owner brings one in with <code>cleanroom collaboration associate</code>.</p>
                </Empty>
              ) : (
                <div class="cards">
                  {described.tables.map((t) => (
                    <article class="card" key={t.name} data-testid={`table-${t.name}`}>
                      <h3>
                        <code>{t.name}</code> <span class="badge">{t.ruleKind}</span>
                      </h3>
                      <p class="meta">
                        Owner: <strong>{t.owner}</strong>
                        {t.receivers && t.receivers.length > 0 && <> · results only to {t.receivers.join(', ')}</>}
                      </p>
                      <h4>Columns queries can use</h4>
                      <ColumnList columns={t.columns} />
                      <h4>What the rule allows</h4>
                      <RuleView rule={t.rule} templateNames={templateNames} />
                    </article>
                  ))}
                </div>
              )}

              <h2>Analysis templates</h2>
              {templates.length === 0 ? (
                <Empty>
                  <p>
                    No templates. Install the insights library with <code>cleanroom insights install</code>, or write one with{' '}
                    <code>cleanroom template create</code>.
                  </p>
                </Empty>
              ) : (
                <div class="table-scroll">
                  <table class="list" data-testid="templates">
                    <thead>
                      <tr>
                        <th scope="col">Template</th>
                        <th scope="col">Tables and approvals</th>
                        <th scope="col">Parameters</th>
                        <th scope="col">Created</th>
                      </tr>
                    </thead>
                    <tbody>
                      {templates.map((t) => (
                        <tr key={t.id}>
                          <td>
                            <strong>{t.name}</strong>
                            <div class="help">{t.description}</div>
                            <details>
                              <summary>SQL</summary>
                              <pre class="sql">{t.sql}</pre>
                            </details>
                          </td>
                          <td>
                            <ul class="plain">
                              {t.tables.map((table) => {
                                const rule = described.tables.find((d) => d.name === table);
                                const approved = rule !== undefined && approvedIds(rule.rule).includes(t.id);
                                return (
                                  <li key={table}>
                                    <code>{table}</code> <span class={approved ? 'badge ok' : 'badge warn'}>{approved ? 'approved' : 'not approved'}</span>
                                  </li>
                                );
                              })}
                            </ul>
                          </td>
                          <td>
                            {t.parameters.length === 0
                              ? 'none'
                              : t.parameters.map((p) => (
                                  <div key={p.name}>
                                    <code>{p.name}</code> <span class="type">{p.type}</span>
                                    {p.default !== undefined && <> = {p.default}</>}
                                  </div>
                                ))}
                          </td>
                          <td>
                            {t.creator}, {when(t.createdAt)}
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              )}
            </>
          );
        }}
      </Loaded>
    </section>
  );
}
