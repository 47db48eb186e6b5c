import type { Http } from './http.ts';
import { seg } from './http.ts';
import type { BudgetPreview, BudgetReport, BudgetSettingsBody, PreviewBody, SetBudgetOutcome } from './types.ts';

/** Differential-privacy budgets: set on your table, reported per collaboration, previewed. */
export class PrivacyApi {
  constructor(private readonly http: Http) {}

  /** PUT /v1/members/{member}/tables/{table}/privacy-budget (shared by every collaboration the table is in) */
  setBudget(member: string, table: string, settings: BudgetSettingsBody): Promise<SetBudgetOutcome> {
    return this.http.json('PUT', `/v1/members/${seg(member)}/tables/${seg(table)}/privacy-budget`, { json: settings });
  }

  /** GET /v1/collaborations/{c}/privacy-budget */
  report(collaboration: string): Promise<BudgetReport> {
    return this.http.json('GET', `/v1/collaborations/${seg(collaboration)}/privacy-budget`);
  }

  /** POST /v1/collaborations/{c}/privacy-preview: what a budget would allow; spends nothing. */
  preview(collaboration: string, settings: PreviewBody): Promise<BudgetPreview> {
    return this.http.json('POST', `/v1/collaborations/${seg(collaboration)}/privacy-preview`, { json: settings });
  }
}
