import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Readable } from 'node:stream';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyInstance } from 'fastify';
import { createDataset, deleteDataset, listDatasets, showDataset } from '../../collaboration/datasets.ts';
import { badRequest, HttpProblem } from '../http-problem.ts';
import { requireSelfPath } from '../principal.ts';
import type { ApiContext } from './context.ts';
import { memberParams, nameSchema } from './schemas.ts';

const datasetParams = {
  type: 'object',
  required: ['member', 'dataset'],
  properties: { member: nameSchema, dataset: nameSchema },
} as const;

/** A file name the crawler can recognise the format from; never a path. */
const FILENAME = /^[A-Za-z0-9._-]{1,128}$/;

function commaList(text: string | undefined): string[] {
  return (text ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
}

/** Counts bytes through the stream and fails it past the limit (413). */
function byteLimit(limit: number, counted: { bytes: number }): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      counted.bytes += chunk.length;
      if (counted.bytes > limit) {
        done(new HttpProblem(413, { code: 'upload-too-large', message: `the upload is larger than the server's limit of ${limit} bytes` }));
        return;
      }
      done(null, chunk);
    },
  });
}

/** Datasets: a member uploads files as a new dataset version, and reads its own catalog. */
export function registerDatasetRoutes(app: FastifyInstance, context: ApiContext): void {
  const { workspace } = context;

  app.post<{ Params: { member: string; dataset: string }; Querystring: { filename: string; normalize?: string; hash?: string } }>(
    '/v1/members/:member/datasets/:dataset',
    {
      schema: {
        tags: ['datasets'],
        summary: 'upload one file (CSV/TSV/Parquet/JSON/NDJSON, gzip or zstd ok) as a new version of the dataset',
        description:
          'The body is the file itself (Content-Type application/octet-stream or the format\'s own), streamed to a private ' +
          'folder, crawled, encrypted into the store and removed. Example: ' +
          '`curl -X POST -H "Authorization: Bearer $KEY" --data-binary @customers.csv "$URL/v1/members/brand/datasets/customers?filename=customers.csv"`',
        params: datasetParams,
        querystring: {
          type: 'object',
          required: ['filename'],
          additionalProperties: false,
          properties: {
            filename: { type: 'string', description: 'the file\'s name; its extension names the format (customers.csv.gz)' },
            normalize: { type: 'string', description: 'comma list of columns to trim and lowercase' },
            hash: { type: 'string', description: 'comma list of columns to replace by their hex SHA-256' },
          },
        },
      },
    },
    async (request, reply) => {
      const member = requireSelfPath(request, request.params.member);
      const filename = basename(request.query.filename);
      if (!FILENAME.test(filename) || filename !== request.query.filename) {
        throw badRequest('invalid-filename', `'${request.query.filename}' is not a plain file name`, 'use letters, digits, dot, dash and underscore, e.g. customers.csv');
      }
      const body = request.body as Readable | undefined;
      if (body === undefined || typeof (body as { pipe?: unknown }).pipe !== 'function') {
        throw new HttpProblem(415, {
          code: 'unsupported-media-type',
          message: 'send the file as the request body with Content-Type application/octet-stream',
        });
      }
      // The upload is plaintext member data: it lives only in the private (memory-backed) scratch.
      const dir = await workspace.scratch.create('upload');
      const counted = { bytes: 0 };
      try {
        const path = join(dir, filename);
        await pipeline(body, byteLimit(context.maxUploadBytes, counted), createWriteStream(path, { mode: 0o600 }));
        context.metrics.bytesIngested.inc(counted.bytes);
        const hash = Object.fromEntries(commaList(request.query.hash).map((c) => [c, 'sha256' as const]));
        const registered = await createDataset(workspace, member, request.params.dataset, [path], {
          normalize: commaList(request.query.normalize),
          hash,
        });
        return await reply.code(201).send(registered);
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
