/**
 * Runs an accepted query on the sealed engine, delivers the result to the receiver's
 * store and records the outcome, atomically (files first, metadata last).
 *
 * Encryption at rest: the inputs are decrypted into the query's private folder
 * (memory-backed where possible), which is the engine's only allowed directory and its
 * temp directory; the result is encrypted into the receiver's store; the folder is
 * removed when the query ends, whatever the outcome.
 */
import { randomUUID } from 'node:crypto';
import { appendQueryEntry } from '../audit/query-entry.ts';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { QueryCancelled, type TableSource } from '../engine/engine.ts';
import { EngineError } from '../engine/duckdb-engine.ts';
import { ROW_ID_COLUMN, type PlannedQuery } from '../rules/plan/plan-query.ts';
import { duckdbDialect } from '../sql/dialect.ts';
import { ok, type Diagnostic } from '../sql/diagnostic.ts';
import { printQuery } from '../sql/print.ts';
import { resultKey } from '../storage/layout.ts';
import { nowIso } from './clock.ts';
import { latestVersion } from './dataset-records.ts';
import { crashPoint } from './crash-points.ts';
import { markCancelled, markFailed, markRefused, markRunning, type QueryTableRecord, type TableStats } from './query-records.ts';
import { fieldContext } from './member-keys.ts';
import type { Workspace } from './workspace.ts';
import { requirePlan, type Verdict } from './query-verdict.ts';
import { contributionBounds, prepareDp, type DpRun } from './dp-execution.ts';
import { prepareDifferenceChecks } from './difference-checks.ts';
import { dpAnswerKey, rememberDpAnswer, reuseDpAnswer } from './dp-answers.ts';
import { answerPeriodFor } from './privacy-budgets.ts';
import type { QueryOutcome, RunQueryOptions } from './run-query.ts';

export async function execute(
  workspace: Workspace,
  id: string,
  receiver: string,
  runner: string,
  verdict: Verdict,
  options: RunQueryOptions,
): Promise<QueryOutcome> {
  // Every plaintext copy staged while the query runs (by any code it calls) is removed
  // when it ends, even one a caller forgot to release.
  return workspace.store.withStagingScope(() => executeScoped(workspace, id, receiver, runner, verdict, options));
}

async function executeScoped(
  workspace: Workspace,
  id: string,
  receiver: string,
  runner: string,
  verdict: Verdict,
  options: RunQueryOptions,
): Promise<QueryOutcome> {
  const { db } = workspace;
  const planned = requirePlan(verdict);
  let dpRun: DpRun | undefined;
  let answer: { readonly key: string; readonly period: string } | undefined;
  if (planned.dp !== undefined) {
    const contribution = contributionBounds(options.dp);
    if ('code' in contribution) {
      await markRefused(db, id, contribution, verdict.tables);
      return { id, status: 'refused', error: contribution };
    }
    // The same question in the same budget period gets the stored answer, spending nothing.
    const dpTableIds = verdict.associations.filter((a) => planned.dp?.tables.includes(a.sqlName)).map((a) => a.table.id);
    answer = {
      key: await dpAnswerKey(workspace, verdict, planned.dp, contribution, receiver, options.format ?? 'parquet'),
      period: await answerPeriodFor(db, dpTableIds, new Date()),
    };
    const reused = await reuseDpAnswer(workspace, { id, ...answer, receiver, runner, verdict, previewRows: options.previewRows ?? 10_000 });
    if (reused !== undefined) return reused;
    // The budget is spent before anything runs; a refusal here runs nothing.
    const prepared = await prepareDp(workspace, id, runner, planned.dp, verdict.associations, contribution);
    if ('error' in prepared) {
      await markRefused(db, id, prepared.error, verdict.tables);
      return { id, status: 'refused', error: prepared.error };
    }
    dpRun = prepared.run;
  }
  try {
    const outcome = await executePlanned(workspace, id, receiver, runner, verdict, options, dpRun);
    if (answer !== undefined && outcome.status === 'succeeded') await rememberDpAnswer(workspace, answer.key, answer.period, id);
    return outcome;
  } finally {
    // Refunded only if the engine never started: a failure or a cancellation after it
    // started reading data may depend on the data, and a refund would make it a free oracle.
    if (dpRun !== undefined) await dpRun.settle(dpRun.started ? 'spent' : 'refunded');
  }
}

async function executePlanned(
  workspace: Workspace,
  id: string,
  receiver: string,
  runner: string,
  verdict: Verdict,
  options: RunQueryOptions,
  dpRun: DpRun | undefined,
): Promise<QueryOutcome> {
  const { db, store } = workspace;
  const planned = requirePlan(verdict);
  await markRunning(db, id, verdict.tables);
  crashPoint('query:running');
  const started = Date.now();
  const workDir = await workspace.scratch.create('query');
  try {
    const sources: TableSource[] = [];
    const stats: Record<string, TableStats> = {};
    for (const [t, record] of verdict.tables.entries()) {
      const association = verdict.associations.find((a) => a.sqlName === record.sqlName);
      if (!association) throw new Error('Internal error: referenced association vanished');
      const version = await latestVersion(db, association.table.datasetId);
      const files: string[] = [];
      for (const [f, key] of version.files.entries()) {
        // Decrypted and verified whole before the engine may see it; named by position,
        // as two tables' files may share a name.
        const object = await stageInput(workspace, id, key, workDir, `in-${t}-${f}.parquet`, started);
        files.push(object);
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
    // Difference checks (difference-checks.ts): exact aggregation queries of a collaboration that has them on.
    const prepared = dpRun === undefined ? await prepareDifferenceChecks(workspace, id, verdict) : undefined;
    if (prepared !== undefined && 'error' in prepared) {
      await markRefused(db, id, prepared.error, verdict.tables);
      return { id, status: 'refused', error: prepared.error };
    }
    const checks = prepared;
    if (dpRun !== undefined) dpRun.started = true;
    const outcome = await workspace.engine.runProtected({
      tables: sources,
      // The staged form returns the same rows as planned.query, plus owner-only counts.
      ...(dpRun !== undefined
        ? { sql: dpRun.sql, release: dpRun.release }
        : checks !== undefined
        ? checks
        : stagedPlan === undefined
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
            ...(dpRun !== undefined ? { privacy_json: JSON.stringify(dpRun.report()) } : {}),
          })
          .where('id', '=', id)
          .execute();
        await appendQueryEntry(trx, id);
      });
    } catch (e) {
      await store.delete(key);
      throw e;
    }
    crashPoint('query:committed');
    // A runner that is not the receiver learns only the status (shared/RULES.md).
    if (receiver !== runner) return { id, status: 'succeeded' };
    // The store key: the file is encrypted at rest (results.ts exports a plaintext copy).
    const location = key;
    return {
      id,
      status: 'succeeded',
      durationMs,
      delivery: { resultId, columns: outcome.columns, rows: outcome.preview, rowCount: outcome.rowCount, location },
      ...(dpRun !== undefined ? { privacy: dpRun.report() } : {}),
    };
  } catch (e) {
    if (e instanceof QueryCancelled) {
      await markCancelled(db, id, Date.now() - started);
      return { id, status: 'cancelled', error: { code: 'cancelled', message: 'the query was cancelled before it finished' } };
    }
    if (!(e instanceof EngineError)) throw e;
    // DuckDB's text (which may quote another member's values) stays operator-only in
    // internal_error, sealed with the runner's key; members get the mapped diagnostic
    // (kind and expression, no value), in the outcome and in the query log.
    await markFailed(db, id, await sealInternalError(workspace, id, e.message), Date.now() - started, e.diagnostic);
    return { id, status: 'failed', error: e.diagnostic };
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

/**
 * One input file into the query's folder. A store object that does not decrypt
 * (tampered, swapped, a wrong key) fails the query for the operator to look at: the
 * query is recorded as failed with the reason (operator-only) and the error, which names
 * the object, is thrown on.
 */
async function stageInput(workspace: Workspace, id: string, key: string, dir: string, name: string, started: number): Promise<string> {
  try {
    const object = await workspace.store.stageInto(key, dir, name);
    if (!object) throw new Error(`Internal error: dataset file ${key} is missing from the store`);
    return object.path;
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    await markFailed(workspace.db, id, await sealInternalError(workspace, id, message), Date.now() - started);
    throw e;
  }
}

async function sealInternalError(workspace: Workspace, id: string, text: string): Promise<string> {
  const row = await workspace.db.selectFrom('queries').select('runner').where('id', '=', id).executeTakeFirstOrThrow();
  return workspace.fields.seal(row.runner, fieldContext.queryInternalError(id), text);
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
