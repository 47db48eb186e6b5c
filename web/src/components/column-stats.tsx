import { cellText } from '../format.ts';
import { useSession } from '../session.ts';
import { useLoad } from '../use-load.ts';
import { Loaded } from './status.tsx';

/** Per column of a result: nulls, distinct values, minimum, maximum, mean (one results-SQL query over it). */
export function ColumnStatsView({ result }: { readonly result: string }) {
  const { client } = useSession();
  const [load, reload] = useLoad(() => client.resultsSql.columnStats(result), [client, result]);
  return (
    <section aria-labelledby="column-stats-title">
      <h2 id="column-stats-title">Column statistics</h2>
      <Loaded load={load} what="column statistics" retry={reload}>
        {(stats) => (
          <div class="table-scroll" tabIndex={0} role="region" aria-label="Column statistics">
            <table class="data" data-testid="column-stats">
              <thead>
                <tr>
                  <th scope="col">Column</th>
                  <th scope="col">Type</th>
                  <th scope="col" class="num">
                    Nulls
                  </th>
                  <th scope="col" class="num">
                    Distinct
                  </th>
                  <th scope="col" class="num">
                    Min
                  </th>
                  <th scope="col" class="num">
                    Max
                  </th>
                  <th scope="col" class="num">
                    Mean
                  </th>
                </tr>
              </thead>
              <tbody>
                {stats.columns.map((c) => (
                  <tr key={c.column}>
                    <td>{c.column}</td>
                    <td class="type">{c.type}</td>
                    <td class="num">{c.nulls}</td>
                    <td class="num">{c.distinct}</td>
                    <td class="num">{cellText(c.min)}</td>
                    <td class="num">{cellText(c.max)}</td>
                    <td class="num">{c.mean === null ? '—' : c.mean.toLocaleString('en-US', { maximumFractionDigits: 4 })}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Loaded>
    </section>
  );
}
