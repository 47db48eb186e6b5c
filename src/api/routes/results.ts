import { PassThrough } from 'node:stream';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { deleteResult, listResults } from '../../collaboration/results.ts';
import { convertedRows, findOwnResult, withStagedResult, type OwnResult } from '../../collaboration/result-access.ts';
import type { Workspace } from '../../collaboration/workspace.ts';
import { readResultPage } from '../../engine/result-file-reader.ts';
import { memberOf } from '../principal.ts';
import type { ApiContext } from './context.ts';

const resultParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 64 } } } as const;

/** The result without the store's key (an operator detail). */
function describe(result: OwnResult): Record<string, unknown> {
  const { storeKey: _storeKey, ...rest } = result;
  return rest;
}

/** Streams a result converted to CSV or NDJSON from a plaintext copy that exists only while the response is written. */
function sendConverted(workspace: Workspace, reply: FastifyReply, result: OwnResult, to: 'csv' | 'json'): FastifyReply {
  const out = new PassThrough();
  void withStagedResult(workspace, result, async (path) => {
    for await (const text of convertedRows(path, result.format, to)) {
      // A client that went away closes the stream: stop, so the plaintext copy is removed.
      if (out.destroyed) return;
      if (!out.write(text)) {
        await new Promise<void>((resolve) => {
          out.once('drain', resolve);
          out.once('close', resolve);
        });
      }
    }
  }).then(
    () => out.end(),
    (e: unknown) => out.destroy(e instanceof Error ? e : new Error(String(e))),
  );
  return reply
    .type(to === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson')
    .header('content-disposition', `attachment; filename="${result.id}.${to === 'csv' ? 'csv' : 'ndjson'}"`)
    .send(out);
}

/** Results a member received: list, metadata, paged preview, download, delete. */
export function registerResultRoutes(app: FastifyInstance, { workspace }: ApiContext): void {
  app.get('/v1/results', { schema: { tags: ['results'], summary: 'the results you received' } }, async (request) =>
    (await listResults(workspace, memberOf(request))).map(({ location: _location, ...rest }) => rest),
  );

  app.get<{ Params: { id: string } }>(
    '/v1/results/:id',
    { schema: { tags: ['results'], summary: 'one result\'s metadata (columns, rows, size, format)', params: resultParams } },
    async (request) => describe(await findOwnResult(workspace, memberOf(request), request.params.id)),
  );

  app.get<{ Params: { id: string }; Querystring: { offset?: number; limit?: number } }>(
    '/v1/results/:id/rows',
    {
      schema: {
        tags: ['results'],
        summary: 'a page of the result\'s rows (JSON arrays in column order)',
        params: resultParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { offset: { type: 'integer', minimum: 0, default: 0 }, limit: { type: 'integer', minimum: 1, maximum: 10_000, default: 100 } },
        },
      },
    },
    async (request) => {
      const result = await findOwnResult(workspace, memberOf(request), request.params.id);
      const offset = request.query.offset ?? 0;
      const limit = request.query.limit ?? 100;
      const page = await withStagedResult(workspace, result, (path) => readResultPage(path, result.format, offset, limit));
      return { id: result.id, offset, limit, rowCount: page.rowCount, columns: page.columns, rows: page.rows };
    },
  );

  app.get<{ Params: { id: string }; Querystring: { format?: 'parquet' | 'csv' | 'json' } }>(
    '/v1/results/:id/download',
    {
      schema: {
        tags: ['results'],
        summary: 'the whole result as Parquet, CSV or NDJSON (default: as stored)',
        params: resultParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { format: { type: 'string', enum: ['parquet', 'csv', 'json'] } },
        },
      },
    },
    async (request, reply) => {
      const result = await findOwnResult(workspace, memberOf(request), request.params.id);
      const wanted = request.query.format ?? result.format;
      if (wanted === result.format) {
        const stream = await workspace.store.openRead(result.storeKey);
        if (!stream) throw new Error(`Internal error: result file ${result.storeKey} is missing from the store`);
        return reply
          .type(wanted === 'csv' ? 'text/csv; charset=utf-8' : 'application/vnd.apache.parquet')
          .header('content-disposition', `attachment; filename="${result.id}.${wanted}"`)
          .send(stream);
      }
      if (wanted === 'parquet') {
        return reply.code(409).send({
          error: { code: 'format-unavailable', message: `result '${result.id}' is stored as ${result.format}; download it as csv or json` },
        });
      }
      return sendConverted(workspace, reply, result, wanted);
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/v1/results/:id',
    { schema: { tags: ['results'], summary: 'delete a result you received', params: resultParams } },
    async (request) => {
      await deleteResult(workspace, memberOf(request), request.params.id);
      return { deleted: request.params.id };
    },
  );
}
