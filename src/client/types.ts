/**
 * What the API answers, by route. Most answers are the domain's own types (imported as
 * types only); the rest are shapes the routes build.
 */
import type { ApiKeyInfo, CreatedApiKey } from '../api/api-keys.ts';
import type { QueryView } from '../api/routes/query-view.ts';
import type { CollaborationMembership, CollaborationRow } from '../collaboration/collaborations.ts';
import type { DatasetDescription, DatasetRegistration } from '../collaboration/datasets.ts';
import type { CollaborationDescription } from '../collaboration/describe-collaboration.ts';
import type { InstallReport, TableMapping } from '../collaboration/insights.ts';
import type { MemberInfo } from '../collaboration/members.ts';
import type { BudgetPreview, BudgetReport } from '../collaboration/privacy-budget-report.ts';
import type { SetBudgetOutcome } from '../collaboration/privacy-budgets.ts';
import type { ApprovalChange } from '../collaboration/template-approvals.ts';
import type { TemplateReview } from '../collaboration/template-review.ts';
import type { TemplateInfo } from '../collaboration/templates.ts';
import type { CellValue, ResultColumn } from '../engine/engine.ts';
import type { AnalysisParameter, AnalysisRows } from '../insights/analysis.ts';
import type { Diagnostic } from '../sql/diagnostic.ts';

export type {
  ApiKeyInfo,
  AnalysisRows,
  BudgetPreview,
  BudgetReport,
  CellValue,
  CollaborationDescription,
  CollaborationMembership,
  CollaborationRow,
  CreatedApiKey,
  DatasetDescription,
  DatasetRegistration,
  Diagnostic,
  InstallReport,
  MemberInfo,
  QueryView,
  ResultColumn,
  SetBudgetOutcome,
  TableMapping,
  TemplateInfo,
  TemplateReview,
  ApprovalChange,
};

/** GET /v1/me. */
export type Me = { readonly role: 'admin'; readonly keyId: string } | { readonly role: 'member'; readonly member: string; readonly keyId: string };

/** POST .../associations: the association made (its SQL name above all). */
export interface AssociationView {
  readonly id: number;
  readonly sqlName: string;
  readonly member: string;
  readonly receivers?: readonly string[];
}

export type DatasetSummary = {
  readonly name: string;
  readonly versions: number;
  readonly rows: number;
};

/** A configured table as the table routes describe it. */
export interface TableView {
  readonly member: string;
  readonly table: string;
  readonly dataset: string;
  readonly version: number;
  readonly kind: 'aggregation' | 'list' | 'custom';
  readonly columns: readonly { readonly name: string; readonly type: string }[];
  /** The rule document (JSON as AWS Clean Rooms writes it). */
  readonly rule: unknown;
}

export interface CollaborationMemberSpec {
  readonly member: string;
  readonly query?: boolean;
  readonly receive?: boolean;
}

export type CollaborationView = CollaborationDescription & { readonly differenceChecks: boolean };

export interface TemplateView extends TemplateReview {
  readonly approvals: Readonly<Record<string, boolean>>;
}

/** Delivery options and receiver, shared by query submissions and analysis runs. */
export interface SubmitOptions {
  readonly receiver?: string;
  /** List results: output columns to trim and lowercase on delivery. */
  readonly normalize?: readonly string[];
  /** List results: output columns to deliver as hex SHA-256. */
  readonly hash?: readonly string[];
  readonly dp?: { readonly maxGroupsPerUser?: number; readonly maxRowsPerGroup?: number };
}

export type ParamValues = Readonly<Record<string, string | number | boolean>>;

export type QuerySubmission = SubmitOptions & { readonly format?: 'parquet' | 'csv' } & (
    | { readonly sql: string; readonly template?: undefined; readonly params?: undefined }
    | { readonly template: string; readonly params?: ParamValues; readonly sql?: undefined }
  );

/** A dry run's verdict (nothing is recorded). */
export type DryRunVerdict = { readonly status: 'accepted'; readonly sql: string } | { readonly status: 'refused'; readonly error: Diagnostic };

export type QueryStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'refused' | 'cancelled';

export interface InsightSummary {
  readonly name: string;
  readonly category: 'planning' | 'activation' | 'measurement';
  readonly rule: 'custom' | 'list';
  readonly tables: readonly string[];
  readonly parameters: readonly AnalysisParameter[];
  readonly question: string;
}

export type InsightRunSubmission = SubmitOptions & { readonly params?: ParamValues; readonly tables?: TableMapping };

/** GET .../insights/runs/{id}: the query, and for its receiver the derived figures. */
export interface InsightRunView {
  readonly query: QueryView;
  readonly analysis?: string;
  readonly note?: string;
  readonly figures?: AnalysisRows;
}

/** A result as the API lists it (the store's location is the operator's detail). */
export interface ResultSummary {
  readonly id: string;
  readonly queryId: string;
  readonly format: string;
  readonly columns: readonly ResultColumn[];
  readonly rowCount: number;
  readonly bytes: number;
  readonly createdAt: string;
  /** Only if the server chooses to say where the result is stored. */
  readonly location?: string;
}

export interface ResultRowsPage {
  readonly id: string;
  readonly offset: number;
  readonly limit: number;
  readonly rowCount: number;
  readonly columns: readonly ResultColumn[];
  readonly rows: readonly (readonly CellValue[])[];
}

export type DownloadFormat = 'parquet' | 'csv' | 'json';

export interface Download {
  readonly contentType: string;
  /** From Content-Disposition, when the server names the file. */
  readonly filename?: string;
  readonly body: ReadableStream<Uint8Array>;
}

export interface BudgetSettingsBody {
  readonly epsilon: number;
  readonly delta?: number;
  readonly usersNoisePerQuery?: number;
  readonly refresh?: 'none' | 'monthly';
}

export interface PreviewBody {
  readonly epsilon: number;
  readonly usersNoisePerQuery: number;
  readonly delta?: number;
}
