import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { CleanroomError } from '../../collaboration/errors.ts';
import { QueryCancelled } from '../../engine/engine.ts';
import { findResultTable, nameResult, resultTables, type CatalogTable } from '../../results-sql/catalog.ts';
import { exportAllResults } from '../../results-sql/export.ts';
import { MAX_SQL_LENGTH } from '../../results-sql/prepare.ts';
import { MAX_PAGE_ROWS, queryResults } from '../../results-sql/run.ts';
import { deleteSaved, listSaved, saveQuery, showSaved } from '../../results-sql/saved.ts';
import { memberOf } from '../principal.ts';
import type { ApiContext } from './context.ts';

const nameParam = { type: 'object', required: ['name'], properties: { name: { type: 'string', maxLength: 64 } } } as const;
const idParam = { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 64 } } } as const;

/** A catalog table as members see it (no store key). */
function describe(t: CatalogTable): Record<string, unknown> {
  const { storeKey: _storeKey, ...rest } = t;
  return rest;
}

interface QueryBody {
  readonly sql?: string;
  readonly saved?: string;
  readonly offset?: number;
  readonly limit?: number;
}

/**
 * Results SQL: a member's read-only SQL over the results it received, its result table
 * names, saved queries and views, and the whole catalog as one DuckDB file. Member key
 * required (an administrator key is refused by `memberOf`).
 *
 * @example
 *   POST /v1/results-sql/query {"sql": "SELECT campaign_id, reach FROM q3_reach ORDER BY reach DESC", "limit": 100}
 */
export function registerResultsSqlRoutes(app: FastifyInstance, { workspace }: ApiContext): void {
  app.get('/v1/results-sql/catalog', { schema: { tags: ['results-sql'], summary: 'your result tables (names, columns) and saved queries and views' } }, async (request) => {
    const member = memberOf(request);
    return { tables: (await resultTables(workspace, member)).map(describe), saved: await listSaved(workspace, member) };
  });

  app.post<{ Body: QueryBody }>(
    '/v1/results-sql/query',
    {
      schema: {
        tags: ['results-sql'],
        summary: 'run read-only SQL (or a saved query) over your results; one page of rows',
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            sql: { type: 'string', minLength: 1, maxLength: MAX_SQL_LENGTH },
            saved: { type: 'string', maxLength: 64 },
            offset: { type: 'integer', minimum: 0, maximum: 1_000_000_000 },
            limit: { type: 'integer', minimum: 1, maximum: MAX_PAGE_ROWS },
          },
        },
      },
    },
    async (request, reply) => {
      const member = memberOf(request);
      const { sql, saved, offset, limit } = request.body;
      if ((sql === undefined) === (saved === undefined)) {
        throw new CleanroomError('invalid', { code: 'sql-or-saved', message: 'Give exactly one of sql and saved.' });
      }
      // A client that goes away stops the query.
      const controller = new AbortController();
      const onClose = (): void => {
        if (!reply.raw.writableFinished) controller.abort();
      };
      reply.raw.once('close', onClose);
      try {
        return await queryResults(workspace, member, sql !== undefined ? { sql } : { saved: saved ?? '' }, {
          ...(offset !== undefined ? { offset } : {}),
          ...(limit !== undefined ? { limit } : {}),
          signal: controller.signal,
        });
      } catch (e) {
        if (e instanceof QueryCancelled) throw new CleanroomError('conflict', { code: 'cancelled', message: 'The query was cancelled.' });
        throw e;
      } finally {
        reply.raw.off('close', onClose);
      }
    },
  );

  app.patch<{ Params: { id: string }; Body: { name: string | null } }>(
    '/v1/results/:id',
    {
      schema: {
        tags: ['results-sql'],
        summary: 'name a result you received (its table name in results SQL); null restores the default',
        params: idParam,
        body: { type: 'object', required: ['name'], additionalProperties: false, properties: { name: { type: ['string', 'null'], maxLength: 64 } } },
      },
    },
    async (request) => describe(await nameResult(workspace, memberOf(request), request.params.id, request.body.name)),
  );

  app.get('/v1/results-sql/saved', { schema: { tags: ['results-sql'], summary: 'your saved queries and views' } }, async (request) =>
    listSaved(workspace, memberOf(request)),
  );

  app.get<{ Params: { name: string } }>(
    '/v1/results-sql/saved/:name',
    { schema: { tags: ['results-sql'], summary: 'one saved query or view', params: nameParam } },
    async (request) => showSaved(workspace, memberOf(request), request.params.name),
  );

  app.put<{ Params: { name: string }; Body: { kind: 'query' | 'view'; sql: string; description?: string; replace?: boolean } }>(
    '/v1/results-sql/saved/:name',
    {
      schema: {
        tags: ['results-sql'],
        summary: 'save a named query or view (checked as it would run now)',
        params: nameParam,
        body: {
          type: 'object',
          required: ['kind', 'sql'],
          additionalProperties: false,
          properties: {
            kind: { type: 'string', enum: ['query', 'view'] },
            sql: { type: 'string', minLength: 1, maxLength: MAX_SQL_LENGTH },
            description: { type: 'string', maxLength: 2000 },
            replace: { type: 'boolean' },
          },
        },
      },
    },
    async (request, reply) => {
      const { kind, sql, description, replace } = request.body;
      const saved = await saveQuery(workspace, memberOf(request), {
        name: request.params.name,
        kind,
        sql,
        ...(description !== undefined ? { description } : {}),
        ...(replace !== undefined ? { replace } : {}),
      });
      return reply.code(saved.createdAt === saved.updatedAt ? 201 : 200).send(saved);
    },
  );

  app.delete<{ Params: { name: string } }>(
    '/v1/results-sql/saved/:name',
    { schema: { tags: ['results-sql'], summary: 'delete a saved query or view', params: nameParam } },
    async (request) => {
      await deleteSaved(workspace, memberOf(request), request.params.name);
      return { deleted: request.params.name };
    },
  );

  app.get<{ Params: { name: string } }>(
    '/v1/results-sql/tables/:name/parquet',
    { schema: { tags: ['results-sql'], summary: 'one result table (by name or id) as Parquet, whatever its stored format', params: nameParam } },
    async (request, reply) => {
      const member = memberOf(request);
      const table = await findResultTable(workspace, member, request.params.name);
      if (table.format === 'parquet') {
        const stream = await workspace.store.openRead(table.storeKey);
        if (!stream) throw new Error(`Internal error: result file ${table.storeKey} is missing from the store`);
        return reply.type('application/vnd.apache.parquet').header('content-disposition', `attachment; filename="${table.name}.parquet"`).send(stream);
      }
      return sendExport(reply, async (dir) => {
        const out = join(dir, 'export');
        await exportAllResults(workspace, member, out, 'parquet');
        return join(out, `${table.name}.parquet`);
      }, `${table.name}.parquet`, 'application/vnd.apache.parquet');
    },
  );

  app.get(
    '/v1/results-sql/export',
    { schema: { tags: ['results-sql'], summary: 'every result you received as one DuckDB database file (a table per result, the results listing, your saved views)' } },
    async (request, reply) => {
      const member = memberOf(request);
      return sendExport(reply, async (dir) => {
        const out = join(dir, 'results.duckdb');
        await exportAllResults(workspace, member, out, 'duckdb');
        return out;
      }, `${member}-results.duckdb`, 'application/octet-stream');
    },
  );

  /** Builds a file in a private folder, streams it, and removes the folder once sent. */
  async function sendExport(
    reply: FastifyReply,
    build: (dir: string) => Promise<string>,
    filename: string,
    type: string,
  ): Promise<FastifyReply> {
    const dir = await workspace.scratch.create('results-export');
    try {
      const file = await build(dir);
      const stream = createReadStream(file);
      const cleanup = (): void => void rm(dir, { recursive: true, force: true });
      stream.once('close', cleanup);
      return reply.type(type).header('content-disposition', `attachment; filename="${filename}"`).send(stream);
    } catch (e) {
      await rm(dir, { recursive: true, force: true });
      throw e;
    }
  }
}
