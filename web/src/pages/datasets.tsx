import { Link } from '../components/link.tsx';
import { Empty, Loaded } from '../components/status.tsx';
import { count } from '../format.ts';
import { href } from '../router.ts';
import { useSession } from '../session.ts';
import { useLoad } from '../use-load.ts';

/** Your own datasets (nobody else's are ever listed). */
export function DatasetsPage() {
  const { client, member } = useSession();
  const [load, reload] = useLoad(() => client.datasets.list(member), [client, member]);
  return (
    <section>
      <h1>Datasets</h1>
      <p class="lead">Your registered data: files plus the schema and statistics the crawler inferred. Only you see them.</p>
      <Loaded load={load} what="datasets" retry={reload}>
        {(list) =>
          list.length === 0 ? (
            <Empty>
              <p>
                You have no datasets. Register files with <code>cleanroom dataset create {member} NAME FILE</code> (with <code>--server</code> it uploads them).
              </p>
            </Empty>
          ) : (
            <div class="table-scroll">
              <table class="list" data-testid="datasets">
                <thead>
                  <tr>
                    <th scope="col">Dataset</th>
                    <th scope="col" class="num">
                      Versions
                    </th>
                    <th scope="col" class="num">
                      Rows (latest)
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {list.map((d) => (
                    <tr key={d.name}>
                      <td>
                        <Link href={href('datasets', d.name)}>{d.name}</Link>
                      </td>
                      <td class="num">{d.versions}</td>
                      <td class="num" data-value={d.rows}>
                        {count(d.rows)}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </Loaded>
    </section>
  );
}
