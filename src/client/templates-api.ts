import type { Http } from './http.ts';
import { seg } from './http.ts';
import type { ApprovalChange, TemplateInfo, TemplateView } from './types.ts';

export interface NewTemplate {
  readonly name: string;
  readonly sql: string;
  readonly description?: string;
  /** `name:TYPE[=default][:in=a|b][:range=lo..hi]`, as `cleanroom template create --param` takes them. */
  readonly parameters?: readonly string[];
}

/** Analysis templates: created by a query member, approved per table by its owner. */
export class TemplatesApi {
  constructor(private readonly http: Http) {}

  /** POST /v1/collaborations/{c}/templates */
  create(collaboration: string, template: NewTemplate): Promise<TemplateInfo> {
    return this.http.json('POST', `/v1/collaborations/${seg(collaboration)}/templates`, { json: template });
  }

  /** GET /v1/collaborations/{c}/templates */
  list(collaboration: string): Promise<TemplateInfo[]> {
    return this.http.json('GET', `/v1/collaborations/${seg(collaboration)}/templates`);
  }

  /** GET /v1/collaborations/{c}/templates/{t}: for review. */
  show(collaboration: string, template: string): Promise<TemplateView> {
    return this.http.json('GET', `/v1/collaborations/${seg(collaboration)}/templates/${seg(template)}`);
  }

  /** POST /v1/collaborations/{c}/templates/{t}/approve: on your table (its name in the collaboration). */
  approve(collaboration: string, template: string, table: string): Promise<ApprovalChange> {
    return this.http.json('POST', `/v1/collaborations/${seg(collaboration)}/templates/${seg(template)}/approve`, { json: { table } });
  }

  /** POST /v1/collaborations/{c}/templates/{t}/revoke */
  revoke(collaboration: string, template: string, table: string): Promise<ApprovalChange> {
    return this.http.json('POST', `/v1/collaborations/${seg(collaboration)}/templates/${seg(template)}/revoke`, { json: { table } });
  }
}
