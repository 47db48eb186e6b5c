import type { FastifyInstance } from 'fastify';
import { installInsights, runInsight, type InsightRun, type TableMapping } from '../../collaboration/insights.ts';
import { notFound } from '../../collaboration/errors.ts';
import { ANALYSES } from '../../insights/library.ts';
import type { AnalysisRows } from '../../insights/analysis.ts';
import { memberOf } from '../principal.ts';
import type { ApiContext } from './context.ts';
import { queryView } from './query-view.ts';
import { collaborationParams, nameSchema, stringList, waitQuery } from './schemas.ts';
import { deliveryOf, parameterValues, submitAndRespond, submitProperties, type SubmitBody } from './submit-query.ts';

const ROLES = ['customers', 'conversions', 'impressions', 'campaign_audience', 'impressions_b'] as const;
const tablesSchema = {
  type: 'object',
  additionalProperties: false,
  description: 'association names by role, when they differ from the role names',
  properties: Object.fromEntries(ROLES.map((r) => [r, nameSchema])),
} as const;

/** Derived figures (lift intervals, indices) of recent runs, for their receiver; bounded. */
class FinishedRuns {
  private readonly runs = new Map<string, { member: string; analysis: string; note?: string; finished?: AnalysisRows }>();
  constructor(private readonly capacity: number) {}
  remember(id: string, member: string, run: InsightRun): void {
    this.runs.set(id, { member, analysis: run.analysis, ...(run.note ? { note: run.note } : {}), ...(run.finished ? { finished: run.finished } : {}) });
    while (this.runs.size > this.capacity) this.runs.delete(this.runs.keys().next().value as string);
  }
  of(id: string, member: string) {
    const run = this.runs.get(id);
    return run && run.member === member ? run : undefined;
  }
}

/** The media insights library: list, install as templates, run. */
export function registerInsightRoutes(app: FastifyInstance, context: ApiContext): void {
  const { workspace } = context;
  const finishedRuns = new FinishedRuns(1000);

  app.get('/v1/insights', { schema: { tags: ['insights'], summary: 'the analyses, what each answers and the tables it reads' } }, async (request) => {
    memberOf(request);
    return ANALYSES.map((a) => ({
      name: a.name,
      category: a.category,
      rule: a.rule,
      tables: a.tables,
      parameters: a.parameters,
      question: a.question,
    }));
  });

  app.post<{ Params: { collaboration: string }; Body: { tables?: TableMapping; only?: string[] } }>(
    '/v1/collaborations/:collaboration/insights/install',
    {
      schema: {
        tags: ['insights'],
        summary: 'install the library\'s analyses as templates (idempotent)',
        params: collaborationParams,
        body: { type: 'object', additionalProperties: false, properties: { tables: tablesSchema, only: stringList } },
      },
    },
    async (request) => installInsights(workspace, request.params.collaboration, memberOf(request), request.body?.tables ?? {}, request.body?.only),
  );

  app.post<{
    Params: { collaboration: string; analysis: string };
    Body: SubmitBody & { params?: Record<string, string | number | boolean>; tables?: TableMapping };
    Querystring: { wait?: number };
  }>(
    '/v1/collaborations/:collaboration/insights/:analysis/runs',
    {
      schema: {
        tags: ['insights'],
        summary: 'run one analysis; answers 202 with the query id (poll it, or GET .../insights/runs/{id} for derived figures)',
        params: { type: 'object', required: ['collaboration', 'analysis'], properties: { collaboration: nameSchema, analysis: nameSchema } },
        querystring: waitQuery,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            params: { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'] }, maxProperties: 64 },
            tables: tablesSchema,
            ...submitProperties,
          },
        },
      },
    },
    async (request, reply) => {
      const member = memberOf(request);
      const { collaboration, analysis } = request.params;
      const body = request.body ?? {};
      const values = parameterValues(body.params);
      return submitAndRespond(context, request, reply, member, collaboration, request.query.wait ?? 0, async (scheduled) => {
        let id: string | undefined;
        const run = await runInsight(workspace, analysis, collaboration, member, values, {
          ...(body.receiver ? { receiver: body.receiver } : {}),
          delivery: deliveryOf(body),
          tables: body.tables ?? {},
          ...(body.dp ? { dp: body.dp } : {}),
          signal: scheduled.signal,
          onSubmitted: (submitted) => {
            id = submitted;
            scheduled.onSubmitted(submitted);
          },
          schedule: scheduled.schedule,
        });
        // Only the receiver gets figures, and only a runner who receives has the rows.
        if (id !== undefined && run.outcome.status === 'succeeded' && run.outcome.delivery) finishedRuns.remember(id, member, run);
        return run.outcome;
      });
    },
  );

  app.get<{ Params: { collaboration: string; id: string } }>(
    '/v1/collaborations/:collaboration/insights/runs/:id',
    {
      schema: {
        tags: ['insights'],
        summary: 'an analysis run: the query\'s status and, for its receiver, the derived figures',
        params: { type: 'object', required: ['collaboration', 'id'], properties: { collaboration: nameSchema, id: { type: 'string', maxLength: 64 } } },
      },
    },
    async (request) => {
      const member = memberOf(request);
      const view = await queryView(workspace.db, request.params.collaboration, member, request.params.id);
      const run = finishedRuns.of(request.params.id, member);
      if (view.status === 'succeeded' && view.receiver === member && run === undefined) {
        throw notFound('run-figures-gone', 'the derived figures of this run are no longer kept', 'the result itself is in GET /v1/results/{resultId}');
      }
      return { query: view, ...(run ? { analysis: run.analysis, ...(run.note ? { note: run.note } : {}), ...(run.finished ? { figures: run.finished } : {}) } : {}) };
    },
  );
}
