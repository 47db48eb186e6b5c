import { conflict, invalid, notFound } from '../collaboration/errors.ts';
import { logEvent } from '../collaboration/events.ts';
import { nowIso } from '../collaboration/clock.ts';
import type { Workspace } from '../collaboration/workspace.ts';
import type { Query } from '../sql/ast.ts';
import { checkResultsSqlName } from '../rules/results-sql-validate.ts';
import { assertNameFree, newSavedId } from './catalog.ts';
import { convertResultsSql, prepareResultsSql } from './prepare.ts';

export type SavedKind = 'query' | 'view';

/** A member's saved results-SQL query (run by name) or view (read like a table by other queries). */
export interface SavedQuery {
  readonly name: string;
  readonly kind: SavedKind;
  readonly sql: string;
  readonly description: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface SaveInput {
  readonly name: string;
  readonly kind: SavedKind;
  readonly sql: string;
  readonly description?: string;
  /** Replace a saved query or view of the same name (default: refuse). */
  readonly replace?: boolean;
}

const context = (id: string): string => `results_sql_saved/${id}/sql_text`;

async function openRows(workspace: Workspace, member: string, kind?: SavedKind): Promise<(SavedQuery & { id: string })[]> {
  let q = workspace.db.selectFrom('results_sql_saved').selectAll().where('member', '=', member);
  if (kind !== undefined) q = q.where('kind', '=', kind);
  const rows = await q.orderBy('name').execute();
  const out: (SavedQuery & { id: string })[] = [];
  for (const r of rows) {
    out.push({
      id: r.id,
      name: r.name,
      kind: r.kind === 'view' ? 'view' : 'query',
      sql: await workspace.fields.open(member, context(r.id), r.sql_text),
      description: r.description,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    });
  }
  return out;
}

/** The member's saved views as converted queries, for the validator to expand. */
export async function savedViews(workspace: Workspace, member: string): Promise<Map<string, Query>> {
  const views = new Map<string, Query>();
  for (const v of await openRows(workspace, member, 'view')) {
    try {
      views.set(v.name, await convertResultsSql(workspace, v.sql));
    } catch {
      // A view that no longer converts (a newer, stricter converter) is left out: a query
      // using it is refused as naming an unknown table, and `results saved show` shows it.
    }
  }
  return views;
}

/**
 * Saves a named query or view after checking it as it would run now (a view must not
 * read itself, through other views or not).
 *
 * @example
 *   await saveQuery(ws, 'brand', { name: 'reach_by_campaign', kind: 'view', sql: 'SELECT ... FROM q3_overlap' });
 */
export async function saveQuery(workspace: Workspace, member: string, input: SaveInput): Promise<SavedQuery> {
  const problem = checkResultsSqlName(input.name);
  if (problem !== undefined) throw invalid(problem.code, problem.message, problem.hint);
  const description = input.description ?? '';
  if (description.length > 2000) throw invalid('description-too-long', 'A description has at most 2000 characters.');
  const existing = await workspace.db
    .selectFrom('results_sql_saved')
    .select(['id', 'created_at'])
    .where('member', '=', member)
    .where('name', '=', input.name)
    .executeTakeFirst();
  if (existing !== undefined && input.replace !== true) {
    throw conflict('name-taken', `You already have a saved query or view named '${input.name}'.`, 'Pass replace (`--replace`) to overwrite it.');
  }
  await assertNameFree(workspace, member, input.name, { savedName: input.name });
  // Checked now, so a saved query is one that ran when it was saved.
  await prepareResultsSql(workspace, member, input.sql, input.kind === 'view' ? { name: input.name } : undefined);
  if (input.kind === 'query' && existing !== undefined) {
    // A view being turned into a query: nothing may still read it.
    await assertNotReadByViews(workspace, member, input.name);
  }
  const id = existing?.id ?? newSavedId();
  const sealed = await workspace.fields.seal(member, context(id), input.sql);
  const now = nowIso();
  await workspace.db.transaction().execute(async (trx) => {
    if (existing !== undefined) {
      await trx
        .updateTable('results_sql_saved')
        .set({ kind: input.kind, sql_text: sealed, description, updated_at: now })
        .where('id', '=', id)
        .execute();
    } else {
      await trx
        .insertInto('results_sql_saved')
        .values({ id, member, name: input.name, kind: input.kind, sql_text: sealed, description, created_at: now, updated_at: now })
        .execute();
    }
    await logEvent(trx, member, existing === undefined ? 'results-sql.save' : 'results-sql.replace', input.name, { kind: input.kind });
  });
  return { name: input.name, kind: input.kind, sql: input.sql, description, createdAt: existing?.created_at ?? now, updatedAt: now };
}

async function assertNotReadByViews(workspace: Workspace, member: string, name: string): Promise<void> {
  for (const v of await openRows(workspace, member, 'view')) {
    if (v.name === name) continue;
    const query = await convertResultsSql(workspace, v.sql).catch(() => undefined);
    // Table references serialise as {"kind":"table","name":...}: a plain scan of the tree finds every one.
    if (query !== undefined && JSON.stringify(query).includes(`"kind":"table","name":${JSON.stringify(name)}`)) {
      throw conflict('view-in-use', `The saved view ${v.name} reads '${name}'.`, `Change or delete ${v.name} first.`);
    }
  }
}

export async function listSaved(workspace: Workspace, member: string): Promise<SavedQuery[]> {
  return (await openRows(workspace, member)).map(({ id: _id, ...rest }) => rest);
}

export async function showSaved(workspace: Workspace, member: string, name: string): Promise<SavedQuery> {
  const found = (await openRows(workspace, member)).find((s) => s.name === name);
  if (found === undefined) throw notFound('unknown-saved-query', `You have no saved query or view named '${name.slice(0, 80)}'.`, 'List them with `cleanroom results saved list`.');
  const { id: _id, ...rest } = found;
  return rest;
}

/** Deletes a saved query or view; a view another view reads is refused. */
export async function deleteSaved(workspace: Workspace, member: string, name: string): Promise<void> {
  const found = await showSaved(workspace, member, name);
  if (found.kind === 'view') await assertNotReadByViews(workspace, member, name);
  await workspace.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('results_sql_saved').where('member', '=', member).where('name', '=', name).execute();
    await logEvent(trx, member, 'results-sql.delete', name);
  });
}

/** The SQL of a saved query (or view) to run. */
export async function savedSql(workspace: Workspace, member: string, name: string): Promise<string> {
  return (await showSaved(workspace, member, name)).sql;
}

