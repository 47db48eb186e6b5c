import { Link } from '../components/link.tsx';
import { Loaded } from '../components/status.tsx';
import { bytes, count, when } from '../format.ts';
import { useSession } from '../session.ts';
import { useLoad } from '../use-load.ts';

/** One dataset: its versions, and the schema with column statistics of the latest. */
export function DatasetPage({ name }: { readonly name: string }) {
  const { client, member } = useSession();
  const [load, reload] = useLoad(() => client.datasets.show(member, name), [client, member, name]);
  return (
    <section>
      <p class="crumbs">
        <Link href="/app/datasets">Datasets</Link> /
      </p>
      <h1>{name}</h1>
      <Loaded load={load} what={`dataset ${name}`} retry={reload}>
        {(d) => {
          const latest = d.versions[d.versions.length - 1];
          if (latest === undefined) return <p>This dataset has no versions.</p>;
          return (
            <>
              <p class="lead">
                Version {latest.version} of {d.versions.length}: <span data-testid="row-count">{count(latest.rowCount)}</span> rows, {bytes(latest.bytes)} stored
                (encrypted), registered {when(latest.createdAt)}.
              </p>
              <h2>Columns and statistics</h2>
              <div class="table-scroll">
                <table class="list" data-testid="column-stats">
                  <thead>
                    <tr>
                      <th scope="col">Column</th>
                      <th scope="col">Type</th>
                      <th scope="col">In the file</th>
                      <th scope="col" class="num">
                        Nulls
                      </th>
                      <th scope="col" class="num">
                        Distinct (approx.)
                      </th>
                      <th scope="col">Min</th>
                      <th scope="col">Max</th>
                    </tr>
                  </thead>
                  <tbody>
                    {latest.columns.map((c) => {
                      const s = latest.stats[c.name];
                      return (
                        <tr key={c.name}>
                          <td>
                            <code>{c.name}</code>
                          </td>
                          <td class="type">{c.type}</td>
                          <td>{c.originalName}</td>
                          <td class="num">{s ? s.nullCount : '—'}</td>
                          <td class="num">{s ? s.approxDistinct : '—'}</td>
                          <td>{s?.min ?? '—'}</td>
                          <td>{s?.max ?? '—'}</td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              </div>
              {d.versions.length > 1 && (
                <>
                  <h2>Versions</h2>
                  <ul class="plain">
                    {d.versions.map((v) => (
                      <li key={v.version}>
                        version {v.version}: {count(v.rowCount)} rows, {bytes(v.bytes)}, {when(v.createdAt)}
                      </li>
                    ))}
                  </ul>
                </>
              )}
            </>
          );
        }}
      </Loaded>
    </section>
  );
}
