import type { Http } from './http.ts';
import { seg } from './http.ts';
import type { Diagnostic, DryRunVerdict, QueryStatus, QuerySubmission, QueryView } from './types.ts';

/** Statuses after which a query never changes. */
export const FINAL_STATUSES: ReadonlySet<string> = new Set<QueryStatus>(['succeeded', 'failed', 'refused', 'cancelled']);

/** The server long-polls at most 60 s per request. */
const MAX_WAIT_SECONDS = 60;

export interface WaitOptions {
  /** Give up (a ClientError-free `timeout` Error) after this long; default: no limit. */
  readonly timeoutMs?: number;
  /** Seconds per long-poll request, 1 to 60 (default 30). */
  readonly pollSeconds?: number;
  readonly signal?: AbortSignal;
}

/** Protected queries: submit, poll or long-poll, cancel, list, logs. */
export class QueriesApi {
  constructor(private readonly http: Http) {}

  /**
   * POST /v1/collaborations/{c}/queries: answers at once with the query's id and status
   * (or its final view if it finished within `wait` seconds). A refusal before the query
   * is recorded throws a ClientError 422.
   *
   * @example
   *   const q = await client.queries.submit('media', { sql: 'SELECT COUNT(DISTINCT email) AS n FROM customers' });
   *   const done = await client.queries.waitUntilFinal('media', q.id);
   */
  submit(collaboration: string, submission: QuerySubmission, wait?: number): Promise<QueryView> {
    return this.http.json('POST', `/v1/collaborations/${seg(collaboration)}/queries`, { json: submission, query: { wait } });
  }

  /** POST …/queries with `dryRun`: the verdict and the SQL that would run; records nothing. */
  async dryRun(collaboration: string, submission: QuerySubmission): Promise<DryRunVerdict> {
    const answer = await this.http.json<DryRunVerdict | { readonly error: Diagnostic }>('POST', `/v1/collaborations/${seg(collaboration)}/queries`, {
      json: { ...submission, dryRun: true },
      accept: [422],
    });
    // A 422 is the verdict itself, or the plain `{ error }` of a refusal thrown earlier.
    return 'status' in answer ? answer : { status: 'refused', error: answer.error };
  }

  /** GET /v1/collaborations/{c}/queries/{id}[?wait=N]: long-polls up to N (≤ 60) seconds. */
  get(collaboration: string, id: string, wait?: number, signal?: AbortSignal): Promise<QueryView> {
    return this.http.json('GET', `/v1/collaborations/${seg(collaboration)}/queries/${seg(id)}`, {
      query: { wait },
      ...(signal ? { signal } : {}),
    });
  }

  /** Long-polls until the query is succeeded, failed, refused or cancelled. */
  async waitUntilFinal(collaboration: string, id: string, options: WaitOptions = {}): Promise<QueryView> {
    const started = Date.now();
    const poll = Math.min(MAX_WAIT_SECONDS, Math.max(1, Math.floor(options.pollSeconds ?? 30)));
    for (;;) {
      const left = options.timeoutMs === undefined ? Infinity : options.timeoutMs - (Date.now() - started);
      const wait = Math.max(0, Math.min(poll, Math.floor(left / 1000)));
      const view = await this.get(collaboration, id, wait, options.signal);
      if (FINAL_STATUSES.has(view.status)) return view;
      if (Date.now() - started >= (options.timeoutMs ?? Infinity)) {
        throw new Error(`query ${id} is still ${view.status} after ${Math.round((Date.now() - started) / 1000)} s`);
      }
      // A server that answers before the wait is up (an older one, a proxy) is not hammered.
      if (wait === 0) await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  /** POST /v1/collaborations/{c}/queries/{id}/cancel: the runner stops its query. */
  cancel(collaboration: string, id: string): Promise<{ id: string; status: 'cancelling' }> {
    return this.http.json('POST', `/v1/collaborations/${seg(collaboration)}/queries/${seg(id)}/cancel`);
  }

  /** GET /v1/collaborations/{c}/queries: your own queries. */
  list(collaboration: string): Promise<QueryView[]> {
    return this.http.json('GET', `/v1/collaborations/${seg(collaboration)}/queries`);
  }

  /** GET /v1/collaborations/{c}/query-logs: the entries you may see. */
  logs(collaboration: string): Promise<QueryView[]> {
    return this.http.json('GET', `/v1/collaborations/${seg(collaboration)}/query-logs`);
  }
}
