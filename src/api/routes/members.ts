import type { FastifyInstance, FastifyRequest } from 'fastify';
import { createMember, listMembers } from '../../collaboration/members.ts';
import { createApiKey, listApiKeys, revokeApiKey } from '../api-keys.ts';
import { HttpProblem, unauthenticated } from '../http-problem.ts';
import { memberOf, requireAdmin } from '../principal.ts';
import type { ApiContext } from './context.ts';
import { memberParams, nameSchema } from './schemas.ts';

/** The administrator, or the member named in the path acting for itself. */
function requireAdminOrSelf(request: FastifyRequest, member: string): string {
  const p = request.principal;
  if (p === undefined) throw unauthenticated('unauthenticated', 'this route needs an API key');
  if (p.kind === 'admin') return 'admin';
  if (p.member !== member) throw new HttpProblem(403, { code: 'forbidden', message: `member '${p.member}' cannot act for member '${member}'` });
  return p.member;
}

/** Members (administrator) and API keys (administrator or the member itself). */
export function registerMemberRoutes(app: FastifyInstance, { workspace }: ApiContext): void {
  const { db } = workspace;

  app.get('/v1/me', { schema: { tags: ['members'], summary: 'who this key speaks for' } }, async (request) => {
    const p = request.principal;
    if (p === undefined) throw unauthenticated('unauthenticated', 'this route needs an API key');
    return p.kind === 'admin' ? { role: 'admin', keyId: p.keyId } : { role: 'member', member: p.member, keyId: p.keyId };
  });

  app.post<{ Body: { name: string } }>(
    '/v1/members',
    {
      schema: {
        tags: ['members'],
        summary: 'create a member (administrator); give it a key with POST /v1/members/{member}/keys',
        body: { type: 'object', required: ['name'], additionalProperties: false, properties: { name: nameSchema } },
      },
    },
    async (request, reply) => {
      requireAdmin(request);
      return reply.code(201).send(await createMember(db, request.body.name));
    },
  );

  app.get('/v1/members', { schema: { tags: ['members'], summary: 'list members (administrator)' } }, async (request) => {
    requireAdmin(request);
    return listMembers(db);
  });

  app.post<{ Params: { member: string }; Body: { label?: string } }>(
    '/v1/members/:member/keys',
    {
      schema: {
        tags: ['keys'],
        summary: 'create an API key for a member (the administrator, or the member itself); the token is shown once',
        params: memberParams,
        body: { type: 'object', additionalProperties: false, properties: { label: { type: 'string', maxLength: 200 } } },
      },
    },
    async (request, reply) => {
      const by = requireAdminOrSelf(request, request.params.member);
      const created = await createApiKey(db, { member: request.params.member, createdBy: by, ...(request.body?.label ? { label: request.body.label } : {}) });
      return reply.code(201).send(created);
    },
  );

  app.get<{ Params: { member: string } }>(
    '/v1/members/:member/keys',
    { schema: { tags: ['keys'], summary: "a member's API keys, never their secrets", params: memberParams } },
    async (request) => {
      requireAdminOrSelf(request, request.params.member);
      return listApiKeys(db, request.params.member);
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/v1/keys/:id',
    {
      schema: {
        tags: ['keys'],
        summary: 'revoke an API key (your own; the administrator: any)',
        params: { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 64 } } },
      },
    },
    async (request) => {
      const p = request.principal;
      if (p === undefined) throw unauthenticated('unauthenticated', 'this route needs an API key');
      return revokeApiKey(db, { member: p.kind === 'admin' ? null : memberOf(request) }, request.params.id);
    },
  );
}
