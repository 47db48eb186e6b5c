/**
 * What the CLI's commands need, per command group, independent of where the work runs:
 * embedded (this process opens the workspace: embedded.ts) or remote (a Cleanroom
 * server through src/client: remote.ts). context.ts picks one per run; the commands print
 * the same output from either.
 */
import type { CollaborationRow, MemberAbilities } from '../../collaboration/collaborations.ts';
import type { DatasetDescription, DatasetRegistration, IngestOptions } from '../../collaboration/datasets.ts';
import type { InstallReport, TableMapping } from '../../collaboration/insights.ts';
import type { MemberInfo } from '../../collaboration/members.ts';
import type { BudgetPreview, BudgetReport } from '../../collaboration/privacy-budget-report.ts';
import type { SetBudgetOutcome } from '../../collaboration/privacy-budgets.ts';
import type { QueryLogEntry } from '../../collaboration/query-logs.ts';
import type { ResultInfo } from '../../collaboration/results.ts';
import type { ResultsSqlBackend } from './results-sql-backend.ts';
import type { DashboardBackend } from './dashboard-backend.ts';
import type { DeliveryOptions, QueryOutcome } from '../../collaboration/run-query.ts';
import type { TableProposal } from '../../collaboration/tables.ts';
import type { RuleCheck } from '../../collaboration/check-rule.ts';
import type { ApprovalChange } from '../../collaboration/template-approvals.ts';
import type { TemplateInfo } from '../../collaboration/templates.ts';
import type { AnalysisRows } from '../../insights/analysis.ts';
import type { BudgetSettings } from '../../privacy/budget.ts';
import type { ContributionBounds } from '../../rules/plan/plan-dp.ts';
import type { CollaborationView, DatasetSummary, InsightSummary, TableView, TemplateView } from '../../client/types.ts';

export type { CollaborationView, DatasetSummary, InsightSummary, TableView, TemplateView };

export interface MemberBackend {
  create(name: string): Promise<MemberInfo>;
  list(): Promise<MemberInfo[]>;
}

export interface DatasetBackend {
  /** One registration embedded (all files, one version); remote, one per uploaded file. */
  create(member: string, name: string, paths: readonly string[], options: IngestOptions): Promise<readonly DatasetRegistration[]>;
  show(member: string, name: string): Promise<DatasetDescription>;
  list(member: string): Promise<DatasetSummary[]>;
  delete(member: string, name: string, version: number | undefined): Promise<void>;
}

export interface TableBackend {
  create(member: string, name: string, dataset: string, columns: readonly string[] | undefined, rule: unknown): Promise<TableView>;
  update(member: string, name: string, columns: readonly string[] | undefined, rule: unknown): Promise<TableView>;
  show(member: string, name: string): Promise<TableView>;
  list(member: string): Promise<TableView[]>;
  delete(member: string, name: string): Promise<void>;
  /** Would the table's rule allow this query (the table alone, under `sqlName`)? Nothing runs. */
  check(member: string, name: string, sql: string, sqlName: string | undefined): Promise<RuleCheck>;
  /** What create (`dataset` given) or update would store, checked; nothing is saved. */
  propose(member: string, change: { readonly name: string; readonly dataset?: string; readonly columns?: readonly string[]; readonly rule?: unknown }): Promise<TableProposal>;
}

export interface CollaborationBackend {
  create(creator: string, name: string, members: readonly MemberAbilities[], queryLogs: boolean, differenceChecks: boolean): Promise<CollaborationRow>;
  enableDifferenceChecks(actor: string, name: string): Promise<void>;
  accept(actor: string, name: string): Promise<void>;
  leave(actor: string, name: string): Promise<void>;
  delete(actor: string, name: string): Promise<void>;
  associate(name: string, actor: string, table: string, sqlName: string | undefined, receivers: readonly string[] | undefined): Promise<{ readonly sqlName: string }>;
  disassociate(name: string, actor: string, sqlName: string): Promise<void>;
  show(name: string, actor: string): Promise<CollaborationView>;
  list(actor: string): Promise<CollaborationRow[]>;
}

export interface NewTemplateInput {
  readonly name: string;
  readonly description: string;
  readonly sql: string;
  /** `--param` specs as given (already checked by the command). */
  readonly parameters: readonly string[];
}

export interface TemplateBackend {
  create(collaboration: string, actor: string, template: NewTemplateInput): Promise<TemplateInfo>;
  list(collaboration: string, actor: string): Promise<TemplateInfo[]>;
  show(collaboration: string, actor: string, template: string): Promise<TemplateView>;
  setApproval(collaboration: string, template: string, actor: string, table: string, approve: boolean): Promise<ApprovalChange>;
}

export type QuerySourceInput = { readonly sql: string } | { readonly template: string; readonly values: Readonly<Record<string, string>> };

export interface RunInput {
  readonly receiver?: string;
  readonly delivery: DeliveryOptions;
  readonly dp?: Partial<ContributionBounds>;
  /** Aborting cancels the query (it is recorded as cancelled). */
  readonly signal?: AbortSignal;
}

export interface QueryBackend {
  run(collaboration: string, actor: string, source: QuerySourceInput, options: RunInput & { readonly format: 'parquet' | 'csv'; readonly dryRun: boolean }): Promise<QueryOutcome>;
  cancel(collaboration: string, actor: string, id: string): Promise<void>;
  listOwn(collaboration: string, actor: string): Promise<QueryLogEntry[]>;
  logs(collaboration: string, actor: string): Promise<QueryLogEntry[]>;
}

export interface ResultBackend {
  list(actor: string): Promise<ResultInfo[]>;
  delete(actor: string, id: string): Promise<void>;
  /** Writes the result to a local file, as stored or converted to CSV/NDJSON. */
  export(actor: string, id: string, destination: string, format?: 'parquet' | 'csv' | 'json'): Promise<void>;
}

export interface InsightRunOutcome {
  readonly outcome: QueryOutcome;
  readonly finished?: AnalysisRows;
  readonly note?: string;
}

export interface InsightBackend {
  list(): Promise<InsightSummary[]>;
  install(collaboration: string, actor: string, tables: TableMapping, only: readonly string[] | undefined): Promise<InstallReport>;
  run(
    analysis: string,
    collaboration: string,
    actor: string,
    values: Readonly<Record<string, string>>,
    options: RunInput & { readonly tables: TableMapping },
  ): Promise<InsightRunOutcome>;
}

export interface PrivacyBackend {
  setBudget(actor: string, table: string, settings: BudgetSettings): Promise<SetBudgetOutcome>;
  report(collaboration: string, actor: string): Promise<BudgetReport>;
  preview(collaboration: string, actor: string, settings: BudgetSettings): Promise<BudgetPreview>;
}

export interface Backend {
  readonly mode: 'embedded' | 'remote';
  /**
   * Who acts: embedded, `--as` else the member the command names; remote, the member
   * the token speaks for (an `--as` naming another member is a usage error). Either way
   * a named member other than the actor is refused, with the same message.
   */
  actor(as: string | undefined, named?: string): Promise<string>;
  readonly members: MemberBackend;
  readonly datasets: DatasetBackend;
  readonly tables: TableBackend;
  readonly collaborations: CollaborationBackend;
  readonly templates: TemplateBackend;
  readonly queries: QueryBackend;
  readonly results: ResultBackend;
  readonly resultsSql: ResultsSqlBackend;
  readonly dashboards: DashboardBackend;
  readonly insights: InsightBackend;
  readonly privacy: PrivacyBackend;
}
