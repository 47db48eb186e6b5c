import { visualForMember } from '../../results-sql/dashboards/visual-for-member.ts';
import type { FastifyInstance } from 'fastify';
import { CleanroomError } from '../../collaboration/errors.ts';
import { QueryCancelled } from '../../engine/engine.ts';
import { visualCsv } from '../../results-sql/dashboards/dashboard-data.ts';
import { parseFilterValues, type FilterValue } from '../../results-sql/dashboards/dashboard-spec.ts';
import { deleteDashboard, listDashboards, openDashboard, saveDashboard, shareDashboard, unshareDashboard } from '../../results-sql/dashboards/dashboard-store.ts';
import { READY_MADE, readyMadeDashboards } from '../../results-sql/dashboards/ready-made.ts';
import { memberOf } from '../principal.ts';
import type { ApiContext } from './context.ts';

const refParam = { type: 'object', required: ['ref'], properties: { ref: { type: 'string', maxLength: 80 } } } as const;
const visualParams = {
  type: 'object',
  required: ['ref', 'visual'],
  properties: { ref: { type: 'string', maxLength: 80 }, visual: { type: 'string', maxLength: 40 } },
} as const;
/** The document is checked by parseDashboardSpec, which names the offending path. */
const documentBody = { type: 'object', description: 'a dashboard document (docs/dashboards.md)' } as const;

function filtersOf(value: unknown): Record<string, FilterValue[]> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new CleanroomError('invalid', { code: 'dashboard-bad-value', message: 'filters: must be an object of filter id to values' });
  return Object.fromEntries(Object.entries(value).map(([id, values]) => [id, parseFilterValues(values, `filters.${id.slice(0, 40)}`)]));
}

/** The CSV route's `filters` query parameter: the same object as the data route's body, as JSON. */
function jsonFilters(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new CleanroomError('invalid', { code: 'dashboard-bad-value', message: 'filters: must be JSON, an object of filter id to values', hint: 'e.g. ?filters={"campaign":["c1"]}' });
  }
}

/**
 * Dashboards over results SQL: a member's named sets of visuals over its results, shared
 * read-only with members of a collaboration that may receive every result they draw on.
 * An unshared dashboard answers 404 to everyone but its owner; a share whose viewer no
 * longer may receive the results answers 403 `share-not-allowed`.
 *
 * @example
 *   POST /v1/dashboards {"name": "q3", "visuals": [{"id": "reach", "kind": "kpi", "source": {"kind": "table", "table": "q3_reach"}, "fields": {"value": "reach"}}]}
 *   POST /v1/dashboards/q3/visuals/reach/data {"filters": {"campaign": ["c1"]}}
 */
export function registerDashboardRoutes(app: FastifyInstance, { workspace }: ApiContext): void {
  app.get('/v1/dashboards', { schema: { tags: ['dashboards'], summary: 'your dashboards and those shared with you' } }, async (request) =>
    listDashboards(workspace, memberOf(request)),
  );

  app.post<{ Body: Record<string, unknown>; Querystring: { replace?: boolean } }>(
    '/v1/dashboards',
    { schema: { tags: ['dashboards'], summary: 'create a dashboard (replace=true overwrites one of the same name)', body: documentBody, querystring: { type: 'object', additionalProperties: false, properties: { replace: { type: 'boolean' } } } } },
    async (request, reply) => {
      const saved = await saveDashboard(workspace, memberOf(request), request.body, { replace: request.query.replace === true });
      return reply.code(saved.createdAt === saved.updatedAt ? 201 : 200).send(saved);
    },
  );

  app.post<{ Body: { only?: string[] } }>(
    '/v1/dashboards/ready-made',
    {
      schema: {
        tags: ['dashboards'],
        summary: `create or refresh the ready-made dashboards (${Object.keys(READY_MADE).join(', ')}) from your newest analysis results`,
        body: { type: 'object', additionalProperties: false, properties: { only: { type: 'array', maxItems: 10, items: { type: 'string', maxLength: 64 } } } },
      },
    },
    async (request) => readyMadeDashboards(workspace, memberOf(request), request.body?.only),
  );

  app.get<{ Params: { ref: string } }>(
    '/v1/dashboards/:ref',
    { schema: { tags: ['dashboards'], summary: 'one dashboard (yours by id or name; shared with you by id)', params: refParam } },
    async (request) => openDashboard(workspace, memberOf(request), request.params.ref),
  );

  app.put<{ Params: { ref: string }; Body: Record<string, unknown> }>(
    '/v1/dashboards/:ref',
    { schema: { tags: ['dashboards'], summary: 'replace one of your dashboards (its shares stay, checked on each view)', params: refParam, body: documentBody } },
    async (request) => saveDashboard(workspace, memberOf(request), request.body, { id: request.params.ref }),
  );

  app.delete<{ Params: { ref: string } }>(
    '/v1/dashboards/:ref',
    { schema: { tags: ['dashboards'], summary: 'delete one of your dashboards', params: refParam } },
    async (request) => deleteDashboard(workspace, memberOf(request), request.params.ref),
  );

  app.post<{ Params: { ref: string }; Body: { member: string; collaboration: string } }>(
    '/v1/dashboards/:ref/shares',
    {
      schema: {
        tags: ['dashboards'],
        summary: 'share one of your dashboards read-only with a member of a collaboration that may receive every result it draws on',
        params: refParam,
        body: { type: 'object', required: ['member', 'collaboration'], additionalProperties: false, properties: { member: { type: 'string', maxLength: 64 }, collaboration: { type: 'string', maxLength: 64 } } },
      },
    },
    async (request, reply) => reply.code(201).send(await shareDashboard(workspace, memberOf(request), request.params.ref, request.body.member, request.body.collaboration)),
  );

  app.delete<{ Params: { ref: string; member: string } }>(
    '/v1/dashboards/:ref/shares/:member',
    { schema: { tags: ['dashboards'], summary: 'stop sharing one of your dashboards with a member', params: { type: 'object', required: ['ref', 'member'], properties: { ref: { type: 'string', maxLength: 80 }, member: { type: 'string', maxLength: 64 } } } } },
    async (request) => unshareDashboard(workspace, memberOf(request), request.params.ref, request.params.member),
  );

  app.post<{ Params: { ref: string; visual: string }; Body: { filters?: Record<string, unknown> } }>(
    '/v1/dashboards/:ref/visuals/:visual/data',
    {
      schema: {
        tags: ['dashboards'],
        summary: "one visual's rows (at most 5000), with the dashboard's filters or the values given here",
        params: visualParams,
        body: { type: 'object', additionalProperties: false, properties: { filters: { type: 'object' } } },
      },
    },
    async (request, reply) => {
      const member = memberOf(request);
      const filters = filtersOf(request.body?.filters);
      const controller = new AbortController();
      const onClose = (): void => {
        if (!reply.raw.writableFinished) controller.abort();
      };
      reply.raw.once('close', onClose);
      try {
        return (await visualForMember(workspace, member, request.params.ref, request.params.visual, filters, { signal: controller.signal })).data;
      } catch (e) {
        if (e instanceof QueryCancelled) throw new CleanroomError('conflict', { code: 'cancelled', message: 'The query was cancelled.' });
        throw e;
      } finally {
        reply.raw.off('close', onClose);
      }
    },
  );

  app.get<{ Params: { ref: string; visual: string }; Querystring: { filters?: string } }>(
    '/v1/dashboards/:ref/visuals/:visual/csv',
    {
      schema: {
        tags: ['dashboards'],
        summary: "one visual's rows as CSV, with the dashboard's filters or those given as `filters` (JSON: filter id to values)",
        params: visualParams,
        querystring: { type: 'object', additionalProperties: false, properties: { filters: { type: 'string', maxLength: 100_000 } } },
      },
    },
    async (request, reply) => {
      const filters = filtersOf(jsonFilters(request.query.filters));
      const { data, dashboardName } = await visualForMember(workspace, memberOf(request), request.params.ref, request.params.visual, filters);
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${dashboardName}-${data.visual}.csv"`)
        .send(visualCsv(data));
    },
  );
}
