import type { FastifyReply, FastifyRequest } from 'fastify';
import { stillAuthenticated } from '../principal.ts';
import type { DeliveryOptions, QueryOutcome } from '../../collaboration/run-query.ts';
import { refused } from '../../collaboration/errors.ts';
import type { ScheduledRun } from '../query-scheduler.ts';
import type { ApiContext } from './context.ts';
import { FINAL_STATUSES, queryView } from './query-view.ts';

/** What a query submission may carry besides its SQL or template. */
export interface SubmitBody {
  readonly receiver?: string;
  readonly normalize?: string[];
  readonly hash?: string[];
  readonly dp?: { maxGroupsPerUser?: number; maxRowsPerGroup?: number };
}

export const submitProperties = {
  receiver: { type: 'string', maxLength: 128, description: 'who receives the result (default: you)' },
  normalize: { type: 'array', items: { type: 'string', maxLength: 128 }, maxItems: 64, description: 'list results: columns to trim and lowercase' },
  hash: { type: 'array', items: { type: 'string', maxLength: 128 }, maxItems: 64, description: 'list results: columns to deliver as hex SHA-256' },
  dp: {
    type: 'object',
    additionalProperties: false,
    description: 'differential privacy contribution bounds (default 1 and 1)',
    properties: { maxGroupsPerUser: { type: 'integer', minimum: 1, maximum: 1000 }, maxRowsPerGroup: { type: 'integer', minimum: 1, maximum: 1000 } },
  },
} as const;

/** Template parameter values by lower-cased name; two spellings of one name are refused, as in the CLI. */
export function parameterValues(params: Readonly<Record<string, string | number | boolean>> | undefined): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [name, value] of Object.entries(params ?? {})) {
    const key = name.toLowerCase();
    if (Object.hasOwn(values, key)) throw refused({ code: 'parameter-duplicate', message: `parameter :${key} is given twice` });
    values[key] = String(value);
  }
  return values;
}

export function deliveryOf(body: SubmitBody): DeliveryOptions {
  const hash = Object.fromEntries((body.hash ?? []).map((c) => [c.toLowerCase(), 'sha256' as const]));
  return {
    ...(body.normalize && body.normalize.length > 0 ? { normalize: body.normalize } : {}),
    ...(Object.keys(hash).length > 0 ? { hash } : {}),
  };
}

/**
 * Submits through the scheduler and answers 202 with the query's id and status, or the
 * final view when it finished within `waitSeconds`.
 */
export async function submitAndRespond(
  context: ApiContext,
  request: FastifyRequest,
  reply: FastifyReply,
  member: string,
  collaboration: string,
  waitSeconds: number,
  start: (run: ScheduledRun) => Promise<QueryOutcome>,
): Promise<FastifyReply> {
  const submitted = await context.scheduler.submit(member, start);
  let id: string;
  if ('outcome' in submitted) {
    const outcome = submitted.outcome;
    // Ended before it was recorded: a dry run, or a refusal with no query record.
    if (outcome.status === 'accepted') return reply.code(200).send(outcome);
    if (outcome.status === 'refused' && outcome.id === undefined) return reply.code(422).send({ error: outcome.error });
    if (outcome.id === undefined) throw new Error('Internal error: a query outcome without an id');
    id = outcome.id;
  } else {
    id = submitted.id;
  }
  await context.scheduler.waitFor(id, waitSeconds * 1000);
  await stillAuthenticated(context.workspace.db, request);
  const view = await queryView(context.workspace.db, collaboration, member, id);
  void reply.header('location', `/v1/collaborations/${encodeURIComponent(collaboration)}/queries/${id}`);
  return reply.code(FINAL_STATUSES.has(view.status) ? 200 : 202).send(view);
}
