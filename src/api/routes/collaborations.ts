import type { FastifyInstance } from 'fastify';
import { associate, disassociate } from '../../collaboration/associations.ts';
import {
  acceptCollaboration,
  createCollaboration,
  enableDifferenceChecks,
  findCollaboration,
  listCollaborations,
} from '../../collaboration/collaborations.ts';
import { describeCollaboration } from '../../collaboration/describe-collaboration.ts';
import { deleteCollaboration, leaveCollaboration } from '../../collaboration/membership-changes.ts';
import { badRequest } from '../http-problem.ts';
import { memberOf } from '../principal.ts';
import type { ApiContext } from './context.ts';
import { collaborationParams, nameSchema, stringList } from './schemas.ts';

const memberSpec = {
  type: 'object',
  required: ['member'],
  additionalProperties: false,
  properties: { member: nameSchema, query: { type: 'boolean', default: false }, receive: { type: 'boolean', default: false } },
} as const;

/** Collaborations: members and abilities, associations, the schemas and rules members may read. */
export function registerCollaborationRoutes(app: FastifyInstance, { workspace }: ApiContext): void {
  const { db } = workspace;

  app.post<{
    Body: { name: string; members: { member: string; query: boolean; receive: boolean }[]; queryLogs?: boolean; differenceChecks?: boolean };
  }>(
    '/v1/collaborations',
    {
      schema: {
        tags: ['collaborations'],
        summary: 'create a collaboration; list every member with its abilities, you (the creator) included',
        body: {
          type: 'object',
          required: ['name', 'members'],
          additionalProperties: false,
          properties: {
            name: nameSchema,
            members: { type: 'array', items: memberSpec, minItems: 1, maxItems: 64 },
            queryLogs: { type: 'boolean', default: true },
            differenceChecks: { type: 'boolean', default: false },
          },
        },
      },
    },
    async (request, reply) => {
      const creator = memberOf(request);
      const { name, members, queryLogs, differenceChecks } = request.body;
      const created = await createCollaboration(db, creator, name, members, queryLogs !== false, { differenceChecks: differenceChecks === true });
      return reply.code(201).send(created);
    },
  );

  app.get('/v1/collaborations', { schema: { tags: ['collaborations'], summary: 'collaborations you are a member of' } }, async (request) =>
    listCollaborations(db, memberOf(request)),
  );

  app.get<{ Params: { collaboration: string } }>(
    '/v1/collaborations/:collaboration',
    {
      schema: {
        tags: ['collaborations'],
        summary: 'members, abilities, and the schemas and rules (never data) of the associated tables',
        params: collaborationParams,
      },
    },
    async (request) => {
      const described = await describeCollaboration(db, request.params.collaboration, memberOf(request));
      return { ...described, differenceChecks: (await findCollaboration(db, request.params.collaboration)).differenceChecks };
    },
  );

  app.patch<{ Params: { collaboration: string }; Body: { differenceChecks: true } }>(
    '/v1/collaborations/:collaboration',
    {
      schema: {
        tags: ['collaborations'],
        summary: "change settings (the creator): difference checks can be turned on, never off",
        params: collaborationParams,
        body: { type: 'object', required: ['differenceChecks'], additionalProperties: false, properties: { differenceChecks: { type: 'boolean' } } },
      },
    },
    async (request) => {
      if (request.body.differenceChecks !== true) throw badRequest('difference-checks-stay-on', 'difference checks can be turned on, never off');
      return enableDifferenceChecks(db, memberOf(request), request.params.collaboration);
    },
  );

  for (const [verb, action] of [
    ['accept', acceptCollaboration],
    ['leave', leaveCollaboration],
  ] as const) {
    app.post<{ Params: { collaboration: string } }>(
      `/v1/collaborations/:collaboration/${verb}`,
      { schema: { tags: ['collaborations'], summary: `${verb} the collaboration`, params: collaborationParams } },
      async (request) => {
        await action(db, memberOf(request), request.params.collaboration);
        return { collaboration: request.params.collaboration, [verb === 'accept' ? 'accepted' : 'left']: true };
      },
    );
  }

  app.delete<{ Params: { collaboration: string } }>(
    '/v1/collaborations/:collaboration',
    { schema: { tags: ['collaborations'], summary: 'delete the collaboration (the creator)', params: collaborationParams } },
    async (request) => {
      await deleteCollaboration(db, memberOf(request), request.params.collaboration);
      return { deleted: request.params.collaboration };
    },
  );

  app.post<{ Params: { collaboration: string }; Body: { table: string; name?: string; receivers?: string[] } }>(
    '/v1/collaborations/:collaboration/associations',
    {
      schema: {
        tags: ['collaborations'],
        summary: 'bring your configured table into the collaboration under an SQL name',
        params: collaborationParams,
        body: {
          type: 'object',
          required: ['table'],
          additionalProperties: false,
          properties: { table: nameSchema, name: nameSchema, receivers: stringList },
        },
      },
    },
    async (request, reply) => {
      const { table, name, receivers } = request.body;
      return reply.code(201).send(await associate(db, request.params.collaboration, memberOf(request), table, name, receivers));
    },
  );

  app.delete<{ Params: { collaboration: string; name: string } }>(
    '/v1/collaborations/:collaboration/associations/:name',
    {
      schema: {
        tags: ['collaborations'],
        summary: 'remove your table from the collaboration',
        params: { type: 'object', required: ['collaboration', 'name'], properties: { collaboration: nameSchema, name: nameSchema } },
      },
    },
    async (request) => {
      await disassociate(db, request.params.collaboration, memberOf(request), request.params.name);
      return { removed: request.params.name };
    },
  );
}
