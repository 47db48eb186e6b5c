import { AcceptInvitation } from '../components/accept-invitation.tsx';
import { Link } from '../components/link.tsx';
import { Empty, Loaded } from '../components/status.tsx';
import { href } from '../router.ts';
import { useSession } from '../session.ts';
import { useLoad } from '../use-load.ts';

/** Every collaboration you belong to, with your abilities in it. */
export function CollaborationsPage() {
  const { client, member } = useSession();
  const [load, reload, refresh] = useLoad(async () => {
    const rows = await client.collaborations.list();
    return Promise.all(rows.map(async (row) => ({ row, described: await client.collaborations.show(row.name) })));
  }, [client]);
  return (
    <section>
      <h1>Collaborations</h1>
      <p class="lead">The collaborations you are a member of: who is in them, what each may do, and the tables brought in.</p>
      <Loaded load={load} what="collaborations" retry={reload}>
        {(list) =>
          list.length === 0 ? (
            <Empty>
              <p>You are not in any collaboration yet.</p>
              <p>
                A member creates one with <code>cleanroom collaboration create</code> (or <code>POST /v1/collaborations</code>) and lists you; then accept
                it with <code>cleanroom collaboration accept</code>.
              </p>
            </Empty>
          ) : (
            <div class="table-scroll">
              <table class="list" data-testid="collaborations">
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Creator</th>
                    <th scope="col">Your abilities</th>
                    <th scope="col" class="num">
                      Members
                    </th>
                    <th scope="col" class="num">
                      Tables
                    </th>
                    <th scope="col">Query log</th>
                  </tr>
                </thead>
                <tbody>
                  {list.map(({ row, described }) => {
                    const mine = described.members.find((m) => m.member === member);
                    const abilities = [mine?.query ? 'query' : '', mine?.receive ? 'receive' : ''].filter((a) => a !== '');
                    return (
                      <tr key={row.name}>
                        <td>
                          <Link href={href('collaborations', row.name)}>{row.name}</Link>
                        </td>
                        <td>{row.creator}</td>
                        <td>
                          {abilities.length > 0 ? abilities.join(', ') : 'brings tables only'}
                          {mine && !mine.accepted && !mine.left && (
                            <>
                              <span class="badge warn">not accepted</span> <AcceptInvitation collaboration={row.name} onAccepted={refresh} />
                            </>
                          )}
                        </td>
                        <td class="num">{described.members.length}</td>
                        <td class="num">{described.tables.length}</td>
                        <td>{row.queryLogs ? 'shared with owners' : 'off'}</td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          )
        }
      </Loaded>
    </section>
  );
}
