import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { createDataset, deleteDataset, listDatasets, showDataset } from '../../collaboration/datasets.ts';
import { CleanroomError } from '../../collaboration/errors.ts';
import { receiveUpload } from './dataset-upload.ts';
import { requireSelfPath } from '../principal.ts';
import type { ApiContext } from './context.ts';
import { memberParams, nameSchema } from './schemas.ts';

const datasetParams = {
  type: 'object',
  required: ['member', 'dataset'],
  properties: { member: nameSchema, dataset: nameSchema },
} as const;

/** Datasets: a member uploads files as a new dataset version, and reads its own catalog. */
export function registerDatasetRoutes(app: FastifyInstance, context: ApiContext): void {
  const { workspace } = context;

  app.post<{ Params: { member: string; dataset: string }; Querystring: { filename?: string; normalize?: string; hash?: string } }>(
    '/v1/members/:member/datasets/:dataset',
    {
      schema: {
        tags: ['datasets'],
        summary: 'upload file(s) (CSV/TSV/Parquet/JSON/NDJSON, gzip or zstd ok) as a new version of the dataset',
        description:
          'Either the body is one file (Content-Type application/octet-stream, name in ?filename=), or a multipart/form-data ' +
          'form holds several files (names may carry folders such as year=2024/part-1.csv: partition columns) and optional ' +
          '`normalize`/`hash` fields. Streamed to a private memory-backed folder, crawled, encrypted into the store, removed. ' +
          'Example: `curl -X POST -H "Authorization: Bearer $KEY" --data-binary @customers.csv "$URL/v1/members/brand/datasets/customers?filename=customers.csv"` ' +
          'or `curl -F "file=@a.csv;filename=year=2024/a.csv" -F "file=@b.csv;filename=year=2025/b.csv" ...`',
        params: datasetParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            filename: { type: 'string', maxLength: 1024, description: "one raw file's name; its extension names the format (customers.csv.gz)" },
            normalize: { type: 'string', description: 'comma list of columns to trim and lowercase' },
            hash: { type: 'string', description: 'comma list of columns to replace by their hex SHA-256' },
          },
        },
      },
    },
    async (request, reply) => {
      const member = requireSelfPath(request, request.params.member);
      // The upload is plaintext member data: it lives only in the private (memory-backed) scratch.
      const dir = await workspace.scratch.create('upload');
      try {
        const upload = await receiveUpload(request, dir, request.query, context.maxUploadBytes);
        context.metrics.bytesIngested.inc(upload.bytes);
        // One plain file as itself; several, or folders, as the folder (the crawler's partitions).
        const single = upload.files.length === 1 && !upload.files[0]!.includes('/');
        const registered = await createDataset(workspace, member, request.params.dataset, [single ? join(dir, upload.files[0]!) : dir], {
          normalize: upload.normalize,
          hash: Object.fromEntries(upload.hash.map((c) => [c, 'sha256' as const])),
        });
        return await reply.code(201).send(registered);
      } catch (e) {
        // The crawler names files by their path: the member sees its own file names, not
        // the server's scratch folder (which tells its layout and process ids).
        if (!(e instanceof CleanroomError)) throw e;
        const hidden = Object.fromEntries(
          Object.entries(e.diagnostic).map(([k, v]) => [k, typeof v === 'string' ? v.replaceAll(`${dir}/`, '').replaceAll(dir, '.') : v]),
        ) as unknown as typeof e.diagnostic;
        throw new CleanroomError(e.kind, hidden);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  );

  app.get<{ Params: { member: string } }>(
    '/v1/members/:member/datasets',
    { schema: { tags: ['datasets'], summary: 'your datasets', params: memberParams } },
    async (request) => listDatasets(workspace, requireSelfPath(request, request.params.member)),
  );

  app.get<{ Params: { member: string; dataset: string } }>(
    '/v1/members/:member/datasets/:dataset',
    { schema: { tags: ['datasets'], summary: 'schema, versions and column statistics of your dataset', params: datasetParams } },
    async (request) => showDataset(workspace, requireSelfPath(request, request.params.member), request.params.dataset),
  );

  app.delete<{ Params: { member: string; dataset: string }; Querystring: { version?: number } }>(
    '/v1/members/:member/datasets/:dataset',
    {
      schema: {
        tags: ['datasets'],
        summary: 'delete your dataset (or one version); refused while a configured table uses it',
        params: datasetParams,
        querystring: { type: 'object', additionalProperties: false, properties: { version: { type: 'integer', minimum: 1 } } },
      },
    },
    async (request) => {
      const member = requireSelfPath(request, request.params.member);
      await deleteDataset(workspace, member, request.params.dataset, request.query.version);
      return { deleted: `${member}/${request.params.dataset}`, ...(request.query.version ? { version: request.query.version } : {}) };
    },
  );
}
