import type { Http } from './http.ts';
import { seg } from './http.ts';
import type { InsightRunSubmission, InsightRunView, InsightSummary, InstallReport, QueryView, TableMapping } from './types.ts';

/** The media insights library: list, install as templates, run, derived figures. */
export class InsightsApi {
  constructor(private readonly http: Http) {}

  /** GET /v1/insights */
  list(): Promise<InsightSummary[]> {
    return this.http.json('GET', '/v1/insights');
  }

  /** POST /v1/collaborations/{c}/insights/install (idempotent) */
  install(collaboration: string, options: { readonly tables?: TableMapping; readonly only?: readonly string[] } = {}): Promise<InstallReport> {
    return this.http.json('POST', `/v1/collaborations/${seg(collaboration)}/insights/install`, { json: options });
  }

  /**
   * POST /v1/collaborations/{c}/insights/{analysis}/runs: answers with the query's view;
   * wait for it with `client.queries.waitUntilFinal`, then read `runFigures`.
   */
  run(collaboration: string, analysis: string, submission: InsightRunSubmission = {}, wait?: number): Promise<QueryView> {
    return this.http.json('POST', `/v1/collaborations/${seg(collaboration)}/insights/${seg(analysis)}/runs`, {
      json: submission,
      query: { wait },
    });
  }

  /** GET /v1/collaborations/{c}/insights/runs/{id}: the query and, for its receiver, the derived figures. */
  runFigures(collaboration: string, id: string): Promise<InsightRunView> {
    return this.http.json('GET', `/v1/collaborations/${seg(collaboration)}/insights/runs/${seg(id)}`);
  }
}
