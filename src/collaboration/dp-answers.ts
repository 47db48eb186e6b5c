/**
 * Stored answers of differentially private queries. Asking the same question again
 * (the same canonical query, contribution bounds, receiver, format, rule and dataset
 * versions) in the same budget period returns the stored noisy answer and spends
 * nothing: repeating a query to average its noise away gains the runner nothing.
 */
import { createHash, randomUUID } from 'node:crypto';
import { DuckDBInstance } from '@duckdb/node-api';
import { appendQueryEntry } from '../audit/query-entry.ts';
import { encodeCell } from '../engine/cell-values.ts';
import type { CellValue, ResultColumn } from '../engine/engine.ts';
import type { DpQuery } from '../rules/dp-shape.ts';
import type { ContributionBounds } from '../rules/plan/plan-dp.ts';
import { resultKey } from '../storage/layout.ts';
import { nowIso } from './clock.ts';
import { latestVersion } from './dataset-records.ts';
import type { DpReport } from './dp-release.ts';
import type { Verdict } from './query-verdict.ts';
import type { QueryOutcome } from './run-query.ts';
import type { Workspace } from './workspace.ts';

/** A hash of everything that decides a DP answer (positions in the text excluded). */
export async function dpAnswerKey(
  workspace: Workspace,
  verdict: Verdict,
  dp: DpQuery,
  contribution: ContributionBounds,
  receiver: string,
  format: string,
): Promise<string> {
  const tables: unknown[] = [];
  for (const t of verdict.tables) {
    const association = verdict.associations.find((a) => a.sqlName === t.sqlName);
    if (!association) throw new Error('Internal error: referenced association vanished');
    const version = await latestVersion(workspace.db, association.table.datasetId);
    tables.push([t.sqlName, t.tableId, t.ruleVersion, version.version]);
  }
  const query = JSON.stringify(dp.query, (k, v: unknown) => (k === 'pos' ? undefined : v));
  const canonical = JSON.stringify({ query, contribution, receiver, format, tables });
  return createHash('sha256').update(canonical).digest('hex');
}

async function preview(path: string, rows: number): Promise<{ columns: ResultColumn[]; rows: CellValue[][]; count: number }> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const source = `read_parquet('${path.replaceAll("'", "''")}')`;
    const counted = await connection.runAndReadAll(`SELECT count(*) FROM ${source}`);
    const reader = await connection.runAndReadAll(`SELECT * FROM ${source} LIMIT ${Math.max(0, Math.floor(rows))}`);
    const columns = reader.columnNames().map((name, i) => ({ name, type: String(reader.columnTypes()[i]) }));
    const cells = reader.getRowsJson().map((row) => row.map((cell, i) => encodeCell(cell, columns[i]?.type ?? 'VARCHAR')));
    return { columns, rows: cells, count: Number(counted.getRows()[0]?.[0] ?? 0) };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/**
 * The stored answer for `key` in `period`, delivered again as this query's result (a
 * copy of the stored file in the receiver's area), or undefined when there is none.
 */
export async function reuseDpAnswer(
  workspace: Workspace,
  input: { readonly id: string; readonly key: string; readonly period: string; readonly receiver: string; readonly runner: string; readonly verdict: Verdict; readonly previewRows: number },
): Promise<QueryOutcome | undefined> {
  const { db, store } = workspace;
  const hit = await db.selectFrom('dp_answers').select(['query_id', 'result_id']).where('cache_key', '=', input.key).where('period', '=', input.period).executeTakeFirst();
  if (!hit) return undefined;
  const old = await db.selectFrom('results').selectAll().where('id', '=', hit.result_id).executeTakeFirst();
  const original = await db.selectFrom('queries').select('privacy_json').where('id', '=', hit.query_id).executeTakeFirst();
  if (!old || !original?.privacy_json) return undefined;
  const staged = await store.stage(old.store_key);
  if (!staged) return undefined;
  try {
    const resultId = randomUUID();
    const key = resultKey(input.receiver, resultId, old.format === 'csv' ? 'csv' : 'parquet');
    if (!key.ok) throw new Error(`Internal error: ${key.error.message}`);
    const info = await store.putFile(key.value, staged.path);
    const report: DpReport = { ...(JSON.parse(original.privacy_json) as DpReport), epsilon: 0, delta: 0, reusedFrom: hit.query_id };
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('results').values({
        id: resultId, query_id: input.id, member: input.receiver, store_key: key.value, format: old.format,
        columns_json: old.columns_json, row_count: old.row_count, bytes: info.size, created_at: nowIso(),
      }).execute();
      await trx.updateTable('queries').set({
        status: 'succeeded', tables_json: JSON.stringify(input.verdict.tables), row_count: old.row_count, duration_ms: 0,
        privacy_json: JSON.stringify(report), started_at: nowIso(), finished_at: nowIso(),
      }).where('id', '=', input.id).execute();
      await appendQueryEntry(trx, input.id);
    });
    if (input.receiver !== input.runner) return { id: input.id, status: 'succeeded' };
    // The stored (encrypted) result's key: a staged copy would be removed with the query's scratch.
    const location = key.value;
    const shown = old.format === 'csv' ? { columns: JSON.parse(old.columns_json) as ResultColumn[], rows: [], count: old.row_count } : await preview(staged.path, input.previewRows);
    return {
      id: input.id,
      status: 'succeeded',
      durationMs: 0,
      delivery: { resultId, columns: shown.columns, rows: shown.rows, rowCount: shown.count, location },
      privacy: report,
    };
  } finally {
    await staged.release();
  }
}

/** Files a succeeded DP query's result as the answer for `key` in `period` (the first one wins). */
export async function rememberDpAnswer(workspace: Workspace, key: string, period: string, queryId: string): Promise<void> {
  const result = await workspace.db.selectFrom('results').select('id').where('query_id', '=', queryId).executeTakeFirst();
  if (!result) return;
  await workspace.db.insertInto('dp_answers')
    .values({ cache_key: key, period, query_id: queryId, result_id: result.id, created_at: nowIso() })
    .onConflict((oc) => oc.doNothing())
    .execute();
}
