import { randomUUID } from 'node:crypto';
import { nowIso } from '../../collaboration/clock.ts';
import { findCollaboration } from '../../collaboration/collaborations.ts';
import { CleanroomError, conflict, invalid, notFound } from '../../collaboration/errors.ts';
import { logEvent } from '../../collaboration/events.ts';
import type { Workspace } from '../../collaboration/workspace.ts';
import type { CatalogTable } from '../catalog.ts';
import type { DashboardSpec, Visual } from './dashboard-spec.ts';
import { parseDashboardSpec } from './dashboard-spec.ts';
import { assertViewerMayReceive, dashboardResults } from './dashboard-sharing.ts';

export interface DashboardShare {
  readonly member: string;
  readonly collaboration: string;
  readonly createdAt: string;
}

export interface DashboardSummary {
  readonly id: string;
  readonly name: string;
  readonly title: string;
  readonly owner: string;
  readonly visuals: number;
  readonly readyMade: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** A dashboard as its owner or a viewer sees it; `shares` only for the owner. */
export interface Dashboard extends DashboardSummary {
  readonly spec: DashboardSpec;
  readonly access: 'owner' | 'shared';
  readonly shares?: readonly DashboardShare[];
  /** For a viewer: the collaboration it was shared in. */
  readonly sharedIn?: string;
}

const context = (id: string): string => `dashboards/${id}/spec_json`;

interface Row {
  readonly id: string;
  readonly owner: string;
  readonly name: string;
  readonly spec_json: string;
  readonly created_at: string;
  readonly updated_at: string;
}

async function open(workspace: Workspace, row: Row): Promise<DashboardSpec> {
  return JSON.parse(await workspace.fields.open(row.owner, context(row.id), row.spec_json)) as DashboardSpec;
}

function summary(row: Row, spec: DashboardSpec): DashboardSummary {
  return { id: row.id, name: row.name, title: spec.title, owner: row.owner, visuals: spec.visuals.length, readyMade: spec.readyMade ?? null, createdAt: row.created_at, updatedAt: row.updated_at };
}

/** What a viewer is told when something behind a shared dashboard broke: nothing that names the owner's things. */
export function unavailableToViewer(what: 'dashboard' | 'visual', owner: string): CleanroomError {
  return new CleanroomError('conflict', {
    code: 'visual-unavailable',
    message: `This ${what} cannot be shown now: something it reads has changed since it was shared.`,
    hint: `ask ${owner} to check the dashboard`,
  });
}

/**
 * The document as a viewer sees it: the visuals' SQL is left out (it may name the owner's
 * other results and carry values from them, and a saved query's text is the owner's
 * alone); kinds, fields, layout and filters stay, which is all the page needs.
 */
function forViewer(spec: DashboardSpec): DashboardSpec {
  return {
    ...spec,
    visuals: spec.visuals.map((v) => {
      const s = v.source;
      const source: Visual['source'] =
        s.kind === 'sql' ? { kind: 'sql', sql: '' } : s.kind === 'saved' ? { kind: 'saved', name: '' } : s.kind === 'latest-of-analysis' ? { kind: s.kind, analysis: s.analysis } : { kind: 'table', table: '' };
      return { ...v, source };
    }),
  };
}

function unknown(ref: string) {
  return notFound('unknown-dashboard', `There is no dashboard '${ref.slice(0, 80)}' you may see.`, 'List yours and those shared with you: cleanroom dashboard list');
}

async function ownRow(workspace: Workspace, owner: string, ref: string): Promise<Row> {
  const row = await workspace.db
    .selectFrom('dashboards')
    .selectAll()
    .where('owner', '=', owner)
    .where((eb) => eb.or([eb('id', '=', ref), eb('name', '=', ref)]))
    .executeTakeFirst();
  if (row === undefined) throw unknown(ref);
  return row;
}

/**
 * Creates (or, with `replace`, replaces) a dashboard of `owner` after checking the
 * document and every visual's source against the owner's catalog as it is now.
 *
 * @example
 *   await saveDashboard(ws, 'brand', { name: 'q3', title: 'Q3', visuals: [...] });
 */
export async function saveDashboard(workspace: Workspace, owner: string, document: unknown, options: { readonly replace?: boolean; readonly id?: string } = {}): Promise<Dashboard> {
  const spec = parseDashboardSpec(document);
  await dashboardResults(workspace, owner, spec);
  const existing = options.id !== undefined
    ? await ownRow(workspace, owner, options.id)
    : await workspace.db.selectFrom('dashboards').selectAll().where('owner', '=', owner).where('name', '=', spec.name).executeTakeFirst();
  if (existing !== undefined && options.id === undefined && options.replace !== true) {
    throw conflict('name-taken', `You already have a dashboard named '${spec.name}'.`, 'Pass replace (`--replace`) to overwrite it.');
  }
  if (existing !== undefined && existing.name !== spec.name) {
    const clash = await workspace.db.selectFrom('dashboards').select('id').where('owner', '=', owner).where('name', '=', spec.name).executeTakeFirst();
    if (clash !== undefined) throw conflict('name-taken', `You already have a dashboard named '${spec.name}'.`);
  }
  const id = existing?.id ?? randomUUID();
  const sealed = await workspace.fields.seal(owner, context(id), JSON.stringify(spec));
  const now = nowIso();
  await workspace.db.transaction().execute(async (trx) => {
    if (existing !== undefined) {
      await trx.updateTable('dashboards').set({ name: spec.name, spec_json: sealed, updated_at: now }).where('id', '=', id).execute();
    } else {
      await trx.insertInto('dashboards').values({ id, owner, name: spec.name, spec_json: sealed, created_at: now, updated_at: now }).execute();
    }
    await logEvent(trx, owner, existing === undefined ? 'dashboard.create' : 'dashboard.replace', id, { name: spec.name });
  });
  return openDashboard(workspace, owner, id);
}

/** The member's own dashboards and those shared with it (still allowed or not: opening checks). */
export async function listDashboards(workspace: Workspace, member: string): Promise<{ owned: DashboardSummary[]; shared: (DashboardSummary & { sharedIn: string })[] }> {
  const own = await workspace.db.selectFrom('dashboards').selectAll().where('owner', '=', member).orderBy('name').execute();
  const owned: DashboardSummary[] = [];
  for (const row of own) owned.push(summary(row, await open(workspace, row)));
  const rows = await workspace.db
    .selectFrom('dashboard_shares')
    .innerJoin('dashboards', 'dashboards.id', 'dashboard_shares.dashboard_id')
    .innerJoin('collaborations', 'collaborations.id', 'dashboard_shares.collaboration_id')
    .select(['dashboards.id', 'dashboards.owner', 'dashboards.name', 'dashboards.spec_json', 'dashboards.created_at', 'dashboards.updated_at', 'collaborations.name as collaboration'])
    .where('dashboard_shares.member', '=', member)
    .orderBy('dashboards.owner')
    .orderBy('dashboards.name')
    .execute();
  const shared: (DashboardSummary & { sharedIn: string })[] = [];
  for (const row of rows) shared.push({ ...summary(row, await open(workspace, row)), sharedIn: row.collaboration });
  return { owned, shared };
}

/** The dashboard a member may see with how it may see it (owner: by id or name; viewer: by id). */
export async function resolveDashboard(
  workspace: Workspace,
  member: string,
  ref: string,
): Promise<{ row: Row; spec: DashboardSpec; access: 'owner' | 'shared'; collaborationId?: number; checkedResults?: ReadonlySet<string> }> {
  const own = await workspace.db
    .selectFrom('dashboards')
    .selectAll()
    .where('owner', '=', member)
    .where((eb) => eb.or([eb('id', '=', ref), eb('name', '=', ref)]))
    .executeTakeFirst();
  if (own !== undefined) return { row: own, spec: await open(workspace, own), access: 'owner' };
  const share = await workspace.db.selectFrom('dashboard_shares').selectAll().where('dashboard_id', '=', ref).where('member', '=', member).executeTakeFirst();
  if (share === undefined) throw unknown(ref);
  const row = await workspace.db.selectFrom('dashboards').selectAll().where('id', '=', ref).executeTakeFirst();
  if (row === undefined) throw unknown(ref);
  const spec = await open(workspace, row);
  // Abilities, receivers and results change after sharing: checked on every view. The
  // viewer learns only that it may not see the dashboard now, never which of the owner's
  // results or tables stands in the way (their names are the owner's).
  let checked: readonly CatalogTable[];
  try {
    checked = await assertViewerMayReceive(workspace, row.owner, spec, member, share.collaboration_id);
  } catch (e) {
    if (e instanceof CleanroomError && e.diagnostic.code === 'share-not-allowed') {
      throw new CleanroomError('forbidden', {
        code: 'share-not-allowed',
        rule: 'dashboards',
        message: 'This dashboard now shows results you may not receive, so it is closed to you until its owner changes it.',
        hint: `ask ${row.owner}, who can see why when sharing it again`,
      });
    }
    // Anything else (a saved query or result the owner deleted, SQL that no longer
    // validates) would name the owner's things: the viewer hears only that it is unavailable.
    if (e instanceof CleanroomError) {
      throw unavailableToViewer('dashboard', row.owner);
    }
    throw e;
  }
  return { row, spec, access: 'shared', collaborationId: share.collaboration_id, checkedResults: new Set(checked.map((t) => t.id)) };
}

async function sharesOf(workspace: Workspace, id: string): Promise<DashboardShare[]> {
  const rows = await workspace.db
    .selectFrom('dashboard_shares')
    .innerJoin('collaborations', 'collaborations.id', 'dashboard_shares.collaboration_id')
    .select(['dashboard_shares.member', 'collaborations.name as collaboration', 'dashboard_shares.created_at'])
    .where('dashboard_id', '=', id)
    .orderBy('dashboard_shares.member')
    .execute();
  return rows.map((r) => ({ member: r.member, collaboration: r.collaboration, createdAt: r.created_at }));
}

export async function openDashboard(workspace: Workspace, member: string, ref: string): Promise<Dashboard> {
  const { row, spec, access, collaborationId } = await resolveDashboard(workspace, member, ref);
  if (access === 'owner') return { ...summary(row, spec), spec, access, shares: await sharesOf(workspace, row.id) };
  const collaboration = await workspace.db.selectFrom('collaborations').select('name').where('id', '=', collaborationId ?? -1).executeTakeFirst();
  return { ...summary(row, spec), spec: forViewer(spec), access, sharedIn: collaboration?.name ?? '' };
}

/** Deletes one of the member's dashboards and its shares. */
export async function deleteDashboard(workspace: Workspace, owner: string, ref: string): Promise<{ deleted: string }> {
  const row = await ownRow(workspace, owner, ref);
  await workspace.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('dashboard_shares').where('dashboard_id', '=', row.id).execute();
    await trx.deleteFrom('dashboards').where('id', '=', row.id).execute();
    await logEvent(trx, owner, 'dashboard.delete', row.id, { name: row.name });
  });
  return { deleted: row.id };
}

/**
 * Shares the owner's dashboard read-only with a member of a collaboration that may
 * receive every result it draws on (see assertViewerMayReceive).
 *
 * @example
 *   await shareDashboard(ws, 'brand', 'q3', 'agency', 'media');
 */
export async function shareDashboard(workspace: Workspace, owner: string, ref: string, member: string, collaborationName: string): Promise<Dashboard> {
  const row = await ownRow(workspace, owner, ref);
  if (member === owner) throw invalid('share-with-self', 'A dashboard is always visible to its owner.');
  const collaboration = await findCollaboration(workspace.db, collaborationName);
  // A collaboration the owner is not in answers like one that does not exist.
  const mine = await workspace.db.selectFrom('collaboration_members').select('member').where('collaboration_id', '=', collaboration.id).where('member', '=', owner).executeTakeFirst();
  if (mine === undefined) throw notFound('unknown-collaboration', `collaboration '${collaborationName}' does not exist`);
  await assertViewerMayReceive(workspace, owner, await open(workspace, row), member, collaboration.id);
  await workspace.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('dashboard_shares').where('dashboard_id', '=', row.id).where('member', '=', member).execute();
    await trx.insertInto('dashboard_shares').values({ dashboard_id: row.id, member, collaboration_id: collaboration.id, created_at: nowIso() }).execute();
    await logEvent(trx, owner, 'dashboard.share', row.id, { member, collaboration: collaboration.name });
  });
  return openDashboard(workspace, owner, row.id);
}

export async function unshareDashboard(workspace: Workspace, owner: string, ref: string, member: string): Promise<Dashboard> {
  const row = await ownRow(workspace, owner, ref);
  const gone = await workspace.db.deleteFrom('dashboard_shares').where('dashboard_id', '=', row.id).where('member', '=', member).executeTakeFirst();
  if (Number(gone.numDeletedRows) === 0) throw notFound('unknown-share', `The dashboard is not shared with '${member.slice(0, 80)}'.`);
  await logEvent(workspace.db, owner, 'dashboard.unshare', row.id, { member });
  return openDashboard(workspace, owner, row.id);
}
