import type { Diagnostic } from '../../../src/client/index.ts';
import { highlightRange } from '../sql-highlight.ts';

/** The query text with the refused part marked (position and fragment, as the server gave them). */
export function MarkedSql({ sql, diagnostic }: { readonly sql: string; readonly diagnostic: Diagnostic }) {
  const range = highlightRange(sql, diagnostic);
  if (range === undefined) return null;
  return (
    <pre class="sql marked" data-testid="sql-marked">
      {sql.slice(0, range.start)}
      <mark>{sql.slice(range.start, range.end)}</mark>
      {sql.slice(range.end)}
    </pre>
  );
}
