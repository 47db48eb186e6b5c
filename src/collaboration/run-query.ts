import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { QueryCancelled, type CellValue, type ColumnDelivery, type ResultColumn, type TableSource } from '../engine/engine.ts';
import { deliveredSql, EngineError } from '../engine/duckdb-engine.ts';
import { columnTypes } from '../rules/plan/numeric-safety.ts';
import { planQuery, ROW_ID_COLUMN, type PlannedQuery } from '../rules/plan/plan-query.ts';
import { selectOf } from '../rules/plan/planned-query.ts';
import type { QueryContext } from '../rules/rule-types.ts';
import { validateQuery } from '../rules/validate-query.ts';
import type { AnyValidatedQuery } from '../rules/validated-query.ts';
import type { Query } from '../sql/ast.ts';
import { bindParameters } from '../sql/template-bind.ts';
import type { ParameterDeclaration } from '../sql/template-params.ts';
import { parseTemplateSql } from './template-parse.ts';
import { findTemplate, type TemplateInfo } from './templates.ts';
import { convertParsed } from '../sql/convert.ts';
import { duckdbDialect } from '../sql/dialect.ts';
import { ok, refuse, type Diagnostic, type Result } from '../sql/diagnostic.ts';
import { inferType } from '../sql/types.ts';
import { printQuery } from '../sql/print.ts';
import { resultKey } from '../storage/layout.ts';
import { listAssociations, toQueryTable, type AssociationInfo } from './associations.ts';
import { nowIso } from './clock.ts';
import { findCollaboration, memberships, requireMembership } from './collaborations.ts';
import { latestVersion } from './dataset-records.ts';
import { forbidden } from './errors.ts';
import { operationDir } from './orphans.ts';
import { referencedTableNames } from './referenced-tables.ts';
import { crashPoint } from './crash-points.ts';
import { insertQuery, markCancelled, markFailed, markRefused, markRunning, type QueryTableRecord, type TableStats } from './query-records.ts';
import type { Workspace } from './workspace.ts';

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
    };

/** Longer texts are refused before parsing: the parser's memory grows with them. */
export const MAX_QUERY_CHARACTERS = 1_000_000;

/** The verdict on a query text, without running it. */
interface Verdict {
  readonly associations: readonly AssociationInfo[];
  readonly tables: readonly QueryTableRecord[];
  readonly planned?: PlannedQuery;
  readonly validated?: AnyValidatedQuery;
  /** The delivery options, resolved to output column names (empty: none). */
  readonly delivery?: readonly ColumnDelivery[];
  readonly error?: Diagnostic;
}

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

/**
 * What runs: ad-hoc SQL; an approved template with its parameter values; or SQL with
 * declared parameters that is not a template (a library list query, whose rule has no
 * templates), bound the same typed way.
 */
export type QuerySource =
  | { readonly kind: 'sql'; readonly text: string }
  | { readonly kind: 'template'; readonly template: TemplateInfo; readonly values: Readonly<Record<string, string>> }
  | {
      readonly kind: 'parameterised';
      readonly text: string;
      readonly parameters: readonly ParameterDeclaration[];
      readonly values: Readonly<Record<string, string>>;
    };

function sourceText(source: QuerySource): string {
  return source.kind === 'template' ? source.template.sql : source.text;
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
    sql_text: sourceText(source),
    template_id: source.kind === 'template' ? source.template.id : null,
    parameters_json: source.kind === 'sql' ? null : JSON.stringify(source.values),
    delivery_json: asked.length === 0 ? null : JSON.stringify(verdict.delivery ?? asked),
  });
  if (verdict.error) {
    await markRefused(db, id, verdict.error, verdict.tables);
    return { id, status: 'refused', error: verdict.error };
  }
  return execute(workspace, id, receiver, runner, verdict, options);
}

async function judge(
  workspace: Workspace,
  collaborationId: number,
  runner: string,
  receiver: string,
  source: QuerySource,
): Promise<Verdict> {
  const associations = await listAssociations(workspace.db, collaborationId);
  const sqlText = sourceText(source);
  if (sqlText.length > MAX_QUERY_CHARACTERS) {
    return {
      associations,
      tables: [],
      error: {
        code: 'query-too-large',
        rule: 'sql',
        message: `the query is longer than ${MAX_QUERY_CHARACTERS} characters`,
        hint: 'shorten long IN lists or OR chains, e.g. with a dimension the owner can group by',
      },
    };
  }
  const converted = await toQuery(workspace, source);
  if (!converted.ok) return { associations, tables: [], error: converted.error };
  const context: QueryContext = { runner, tables: associations.map(toQueryTable) };
  // Custom-rule tables need to know how the query runs: as an approved template or ad hoc.
  const invocation = source.kind === 'template' ? { templateId: source.template.id } : {};
  const validated: Result<AnyValidatedQuery> = validateQuery(converted.value, context, sqlText, invocation);
  // A refused query is logged against the tables it named, so their owners see it.
  const used = validated.ok
    ? new Set(validated.value.aliases.map((a) => a.table.sqlName))
    : referencedTableNames(converted.value);
  const referenced = associations.filter((a) => used.has(a.sqlName));
  const tables = referenced.map((a) => ({
    sqlName: a.sqlName,
    owner: a.member,
    tableId: a.table.id,
    ruleVersion: a.table.version,
  }));
  if (!validated.ok) return { associations, tables, error: validated.error };
  // Result receivers are the intersection of every referenced table's allowed receivers.
  const blocking = referenced.find((a) => a.receivers !== undefined && !a.receivers.includes(receiver));
  if (blocking) {
    return {
      associations,
      tables,
      error: {
        code: 'receiver-not-allowed',
        message: `table '${blocking.sqlName}' does not allow results to go to '${receiver}'`,
        table: blocking.sqlName,
        hint: 'choose another --receiver, or ask the table owner to add this receiver',
      },
    };
  }
  return { associations, tables, validated: validated.value, planned: planQuery(validated.value) };
}

/**
 * The delivery options as one entry per column, in the order first named; column
 * names lower-cased (SQL names are case-insensitive).
 */
export function requestedDelivery(options: DeliveryOptions | undefined): ColumnDelivery[] {
  const entries = new Map<string, { normalize: boolean; hash?: 'sha256' }>();
  const entry = (name: string): { normalize: boolean; hash?: 'sha256' } => {
    const key = name.toLowerCase();
    const found = entries.get(key) ?? { normalize: false };
    entries.set(key, found);
    return found;
  };
  for (const name of options?.normalize ?? []) entry(name).normalize = true;
  for (const [name, algorithm] of Object.entries(options?.hash ?? {})) entry(name).hash = algorithm;
  return [...entries].map(([column, e]) => ({ column, normalize: e.normalize, ...(e.hash ? { hash: e.hash } : {}) }));
}

/**
 * Checks the delivery options against an accepted query: only a list-rule result
 * (hashing an aggregate is meaningless), only its output columns, only text ones.
 * A refusal depends on the query text alone, never on data.
 */
function withDelivery(verdict: Verdict, asked: readonly ColumnDelivery[]): Verdict {
  if (asked.length === 0 || verdict.error !== undefined) return verdict;
  const resolved = resolveDelivery(requirePlan(verdict), verdict.validated, asked);
  return resolved.ok ? { ...verdict, delivery: resolved.value } : { ...verdict, error: resolved.error };
}

function resolveDelivery(
  planned: PlannedQuery,
  validated: AnyValidatedQuery | undefined,
  asked: readonly ColumnDelivery[],
): Result<ColumnDelivery[]> {
  const options = optionNames(asked);
  if (validated?.kind !== 'list') {
    return refuse({
      code: 'delivery-option-not-allowed',
      message: `${options} apply to list-rule results only (identifiers delivered for activation); this is ${validated?.kind === 'custom' ? 'a custom' : 'an aggregation'}-rule query`,
      hint: 'drop the delivery options: normalising or hashing an aggregate or analysis output is meaningless',
    });
  }
  const items = selectOf(validated.query).items;
  const typeOf = columnTypes(validated.aliases);
  const resolved: ColumnDelivery[] = [];
  for (const d of asked) {
    const index = planned.outputColumns.findIndex((c) => c.toLowerCase() === d.column);
    const item = items[index];
    const column = planned.outputColumns[index];
    if (item === undefined || column === undefined) {
      return refuse({
        code: 'unknown-column',
        message: `the result has no column '${d.column}' to ${d.hash ? 'hash' : 'normalise'}; its columns are ${planned.outputColumns.join(', ')}`,
        fragment: d.column,
        hint: 'name an output column of the list (its alias, if it has one)',
      });
    }
    const category = inferType(item.expr, typeOf);
    if (category !== 'text') {
      return refuse({
        code: 'delivery-option-not-allowed',
        message: `column '${column}' is not text (${category}); ${optionNames([d])} apply to text identifiers only`,
        fragment: column,
        hint: 'normalise and hash identifier columns such as email addresses',
      });
    }
    resolved.push({ ...d, column });
  }
  return ok(resolved);
}

function optionNames(asked: readonly ColumnDelivery[]): string {
  const normalize = asked.some((d) => d.normalize);
  const hash = asked.some((d) => d.hash !== undefined);
  return normalize && hash ? '--normalize and --hash' : hash ? '--hash' : '--normalize';
}

/** SQL -> AST; for a template, also binds the parameter values as typed literals. */
async function toQuery(workspace: Workspace, source: QuerySource): Promise<Result<Query>> {
  if (source.kind === 'sql') {
    const tree = await (await workspace.parser()).serialize(source.text);
    return convertParsed(tree, source.text);
  }
  const parsed = await parseTemplateSql(workspace, sourceText(source));
  if (!parsed.ok) return parsed;
  const declared = source.kind === 'template' ? source.template.parameters : source.parameters;
  return bindParameters(parsed.value, declared, source.values);
}

function requirePlan(verdict: Verdict): PlannedQuery {
  if (!verdict.planned) throw new Error('Internal error: accepted query without a plan');
  return verdict.planned;
}

async function execute(
  workspace: Workspace,
  id: string,
  receiver: string,
  runner: string,
  verdict: Verdict,
  options: RunQueryOptions,
): Promise<QueryOutcome> {
  const { db, store } = workspace;
  const planned = requirePlan(verdict);
  await markRunning(db, id, verdict.tables);
  crashPoint('query:running');
  const started = Date.now();
  const workDir = operationDir(workspace);
  const staged: { release(): Promise<void> }[] = [];
  try {
    const sources: TableSource[] = [];
    const stats: Record<string, TableStats> = {};
    for (const record of verdict.tables) {
      const association = verdict.associations.find((a) => a.sqlName === record.sqlName);
      if (!association) throw new Error('Internal error: referenced association vanished');
      const version = await latestVersion(db, association.table.datasetId);
      const files: string[] = [];
      for (const key of version.files) {
        const object = await store.stage(key);
        if (!object) throw new Error(`Internal error: dataset file ${key} is missing from the store`);
        staged.push(object);
        files.push(object.path);
      }
      sources.push({
        viewName: association.sqlName,
        files,
        columns: [ROW_ID_COLUMN, ...association.table.columns.map((c) => c.name)],
      });
      stats[association.sqlName] = { rowsRead: version.rowCount, bytesRead: version.bytes };
    }
    const format = options.format ?? 'parquet';
    const outputFile = join(workDir, format === 'csv' ? 'delivery.csv' : 'delivery.parquet');
    const stagedPlan = planned.staged;
    const outcome = await workspace.engine.runProtected({
      tables: sources,
      // The staged form returns the same rows as planned.query, plus owner-only counts.
      ...(stagedPlan === undefined
        ? { sql: printQuery(planned.query, duckdbDialect) }
        : {
            sql: printQuery(stagedPlan.deliver, duckdbDialect),
            stage: { table: stagedPlan.table, sql: printQuery(stagedPlan.stage, duckdbDialect) },
            ...(stagedPlan.stats === undefined ? {} : { statsSql: printQuery(stagedPlan.stats.query, duckdbDialect) }),
          }),
      ...(planned.listSizeCheck ? { deliverIfSql: printQuery(planned.listSizeCheck, duckdbDialect) } : {}),
      ...(verdict.delivery !== undefined && verdict.delivery.length > 0 ? { delivery: verdict.delivery } : {}),
      outputFile,
      format,
      workDir,
      previewRows: options.previewRows ?? 10_000,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const durationMs = Date.now() - started;
    crashPoint('query:executed');
    if (!outcome.delivered) {
      const error: Diagnostic = {
        code: 'list-too-small',
        rule: 'list',
        message: 'the list is smaller than a table owner\'s minimumListSize, so it is not delivered',
        hint: 'widen the filters or the join so that more rows overlap',
      };
      await markRefused(db, id, error, verdict.tables);
      return { id, status: 'refused', error };
    }
    recordSuppressed(stats, verdict.tables, planned, outcome.stats, runner);
    const resultId = randomUUID();
    const key = unwrapKey(resultKey(receiver, resultId, format));
    const info = await store.putFile(key, outputFile);
    crashPoint('query:stored');
    try {
      await db.transaction().execute(async (trx) => {
        await trx
          .insertInto('results')
          .values({
            id: resultId,
            query_id: id,
            member: receiver,
            store_key: key,
            format,
            columns_json: JSON.stringify(outcome.columns),
            row_count: outcome.rowCount,
            bytes: info.size,
            created_at: nowIso(),
          })
          .execute();
        await trx
          .updateTable('queries')
          .set({
            status: 'succeeded',
            row_count: outcome.rowCount,
            duration_ms: durationMs,
            table_stats_json: JSON.stringify(stats),
            finished_at: nowIso(),
          })
          .where('id', '=', id)
          .execute();
      });
    } catch (e) {
      await store.delete(key);
      throw e;
    }
    crashPoint('query:committed');
    // A runner that is not the receiver learns only the status (shared/RULES.md).
    if (receiver !== runner) return { id, status: 'succeeded' };
    const location = (await store.stage(key))?.path ?? key;
    return {
      id,
      status: 'succeeded',
      durationMs,
      delivery: { resultId, columns: outcome.columns, rows: outcome.preview, rowCount: outcome.rowCount, location },
    };
  } catch (e) {
    if (e instanceof QueryCancelled) {
      await markCancelled(db, id, Date.now() - started);
      return { id, status: 'cancelled', error: { code: 'cancelled', message: 'the query was cancelled before it finished' } };
    }
    if (!(e instanceof EngineError)) throw e;
    await markFailed(db, id, e.message, Date.now() - started);
    return {
      id,
      status: 'failed',
      error: { code: 'internal-error', message: 'the query failed inside the engine; the operator can see the details' },
    };
  } finally {
    for (const object of staged) await object.release();
    rmSync(workDir, { recursive: true, force: true });
  }
}

/**
 * Groups removed by each table's output constraints (summed over the aliases of a
 * self-join), into that table's owner-only stats (query-logs.ts shows a table's stats
 * to its owner only). Never for a table the runner owns: no count of dropped rows may
 * reach the runner (RULES.md).
 */
function recordSuppressed(
  stats: Record<string, TableStats>,
  tables: readonly QueryTableRecord[],
  planned: PlannedQuery,
  counts: Readonly<Record<string, number>> | undefined,
  runner: string,
): void {
  const columns = planned.staged?.stats?.columns;
  if (columns === undefined || counts === undefined) return;
  const removed = new Map<string, number>();
  for (const { table, column } of columns) {
    const n = counts[column];
    if (n === undefined) throw new Error(`Internal error: suppression count ${column} missing`);
    removed.set(table, (removed.get(table) ?? 0) + n);
  }
  for (const record of tables) {
    const n = removed.get(record.sqlName);
    const current = stats[record.sqlName];
    if (n === undefined || current === undefined || record.owner === runner) continue;
    stats[record.sqlName] = { ...current, rowsSuppressed: n };
  }
}

function unwrapKey(result: ReturnType<typeof resultKey>): string {
  if (!result.ok) throw new Error(`Internal error: ${result.error.message}`);
  return result.value;
}

