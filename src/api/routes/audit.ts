import type { FastifyInstance } from 'fastify';
import { listAuditEntries } from '../../audit/list.ts';
import { parseHeadRef, verifyAuditChain } from '../../audit/verify.ts';
import { badRequest } from '../http-problem.ts';
import { requireAdmin } from '../principal.ts';
import type { ApiContext } from './context.ts';

/** The operator's audit log: verify the chain, read entries (administrator key only). */
export function registerAuditRoutes(app: FastifyInstance, { workspace }: ApiContext): void {
  app.get<{ Querystring: { expectHead?: string } }>(
    '/v1/audit/verify',
    {
      schema: {
        tags: ['operations'],
        summary: 'check the hash-chained audit log (administrator); `ok: false` names the first bad entry',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { expectHead: { type: 'string', maxLength: 200, description: 'SEQ:HASH recorded earlier (`cleanroom audit head`)' } },
        },
      },
    },
    async (request) => {
      requireAdmin(request);
      const expected = request.query.expectHead;
      const head = expected === undefined ? undefined : parseHeadRef(expected);
      if (expected !== undefined && head === undefined) throw badRequest('invalid-head', `'${expected}' is not SEQ:HASH`);
      return verifyAuditChain(workspace.db, head === undefined ? {} : { expectHead: head });
    },
  );

  app.get<{ Querystring: { actor?: string; since?: string; limit?: number } }>(
    '/v1/audit',
    {
      schema: {
        tags: ['operations'],
        summary: 'audit log entries, newest last (administrator)',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            actor: { type: 'string', maxLength: 128 },
            since: { type: 'string', maxLength: 64, description: 'ISO-8601 time' },
            limit: { type: 'integer', minimum: 1, maximum: 10_000, default: 1000 },
          },
        },
      },
    },
    async (request) => {
      requireAdmin(request);
      const { actor, since, limit } = request.query;
      return listAuditEntries(workspace.db, { ...(actor ? { actor } : {}), ...(since ? { since } : {}), limit: limit ?? 1000 });
    },
  );
}
