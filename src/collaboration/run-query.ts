import type { DpReport } from './dp-release.ts';
import type { ContributionBounds } from '../rules/plan/plan-dp.ts';
/**
 * Protected queries, as a member runs them: ad-hoc SQL, an approved template, or a
 * library list query. The verdict comes from query-verdict.ts, the run from
 * query-execution.ts; this file checks who may run and receive, and logs the query.
 */
import { randomUUID } from 'node:crypto';
import type { CellValue, ResultColumn } from '../engine/engine.ts';
import { deliveredSql } from '../engine/duckdb-engine.ts';
import { findTemplate } from './templates.ts';
import { duckdbDialect } from '../sql/dialect.ts';
import type { Diagnostic } from '../sql/diagnostic.ts';
import { printQuery } from '../sql/print.ts';
import { findCollaboration, memberships, requireMembership } from './collaborations.ts';
import { forbidden } from './errors.ts';
import { insertQuery, markRefused } from './query-records.ts';
import { fieldContext } from './member-keys.ts';
import type { Workspace } from './workspace.ts';
import { execute } from './query-execution.ts';
import { requestedDelivery, withDelivery } from './query-delivery-options.ts';
import { judge, requirePlan, sourceText, type QuerySource } from './query-verdict.ts';
export { MAX_QUERY_CHARACTERS, type QuerySource } from './query-verdict.ts';

export interface RunQueryOptions {
  readonly receiver?: string;
  readonly format?: 'parquet' | 'csv';
  readonly dryRun?: boolean;
  /** Rows to return inline (the whole result is always in the store). */
  readonly previewRows?: number;
  /** Aborting cancels the query (status `cancelled`); nothing is delivered. */
  readonly signal?: AbortSignal;
  /**
   * Delivery options for a list-rule result (identifiers for an activation platform):
   * applied by the engine to the delivered rows, after the rules and the minimum list
   * size, so the receiver gets only the transformed values.
   */
  readonly delivery?: DeliveryOptions;
  /** Contribution bounds of a differentially private query (defaults: 1 group per user, 1 row per group). */
  readonly dp?: Partial<ContributionBounds>;
  /** Told the query's id as soon as it is recorded (the server answers a submission with it). */
  readonly onSubmitted?: (id: string) => void;
  /**
   * Runs an accepted query's execution when the caller's queue allows (the server's
   * per-member and global limits); without it, the query runs at once.
   */
  readonly schedule?: (id: string, run: () => Promise<QueryOutcome>) => Promise<QueryOutcome>;
}

export interface DeliveryOptions {
  /** Output columns to normalise: trim spaces, tabs, LF and CR at both ends, lowercase. */
  readonly normalize?: readonly string[];
  /** Output columns to replace by their hex SHA-256 (of the normalised value if also normalised). */
  readonly hash?: Readonly<Record<string, 'sha256'>>;
}

export type QueryOutcome =
  | { readonly status: 'accepted'; readonly sql: string }
  | { readonly id?: string; readonly status: 'refused'; readonly error: Diagnostic }
  | { readonly id: string; readonly status: 'failed' | 'cancelled'; readonly error: Diagnostic }
  | {
      readonly id: string;
      readonly status: 'succeeded';
      /** Present only when the runner is the receiver. */
      readonly delivery?: {
        readonly resultId: string;
        readonly columns: readonly ResultColumn[];
        readonly rows: readonly (readonly CellValue[])[];
        readonly rowCount: number;
        readonly location: string;
      };
      /** Absent when the runner is not the receiver. */
      readonly durationMs?: number;
      /** Differentially private results: how the noise was made and how large it is. */
      readonly privacy?: DpReport;
    };



/**
 * Runs one protected query: parse with DuckDB's parser, convert to the clean-room AST,
 * validate against every referenced table's rule, plan (thresholds, row-once), print,
 * run sealed on the engine, deliver to the receiver's results area, log everything.
 */
export async function runQuery(
  workspace: Workspace,
  collaborationName: string,
  runner: string,
  sqlText: string,
  options: RunQueryOptions = {},
): Promise<QueryOutcome> {
  return runSource(workspace, collaborationName, runner, { kind: 'sql', text: sqlText }, options);
}

/**
 * Runs an analysis template by name with parameter values (texts, parsed strictly by
 * each declared type and bound as typed values through the AST, never spliced).
 *
 * @example
 *   await runTemplate(ws, 'media', 'brand', 'attribution', { lookback_days: '14' })
 */
export async function runTemplate(
  workspace: Workspace,
  collaborationName: string,
  runner: string,
  templateName: string,
  values: Readonly<Record<string, string>>,
  options: RunQueryOptions = {},
): Promise<QueryOutcome> {
  const template = await findTemplate(workspace, collaborationName, runner, templateName);
  return runSource(workspace, collaborationName, runner, { kind: 'template', template, values }, options);
}


export async function runSource(
  workspace: Workspace,
  collaborationName: string,
  runner: string,
  source: QuerySource,
  options: RunQueryOptions,
): Promise<QueryOutcome> {
  const { db } = workspace;
  const collaboration = await findCollaboration(db, collaborationName);
  const mine = await requireMembership(db, collaboration, runner);
  if (!mine.query) throw forbidden(`member '${runner}' does not have the query ability in '${collaborationName}'`);
  const receiver = options.receiver ?? runner;
  const receiving = (await memberships(db, collaboration.id)).find((m) => m.member === receiver);
  if (!receiving || receiving.left || !receiving.accepted) {
    throw forbidden(`receiver '${receiver}' is not an active member of '${collaborationName}'`);
  }
  if (!receiving.receive) throw forbidden(`member '${receiver}' does not have the receive ability in '${collaborationName}'`);

  const asked = requestedDelivery(options.delivery);
  const verdict = withDelivery(await judge(workspace, collaboration.id, runner, receiver, source), asked);
  if (options.dryRun) {
    if (verdict.error) return { status: 'refused', error: verdict.error };
    // With delivery options, the SQL shown is the delivered form the engine writes.
    return { status: 'accepted', sql: deliveredSql(printQuery(requirePlan(verdict).query, duckdbDialect), verdict.delivery ?? []) };
  }
  const id = randomUUID();
  await insertQuery(db, {
    id,
    collaboration_id: collaboration.id,
    runner,
    receiver,
    // Query texts and parameter values may hold data values: sealed with the runner's key.
    sql_text: await workspace.fields.seal(runner, fieldContext.querySql(id), sourceText(source)),
    template_id: source.kind === 'template' ? source.template.id : null,
    parameters_json: source.kind === 'sql' ? null : await workspace.fields.seal(runner, fieldContext.queryParameters(id), JSON.stringify(source.values)),
    delivery_json: asked.length === 0 ? null : JSON.stringify(verdict.delivery ?? asked),
  }, { text: sourceText(source), parameters: source.kind === 'sql' ? null : JSON.stringify(source.values) });
  options.onSubmitted?.(id);
  if (verdict.error) {
    await markRefused(db, id, verdict.error, verdict.tables);
    return { id, status: 'refused', error: verdict.error };
  }
  const run = (): Promise<QueryOutcome> => execute(workspace, id, receiver, runner, verdict, options);
  return options.schedule === undefined ? run() : options.schedule(id, run);
}
