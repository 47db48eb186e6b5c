import { CleanroomError } from '../../collaboration/errors.ts';
import type { Workspace } from '../../collaboration/workspace.ts';
import type { CatalogTable } from '../catalog.ts';
import type { DashboardSpec } from './dashboard-spec.ts';
import { ownerCatalog, visualQuery } from './dashboard-data.ts';

function notAllowed(message: string, hint?: string): CleanroomError {
  return new CleanroomError('forbidden', { code: 'share-not-allowed', rule: 'dashboards', message, ...(hint !== undefined ? { hint } : {}) });
}

/**
 * The results a dashboard draws on now (a `latest-of-analysis` visual: the newest one);
 * a visual whose analysis has no result yet draws on nothing.
 */
export async function dashboardResults(workspace: Workspace, owner: string, spec: DashboardSpec): Promise<{ tables: CatalogTable[]; readsListing: boolean }> {
  const catalog = await ownerCatalog(workspace, owner);
  const tables = new Map<string, CatalogTable>();
  let readsListing = false;
  for (const visual of spec.visuals) {
    try {
      const q = await visualQuery(workspace, owner, visual, catalog);
      for (const t of q.tables) tables.set(t.id, t);
      readsListing ||= q.readsListing;
    } catch (e) {
      if (e instanceof CleanroomError && e.diagnostic.code === 'no-analysis-result') continue;
      throw e;
    }
  }
  return { tables: [...tables.values()], readsListing };
}

/**
 * May `viewer` see the owner's dashboard within the collaboration? A shared dashboard
 * shows the owner's result rows to the viewer, so the viewer must be a member that could
 * have received each of those results itself: an accepted, current member of the
 * collaboration with the `receive` ability, and an allowed receiver of every table each
 * result's query read (associations' `receivers`). Every result must come from a query
 * of that collaboration; the owner's results listing is never shared. Checked when
 * sharing and on every view (abilities and associations change). Throws `forbidden`
 * (`share-not-allowed`) naming the first reason.
 */
export async function assertViewerMayReceive(workspace: Workspace, owner: string, spec: DashboardSpec, viewer: string, collaborationId: number): Promise<readonly CatalogTable[]> {
  const db = workspace.db;
  const collaboration = await db.selectFrom('collaborations').select(['id', 'name']).where('id', '=', collaborationId).executeTakeFirst();
  if (collaboration === undefined) throw notAllowed('The collaboration the dashboard was shared in no longer exists.');
  const members = await db.selectFrom('collaboration_members').selectAll().where('collaboration_id', '=', collaborationId).execute();
  const active = (name: string) => members.find((m) => m.member === name && m.accepted_at !== null && m.left_at === null);
  if (active(owner) === undefined) throw notAllowed(`'${owner}' is not a member of collaboration '${collaboration.name}'.`);
  const v = active(viewer);
  if (v === undefined) throw notAllowed(`'${viewer}' is not an accepted member of collaboration '${collaboration.name}'.`, 'Share only with members of the collaboration the results come from.');
  if (v.can_receive !== 1) throw notAllowed(`'${viewer}' does not have the receive ability in '${collaboration.name}', so it may not see results of it.`);
  const { tables, readsListing } = await dashboardResults(workspace, owner, spec);
  if (readsListing) throw notAllowed('The dashboard reads your results listing (`results`), which is never shared.', 'Read result tables by name instead.');
  const associations = await db.selectFrom('associations').select(['sql_name', 'receivers_json']).where('collaboration_id', '=', collaborationId).execute();
  for (const table of tables) {
    const query = await db.selectFrom('queries').select(['collaboration_id', 'tables_json']).where('id', '=', table.queryId).executeTakeFirst();
    if (query === undefined || query.collaboration_id !== collaborationId) {
      throw notAllowed(`The result '${table.name}' does not come from collaboration '${collaboration.name}'.`, 'A dashboard shared in a collaboration may draw only on results of its queries.');
    }
    const read = JSON.parse(query.tables_json) as { sqlName: string }[];
    for (const { sqlName } of read) {
      const association = associations.find((a) => a.sql_name === sqlName);
      if (association === undefined) throw notAllowed(`The table '${sqlName}' that result '${table.name}' was computed from is no longer associated with '${collaboration.name}'.`);
      const receivers = association.receivers_json === null ? undefined : (JSON.parse(association.receivers_json) as string[]);
      if (receivers !== undefined && !receivers.includes(viewer)) {
        throw notAllowed(`'${viewer}' is not an allowed receiver of results from the table '${sqlName}' (result '${table.name}').`);
      }
    }
  }
  return tables;
}
