import type { VisualData } from '../results-sql/dashboards/dashboard-data.ts';
import type { DashboardSpec, FilterValue } from '../results-sql/dashboards/dashboard-spec.ts';
import type { Dashboard, DashboardSummary } from '../results-sql/dashboards/dashboard-store.ts';
import type { ReadyMadeOutcome } from '../results-sql/dashboards/ready-made.ts';
import type { Http } from './http.ts';
import { seg } from './http.ts';

export type { Dashboard, DashboardSpec, DashboardSummary, FilterValue, ReadyMadeOutcome, VisualData };

/** A dashboard document as sent (defaults are filled in by the server). */
export type DashboardDocument = Omit<DashboardSpec, 'title' | 'filters'> & { readonly title?: string; readonly filters?: DashboardSpec['filters'] };

/**
 * Dashboards: named sets of visuals over your results, shared read-only with members of
 * a collaboration who may receive every result they draw on (docs/dashboards.md).
 *
 * @example
 *   const d = await client.dashboards.create({ name: 'q3', visuals: [...] });
 *   const rows = await client.dashboards.data(d.id, 'reach', { campaign: ['c1'] });
 */
export class DashboardsApi {
  constructor(private readonly http: Http) {}

  /** GET /v1/dashboards */
  list(): Promise<{ owned: DashboardSummary[]; shared: (DashboardSummary & { sharedIn: string })[] }> {
    return this.http.json('GET', '/v1/dashboards');
  }

  /** POST /v1/dashboards (replace overwrites one of the same name) */
  create(document: DashboardDocument, options: { readonly replace?: boolean } = {}): Promise<Dashboard> {
    return this.http.json('POST', '/v1/dashboards', { json: document, ...(options.replace === true ? { query: { replace: true } } : {}) });
  }

  /** GET /v1/dashboards/{ref}: yours by id or name, shared with you by id */
  show(ref: string): Promise<Dashboard> {
    return this.http.json('GET', `/v1/dashboards/${seg(ref)}`);
  }

  /** PUT /v1/dashboards/{ref} */
  replace(ref: string, document: DashboardDocument): Promise<Dashboard> {
    return this.http.json('PUT', `/v1/dashboards/${seg(ref)}`, { json: document });
  }

  /** DELETE /v1/dashboards/{ref} */
  delete(ref: string): Promise<{ deleted: string }> {
    return this.http.json('DELETE', `/v1/dashboards/${seg(ref)}`);
  }

  /** POST /v1/dashboards/{ref}/shares */
  share(ref: string, member: string, collaboration: string): Promise<Dashboard> {
    return this.http.json('POST', `/v1/dashboards/${seg(ref)}/shares`, { json: { member, collaboration } });
  }

  /** DELETE /v1/dashboards/{ref}/shares/{member} */
  unshare(ref: string, member: string): Promise<Dashboard> {
    return this.http.json('DELETE', `/v1/dashboards/${seg(ref)}/shares/${seg(member)}`);
  }

  /** POST /v1/dashboards/{ref}/visuals/{visual}/data (filters by filter id override the saved values) */
  data(ref: string, visual: string, filters?: Readonly<Record<string, readonly FilterValue[]>>, signal?: AbortSignal): Promise<VisualData> {
    return this.http.json('POST', `/v1/dashboards/${seg(ref)}/visuals/${seg(visual)}/data`, { json: filters === undefined ? {} : { filters }, ...(signal ? { signal } : {}) });
  }

  /** GET /v1/dashboards/{ref}/visuals/{visual}/csv (filters as in `data`; none: the saved values) */
  async csv(ref: string, visual: string, filters?: Readonly<Record<string, readonly FilterValue[]>>): Promise<string> {
    const query = filters === undefined ? {} : { query: { filters: JSON.stringify(filters) } };
    return (await this.http.send('GET', `/v1/dashboards/${seg(ref)}/visuals/${seg(visual)}/csv`, query)).text();
  }

  /** POST /v1/dashboards/ready-made: create or refresh audience-planning and campaign-measurement */
  readyMade(only?: readonly string[]): Promise<ReadyMadeOutcome[]> {
    return this.http.json('POST', '/v1/dashboards/ready-made', { json: only === undefined ? {} : { only } });
  }
}
