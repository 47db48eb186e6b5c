import type { FastifyInstance } from 'fastify';
import { refused } from '../../collaboration/errors.ts';
import { approvalsOf, setApproval } from '../../collaboration/template-approvals.ts';
import { describeTemplate } from '../../collaboration/template-review.ts';
import { createTemplate, findTemplate, listTemplates } from '../../collaboration/templates.ts';
import { parseParameterSpec } from '../../sql/template-spec.ts';
import { memberOf } from '../principal.ts';
import type { ApiContext } from './context.ts';
import { collaborationParams, nameSchema } from './schemas.ts';

const templateParams = {
  type: 'object',
  required: ['collaboration', 'template'],
  properties: { collaboration: nameSchema, template: nameSchema },
} as const;

/** Analysis templates: created by a query member, approved per table by its owner. */
export function registerTemplateRoutes(app: FastifyInstance, { workspace }: ApiContext): void {
  app.post<{ Params: { collaboration: string }; Body: { name: string; sql: string; description?: string; parameters?: string[] } }>(
    '/v1/collaborations/:collaboration/templates',
    {
      schema: {
        tags: ['templates'],
        summary: 'create an immutable analysis template (parameters as `name:TYPE[=default][:in=a|b][:range=lo..hi]`)',
        params: collaborationParams,
        body: {
          type: 'object',
          required: ['name', 'sql'],
          additionalProperties: false,
          properties: {
            name: nameSchema,
            sql: { type: 'string', minLength: 1, maxLength: 100_000 },
            description: { type: 'string', maxLength: 2000 },
            parameters: { type: 'array', items: { type: 'string', maxLength: 1000 }, maxItems: 64 },
          },
        },
      },
    },
    async (request, reply) => {
      const parameters = (request.body.parameters ?? []).map((spec) => {
        const parsed = parseParameterSpec(spec);
        if (!parsed.ok) throw refused(parsed.error);
        return parsed.value;
      });
      const created = await createTemplate(workspace, request.params.collaboration, memberOf(request), {
        name: request.body.name,
        description: request.body.description ?? '',
        sql: request.body.sql,
        parameters,
      });
      return reply.code(201).send(created);
    },
  );

  app.get<{ Params: { collaboration: string } }>(
    '/v1/collaborations/:collaboration/templates',
    { schema: { tags: ['templates'], summary: "the collaboration's templates", params: collaborationParams } },
    async (request) => listTemplates(workspace, request.params.collaboration, memberOf(request)),
  );

  app.get<{ Params: { collaboration: string; template: string } }>(
    '/v1/collaborations/:collaboration/templates/:template',
    {
      schema: {
        tags: ['templates'],
        summary: 'a template for review: its SQL as written and as it runs, what it reads and outputs, approvals',
        params: templateParams,
      },
    },
    async (request) => {
      const found = await findTemplate(workspace, request.params.collaboration, memberOf(request), request.params.template);
      return { ...(await describeTemplate(workspace, found)), approvals: await approvalsOf(workspace, request.params.collaboration, found) };
    },
  );

  for (const verb of ['approve', 'revoke'] as const) {
    app.post<{ Params: { collaboration: string; template: string }; Body: { table: string } }>(
      `/v1/collaborations/:collaboration/templates/:template/${verb}`,
      {
        schema: {
          tags: ['templates'],
          summary: `${verb} the template on your table (a new rule version)`,
          params: templateParams,
          body: { type: 'object', required: ['table'], additionalProperties: false, properties: { table: nameSchema } },
        },
      },
      async (request) =>
        setApproval(workspace, request.params.collaboration, request.params.template, memberOf(request), request.body.table, verb === 'approve'),
    );
  }
}
