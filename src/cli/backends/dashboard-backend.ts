import { visualForMember } from '../../results-sql/dashboards/visual-for-member.ts';
import type { CleanroomClient } from '../../client/cleanroom-client.ts';
import type { Workspace } from '../../collaboration/workspace.ts';
import { visualCsv, type VisualData } from '../../results-sql/dashboards/dashboard-data.ts';
import type { FilterValue } from '../../results-sql/dashboards/dashboard-spec.ts';
import { deleteDashboard, listDashboards, openDashboard, saveDashboard, shareDashboard, unshareDashboard, type Dashboard, type DashboardSummary } from '../../results-sql/dashboards/dashboard-store.ts';
import { readyMadeDashboards, type ReadyMadeOutcome } from '../../results-sql/dashboards/ready-made.ts';

type Filters = Readonly<Record<string, readonly FilterValue[]>>;

/** Dashboards for the CLI: the same operations embedded and over the API. */
export interface DashboardBackend {
  list(actor: string): Promise<{ owned: DashboardSummary[]; shared: (DashboardSummary & { sharedIn: string })[] }>;
  create(actor: string, document: unknown, replace: boolean): Promise<Dashboard>;
  show(actor: string, ref: string): Promise<Dashboard>;
  delete(actor: string, ref: string): Promise<{ deleted: string }>;
  share(actor: string, ref: string, member: string, collaboration: string): Promise<Dashboard>;
  unshare(actor: string, ref: string, member: string): Promise<Dashboard>;
  data(actor: string, ref: string, visual: string, filters: Filters): Promise<VisualData>;
  csv(actor: string, ref: string, visual: string): Promise<string>;
  readyMade(actor: string, only?: readonly string[]): Promise<ReadyMadeOutcome[]>;
}

export function embeddedDashboards(ws: () => Promise<Workspace>): DashboardBackend {
  const data = async (who: string, ref: string, visual: string, filters: Filters): Promise<VisualData> => {
    return (await visualForMember(await ws(), who, ref, visual, filters)).data;
  };
  return {
    list: async (who) => listDashboards(await ws(), who),
    create: async (who, document, replace) => saveDashboard(await ws(), who, document, { replace }),
    show: async (who, ref) => openDashboard(await ws(), who, ref),
    delete: async (who, ref) => deleteDashboard(await ws(), who, ref),
    share: async (who, ref, member, collaboration) => shareDashboard(await ws(), who, ref, member, collaboration),
    unshare: async (who, ref, member) => unshareDashboard(await ws(), who, ref, member),
    data,
    csv: async (who, ref, visual) => visualCsv(await data(who, ref, visual, {})),
    readyMade: async (who, only) => readyMadeDashboards(await ws(), who, only),
  };
}

export function remoteDashboards(client: CleanroomClient): DashboardBackend {
  return {
    list: () => client.dashboards.list(),
    // The server checks the document and names the offending path.
    create: (_who, document, replace) => client.dashboards.create(document as Parameters<CleanroomClient['dashboards']['create']>[0], { replace }),
    show: (_who, ref) => client.dashboards.show(ref),
    delete: (_who, ref) => client.dashboards.delete(ref),
    share: (_who, ref, member, collaboration) => client.dashboards.share(ref, member, collaboration),
    unshare: (_who, ref, member) => client.dashboards.unshare(ref, member),
    data: (_who, ref, visual, filters) => client.dashboards.data(ref, visual, filters),
    csv: (_who, ref, visual) => client.dashboards.csv(ref, visual),
    readyMade: (_who, only) => client.dashboards.readyMade(only),
  };
}
