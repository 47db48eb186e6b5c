import { appendAuditEntry } from '../../audit/append.ts';
import type { Workspace } from '../../collaboration/workspace.ts';
import { type VisualData, visualData } from './dashboard-data.ts';
import type { FilterValue } from './dashboard-spec.ts';
import { resolveDashboard } from './dashboard-store.ts';

/**
 * One visual's rows for whoever asks: its owner, or a member it is shared with (the share
 * checked again now). A viewer gets the owner's rows but not the SQL that ran: it expands
 * the owner's saved queries and views, which are the owner's alone.
 *
 * @example
 *   await visualForMember(ws, 'agency', dashboardId, 'reach', { campaign: ['c1'] });
 */
export async function visualForMember(
  workspace: Workspace,
  member: string,
  ref: string,
  visual: string,
  filters: Readonly<Record<string, readonly FilterValue[]>>,
  options: { readonly signal?: AbortSignal } = {},
): Promise<{ readonly data: VisualData; readonly dashboardName: string }> {
  const { row, spec, access, checkedResults, collaborationId } = await resolveDashboard(workspace, member, ref);
  const data = await visualData(workspace, row.owner, spec, visual, filters, {
    ...options,
    allowListing: access === 'owner',
    ...(checkedResults !== undefined ? { onlyResults: checkedResults } : {}),
  });
  if (access === 'owner') return { data, dashboardName: spec.name };
  await recordViewerRead(workspace, member, row.owner, row.id, collaborationId, data);
  return { data: { ...data, executed: '' }, dashboardName: spec.name };
}

/**
 * A viewer reading the owner's rows through a shared dashboard is a disclosure across
 * members, so it is recorded in the audit chain (docs/audit.md): who, whose dashboard,
 * which visual and which of the owner's results, how many rows. Never the rows, the
 * filter values or the SQL.
 */
async function recordViewerRead(workspace: Workspace, viewer: string, owner: string, dashboardId: string, collaborationId: number | undefined, data: VisualData): Promise<void> {
  const collaboration = await workspace.db.selectFrom('collaborations').select('name').where('id', '=', collaborationId ?? -1).executeTakeFirst();
  await appendAuditEntry(workspace.db, {
    actor: viewer,
    action: 'dashboard.view',
    subject: dashboardId,
    outcome: 'ok',
    detail: {
      owner,
      collaboration: collaboration?.name ?? null,
      visual: data.visual,
      results: data.sources.map((s) => s.name),
      filters: Object.keys(data.filters),
      rows: data.rows.length,
    },
  });
}
