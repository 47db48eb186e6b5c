/** The browser-safe client: no `node:` imports here (Node file uploads: node-upload.ts). */
export { CleanroomClient } from './cleanroom-client.ts';
export { ClientError } from './client-error.ts';
export type { ClientOptions } from './http.ts';
export type { UploadBody } from './upload-body.ts';
export type { UploadOptions } from './datasets-api.ts';
export type { NewTable } from './tables-api.ts';
export type { NewCollaboration } from './collaborations-api.ts';
export type { NewTemplate } from './templates-api.ts';
export { FINAL_STATUSES, type WaitOptions } from './queries-api.ts';
export type * from './types.ts';
/** One parameter of an analysis, as GET /v1/insights declares it (`InsightSummary['parameters']`). */
export type { AnalysisParameter } from '../insights/analysis.ts';
export type { ResultsSqlAnswer, ResultsSqlColumn, ResultsSqlTable, SavedResultsQuery } from './results-sql-api.ts';
export type { DashboardDocument, Dashboard, DashboardSummary, VisualData } from './dashboards-api.ts';
export { columnStats, columnStatsSql, type ColumnStat, type StatsColumn } from './column-stats.ts';
