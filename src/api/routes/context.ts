import type { Workspace } from '../../collaboration/workspace.ts';
import type { ServerMetrics } from '../metrics.ts';
import type { QueryScheduler } from '../query-scheduler.ts';

/** What every route module gets from the server. */
export interface ApiContext {
  readonly workspace: Workspace;
  readonly scheduler: QueryScheduler;
  readonly metrics: ServerMetrics;
  readonly maxUploadBytes: number;
  readonly metricsOnMainListener: boolean;
}
