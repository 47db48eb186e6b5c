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
  const { row, spec, access, checkedResults } = await resolveDashboard(workspace, member, ref);
  const data = await visualData(workspace, row.owner, spec, visual, filters, {
    ...options,
    allowListing: access === 'owner',
    ...(checkedResults !== undefined ? { onlyResults: checkedResults } : {}),
  });
  return { data: access === 'owner' ? data : { ...data, executed: '' }, dashboardName: spec.name };
}
