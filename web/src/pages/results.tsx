import { Link } from '../components/link.tsx';
import { Empty, Loaded } from '../components/status.tsx';
import { bytes, count, when } from '../format.ts';
import { href } from '../router.ts';
import { useSession } from '../session.ts';
import { useLoad } from '../use-load.ts';

/** The results you received, newest first. */
export function ResultsPage() {
  const { client } = useSession();
  const [load, reload] = useLoad(async () => [...(await client.results.list())].sort((a, b) => b.createdAt.localeCompare(a.createdAt)), [client]);
  return (
    <section>
      <h1>Results</h1>
      <p class="lead">The outputs of protected queries that you received, kept encrypted in your results area.</p>
      <Loaded load={load} what="results" retry={reload}>
        {(list) =>
          list.length === 0 ? (
            <Empty>
              <p>
                You have received no results yet. <Link href="/app/insights">Run an analysis</Link> in a collaboration where you may receive results.
              </p>
            </Empty>
          ) : (
            <div class="table-scroll">
              <table class="list" data-testid="results">
                <thead>
                  <tr>
                    <th scope="col">Result</th>
                    <th scope="col">Received</th>
                    <th scope="col">Columns</th>
                    <th scope="col" class="num">
                      Rows
                    </th>
                    <th scope="col" class="num">
                      Size
                    </th>
                    <th scope="col">Format</th>
                  </tr>
                </thead>
                <tbody>
                  {list.map((r) => (
                    <tr key={r.id}>
                      <td>
                        <Link href={href('results', r.id)}>
                          <code>{r.id}</code>
                        </Link>
                      </td>
                      <td>{when(r.createdAt)}</td>
                      <td class="cols">{r.columns.map((c) => c.name).join(', ')}</td>
                      <td class="num">{count(r.rowCount)}</td>
                      <td class="num">{bytes(r.bytes)}</td>
                      <td>{r.format}</td>
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
