import type { FastifyInstance } from 'fastify';
import { notCancellableHere } from './cancel-stale.ts';
import { listOwnQueries, queryLogs } from '../../collaboration/query-logs.ts';
import { runQuery, runTemplate, type RunQueryOptions } from '../../collaboration/run-query.ts';
import { conflict, forbidden } from '../../collaboration/errors.ts';
import { badRequest } from '../http-problem.ts';
import { memberOf, stillAuthenticated } from '../principal.ts';
import type { ApiContext } from './context.ts';
import { FINAL_STATUSES, queryView, queryViewSchema, withResultIds } from './query-view.ts';
import { collaborationParams, nameSchema, waitQuery } from './schemas.ts';
import { deliveryOf, parameterValues, submitAndRespond, submitProperties, type SubmitBody } from './submit-query.ts';

const queryParams = {
  type: 'object',
  required: ['collaboration', 'id'],
  properties: { collaboration: nameSchema, id: { type: 'string', maxLength: 64 } },
} as const;

interface QueryBody extends SubmitBody {
  readonly sql?: string;
  readonly template?: string;
  readonly params?: Record<string, string | number | boolean>;
  readonly format?: 'parquet' | 'csv';
  readonly dryRun?: boolean;
}

/** Protected queries: submit (returns at once), poll or long-poll, cancel, list, logs. */
export function registerQueryRoutes(app: FastifyInstance, context: ApiContext): void {
  const { workspace, scheduler } = context;
  const { db } = workspace;

  app.post<{ Params: { collaboration: string }; Body: QueryBody; Querystring: { wait?: number } }>(
    '/v1/collaborations/:collaboration/queries',
    {
      schema: {
        tags: ['queries'],
        summary: 'run a protected query (SQL or an approved template); answers 202 with its id at once',
        description:
          'Poll GET .../queries/{id} (with ?wait=30 to long-poll). `dryRun` validates and returns the SQL that would run. ' +
          'Example body: `{"sql": "SELECT COUNT(DISTINCT c.email_address) AS n FROM customers c JOIN impressions i ON c.email_address = i.email_address"}`',
        params: collaborationParams,
        querystring: waitQuery,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            sql: { type: 'string', minLength: 1, maxLength: 100_000 },
            template: { type: 'string', maxLength: 128 },
            params: { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'] }, maxProperties: 64 },
            format: { type: 'string', enum: ['parquet', 'csv'], default: 'parquet' },
            dryRun: { type: 'boolean', default: false },
            ...submitProperties,
          },
        },
      },
    },
    async (request, reply) => {
      const member = memberOf(request);
      const { collaboration } = request.params;
      const body = request.body;
      if ((body.sql === undefined) === (body.template === undefined)) throw badRequest('sql-or-template', 'give either sql or template');
      if (body.sql !== undefined && body.params !== undefined) throw badRequest('params-without-template', 'params go with template');
      const values = parameterValues(body.params);
      const base: RunQueryOptions = {
        ...(body.receiver ? { receiver: body.receiver } : {}),
        delivery: deliveryOf(body),
        format: body.format ?? 'parquet',
        previewRows: 0,
        ...(body.dp ? { dp: body.dp } : {}),
      };
      const run = (options: RunQueryOptions) =>
        body.template !== undefined
          ? runTemplate(workspace, collaboration, member, body.template, values, options)
          : runQuery(workspace, collaboration, member, body.sql ?? '', options);
      if (body.dryRun === true) {
        const outcome = await run({ ...base, dryRun: true });
        return reply.code(outcome.status === 'accepted' ? 200 : 422).send(outcome);
      }
      return submitAndRespond(context, request, reply, member, collaboration, request.query.wait ?? 0, (scheduled) =>
        run({ ...base, signal: scheduled.signal, onSubmitted: scheduled.onSubmitted, schedule: scheduled.schedule }),
      );
    },
  );

  app.get<{ Params: { collaboration: string; id: string }; Querystring: { wait?: number } }>(
    '/v1/collaborations/:collaboration/queries/:id',
    {
      schema: {
        tags: ['queries'],
        summary: 'a query\'s status and what you may see of it; ?wait=N long-polls up to N seconds',
        params: queryParams,
        querystring: waitQuery,
        response: { 200: queryViewSchema },
      },
    },
    async (request, reply) => {
      const member = memberOf(request);
      const { collaboration, id } = request.params;
      const first = await queryView(db, collaboration, member, id);
      if (FINAL_STATUSES.has(first.status) || !request.query.wait) return reply.code(200).send(first);
      await scheduler.waitFor(id, request.query.wait * 1000);
      await stillAuthenticated(db, request);
      return reply.code(200).send(await queryView(db, collaboration, member, id));
    },
  );

  app.post<{ Params: { collaboration: string; id: string } }>(
    '/v1/collaborations/:collaboration/queries/:id/cancel',
    { schema: { tags: ['queries'], summary: 'stop one of your queued or running queries', params: queryParams } },
    async (request, reply) => {
      const member = memberOf(request);
      const { collaboration, id } = request.params;
      const view = await queryView(db, collaboration, member, id);
      if (view.runner !== member) throw forbidden(`only the runner may cancel query '${id}'`);
      if (FINAL_STATUSES.has(view.status)) throw conflict('query-finished', `query '${id}' is already ${view.status}`);
      if (!scheduler.cancel(id)) notCancellableHere(id);
      return reply.code(202).send({ id, status: 'cancelling' });
    },
  );

  app.get<{ Params: { collaboration: string } }>(
    '/v1/collaborations/:collaboration/queries',
    {
      schema: {
        tags: ['queries'],
        summary: 'your own queries in the collaboration',
        description: 'Oldest first. A succeeded query you received carries `resultId`, as in GET .../queries/{id}.',
        params: collaborationParams,
        response: { 200: { type: 'array', items: queryViewSchema } },
      },
    },
    async (request) => {
      const member = memberOf(request);
      return withResultIds(db, member, await listOwnQueries(db, request.params.collaboration, member));
    },
  );

  app.get<{ Params: { collaboration: string } }>(
    '/v1/collaborations/:collaboration/query-logs',
    {
      schema: {
        tags: ['queries'],
        summary: 'the query log entries you may see (runner, receiver, owner of a referenced table)',
        description: 'Oldest first. An entry of a succeeded query you received carries `resultId`, as in GET .../queries/{id}.',
        params: collaborationParams,
        response: { 200: { type: 'array', items: queryViewSchema } },
      },
    },
    async (request) => {
      const member = memberOf(request);
      return withResultIds(db, member, await queryLogs(db, request.params.collaboration, member));
    },
  );
}
