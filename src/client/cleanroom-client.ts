import { CollaborationsApi } from './collaborations-api.ts';
import { DashboardsApi } from './dashboards-api.ts';
import { DatasetsApi } from './datasets-api.ts';
import { Http, type ClientOptions } from './http.ts';
import { InsightsApi } from './insights-api.ts';
import { KeysApi, MembersApi } from './members-api.ts';
import { PrivacyApi } from './privacy-api.ts';
import { QueriesApi } from './queries-api.ts';
import { ResultsApi } from './results-api.ts';
import { ResultsSqlApi } from './results-sql-api.ts';
import { TablesApi } from './tables-api.ts';
import { TemplatesApi } from './templates-api.ts';

/**
 * The Cleanroom HTTP API, typed: one method per route, grouped by noun. Every failure is
 * a `ClientError` with the status and the server's diagnostic.
 *
 * @example
 *   const client = new CleanroomClient({ baseUrl: 'https://cleanroom.example.com', token: process.env.CLEANROOM_TOKEN });
 *   const submitted = await client.queries.submit('media', { sql: 'SELECT ...' });
 *   const done = await client.queries.waitUntilFinal('media', submitted.id);
 *   if (done.resultId) console.log((await client.results.rows(done.resultId)).rows);
 */
export class CleanroomClient {
  readonly members: MembersApi;
  readonly keys: KeysApi;
  readonly datasets: DatasetsApi;
  readonly tables: TablesApi;
  readonly collaborations: CollaborationsApi;
  readonly templates: TemplatesApi;
  readonly queries: QueriesApi;
  readonly insights: InsightsApi;
  readonly results: ResultsApi;
  readonly resultsSql: ResultsSqlApi;
  readonly dashboards: DashboardsApi;
  readonly privacy: PrivacyApi;
  private readonly http: Http;

  constructor(options: ClientOptions) {
    this.http = new Http(options);
    this.members = new MembersApi(this.http);
    this.keys = new KeysApi(this.http);
    this.datasets = new DatasetsApi(this.http);
    this.tables = new TablesApi(this.http);
    this.collaborations = new CollaborationsApi(this.http);
    this.templates = new TemplatesApi(this.http);
    this.queries = new QueriesApi(this.http);
    this.insights = new InsightsApi(this.http);
    this.results = new ResultsApi(this.http);
    this.resultsSql = new ResultsSqlApi(this.http);
    this.dashboards = new DashboardsApi(this.http);
    this.privacy = new PrivacyApi(this.http);
  }

  /** The server's base URL, as given (without a trailing slash). */
  get baseUrl(): string {
    return this.http.baseUrl;
  }

  /** GET /v1/me: who the token speaks for. */
  me() {
    return this.members.me();
  }

  /** GET /healthz: the process is up. */
  health(): Promise<{ status: 'ok' }> {
    return this.http.json('GET', '/healthz');
  }

  /** GET /readyz: metadata and store answer (a 503 throws a ClientError). */
  ready(): Promise<{ status: 'ready' }> {
    return this.http.json('GET', '/readyz');
  }

  /** GET /openapi.json: the API's own description. */
  openApi(): Promise<Record<string, unknown>> {
    return this.http.json('GET', '/openapi.json');
  }
}
