import type { CleanroomClient } from '../../client/cleanroom-client.ts';
import type { QueryView } from '../../client/types.ts';
import type { DpReport } from '../../collaboration/dp-release.ts';
import type { QueryOutcome } from '../../collaboration/run-query.ts';

/** Rows an embedded run returns inline (run-query.ts previewRows default); also the API's page limit. */
const PREVIEW_ROWS = 10_000;

/**
 * Where the result is, for `stored at …`: the server's own location if it says, else the
 * result's URL (the store key is the operator's detail and the API keeps it to itself).
 */
export function resultLocation(client: CleanroomClient, resultId: string, location: string | undefined): string {
  return location ?? `${client.baseUrl}/v1/results/${encodeURIComponent(resultId)}`;
}

function fullDpReport(privacy: QueryView['privacy']): DpReport | undefined {
  // The receiver's log entry carries the whole report; others see only what was spent.
  return privacy !== undefined && 'mechanism' in privacy && 'columns' in privacy ? (privacy as DpReport) : undefined;
}

/**
 * A finished query's view as the QueryOutcome an embedded run returns: the receiver who
 * ran it gets its first rows (read back from the result, as the embedded run reads them).
 */
export async function outcomeOf(client: CleanroomClient, view: QueryView, me: string): Promise<QueryOutcome> {
  switch (view.status) {
    case 'refused':
    case 'failed':
    case 'cancelled':
      return {
        id: view.id,
        status: view.status,
        error: view.error ?? { code: `query-${view.status}`, message: `query ${view.id} ${view.status}` },
      };
    case 'succeeded':
      break;
    default:
      throw new Error(`Internal error: query ${view.id} is ${view.status}, not finished`);
  }
  if (view.receiver !== me || view.resultId === undefined) return { id: view.id, status: 'succeeded' };
  const result = await client.results.get(view.resultId);
  const page = await client.results.rows(view.resultId, { offset: 0, limit: Math.min(PREVIEW_ROWS, Math.max(1, result.rowCount)) });
  const privacy = fullDpReport(view.privacy);
  return {
    id: view.id,
    status: 'succeeded',
    delivery: {
      resultId: view.resultId,
      columns: page.columns,
      rows: page.rows,
      rowCount: result.rowCount,
      location: resultLocation(client, view.resultId, result.location),
    },
    ...(view.durationMs !== undefined ? { durationMs: view.durationMs } : {}),
    ...(privacy ? { privacy } : {}),
  };
}

/**
 * Submits, then long-polls to the end. Aborting `signal` (Ctrl-C) asks the server to
 * cancel and keeps waiting, so the outcome printed is the recorded one (`cancelled`).
 */
export async function runToEnd(
  client: CleanroomClient,
  collaboration: string,
  submit: () => Promise<QueryView>,
  signal: AbortSignal | undefined,
): Promise<QueryView> {
  const view = await submit();
  if (view.status === 'succeeded' || view.status === 'failed' || view.status === 'refused' || view.status === 'cancelled') return view;
  const cancel = (): void => {
    // Already finished, or not running on that server: the final view tells.
    void client.queries.cancel(collaboration, view.id).catch(() => undefined);
  };
  if (signal?.aborted) cancel();
  else signal?.addEventListener('abort', cancel, { once: true });
  try {
    return await client.queries.waitUntilFinal(collaboration, view.id);
  } finally {
    signal?.removeEventListener('abort', cancel);
  }
}
