import type { CellValue, ResultColumn } from '../../../src/client/index.ts';
import { cellText, isNumeric } from '../format.ts';

/** Rows as a table; numeric columns right-aligned, each cell the plain value. */
export function DataTable({
  columns,
  rows,
  caption,
  firstRow = 0,
}: {
  readonly columns: readonly ResultColumn[];
  readonly rows: readonly (readonly CellValue[])[];
  readonly caption?: string;
  /** Row number of the first row (0-based), for paged tables. */
  readonly firstRow?: number;
}) {
  // Without a type (derived figures), a column whose values are numbers is numeric.
  const numeric = columns.map((c, j) => (c.type === '' ? rows.some((r) => typeof r[j] === 'number') : isNumeric(c.type)));
  return (
    <div class="table-scroll" tabIndex={0} role="region" aria-label={caption ?? 'table'}>
      <table class="data">
        {caption !== undefined && <caption>{caption}</caption>}
        <thead>
          <tr>
            <th scope="col" class="rownum">
              #
            </th>
            {columns.map((c) => (
              <th scope="col" key={c.name} class={numeric[columns.indexOf(c)] ? 'num' : undefined}>
                {c.name}
                {c.type !== '' && <span class="type">{c.type}</span>}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row, i) => (
            <tr key={i}>
              <td class="rownum">{firstRow + i + 1}</td>
              {row.map((cell, j) => (
                <td key={j} class={[numeric[j] ? 'num' : '', cell === null ? 'null' : ''].join(' ').trim() || undefined}>
                  {cellText(cell)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
