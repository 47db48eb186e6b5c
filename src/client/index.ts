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
export type { DashboardDocument, Dashboard, DashboardSummary, VisualData } from './dashboards-api.ts';
