import { appendAuditEntry } from '../../audit/append.ts';
import { CleanroomError } from '../../collaboration/errors.ts';
import type { Workspace } from '../../collaboration/workspace.ts';
import { type VisualData, visualData } from './dashboard-data.ts';
import type { FilterValue } from './dashboard-spec.ts';
import { resolveDashboard, unavailableToViewer } from './dashboard-store.ts';

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
  if (access === 'owner') return { data: await visualData(workspace, row.owner, spec, visual, filters, { ...options, allowListing: true }), dashboardName: spec.name };
  let data: VisualData;
  try {
    data = await visualData(workspace, row.owner, spec, visual, filters, { ...options, allowListing: false, ...(checkedResults !== undefined ? { onlyResults: checkedResults } : {}) });
  } catch (e) {
    throw forViewerError(e, row.owner);
  }
  await recordViewerRead(workspace, member, row.owner, row.id, collaborationId, data);
  // The rows are the viewer's to see; the SQL and the owner's result names are not.
  const sources = data.sources.map((s) => ({ name: s.analysis === null ? 'result' : `result of ${s.analysis}`, analysis: s.analysis, createdAt: s.createdAt }));
  return { data: { ...data, executed: '', sources }, dashboardName: spec.name };
}

/** Errors a viewer can act on (its own request), passed on as they are. */
const VIEWER_CODES = new Set(['unknown-visual', 'unknown-filter', 'filter-value-type', 'dashboard-bad-value', 'cancelled', 'results-sql-timeout', 'no-analysis-result', 'share-not-allowed']);

/**
 * Any other failure of a shared visual (a saved query or result the owner deleted, SQL
 * that no longer validates, an engine message) would name the owner's results, saved
 * queries or columns: the viewer is told only that the visual is unavailable.
 */
function forViewerError(e: unknown, owner: string): unknown {
  // Not a user-facing problem: the server answers 500 without its text and logs it.
  if (!(e instanceof CleanroomError)) return e;
  if (VIEWER_CODES.has(e.diagnostic.code)) {
    if (e.diagnostic.code !== 'no-analysis-result') return e;
    return new CleanroomError(e.kind, { code: 'no-analysis-result', message: 'This visual has no result to show yet.', hint: `ask ${owner}` });
  }
  return unavailableToViewer('visual', owner);
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
