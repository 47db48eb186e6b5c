import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { CleanroomError, type ProblemKind } from '../collaboration/errors.ts';
import type { Diagnostic } from '../sql/diagnostic.ts';

/**
 * The HTTP layer's one error type: a status and the same diagnostic the CLI shows.
 * Body: `{ "error": { "code", "message", "hint"?, ... } }`.
 */
export class HttpProblem extends Error {
  override readonly name = 'HttpProblem';
  constructor(
    readonly status: number,
    readonly diagnostic: Diagnostic,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(diagnostic.message);
  }
}

const STATUS_BY_KIND: Record<ProblemKind, number> = {
  refused: 422,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  invalid: 400,
};

export function unauthenticated(code: string, message: string): HttpProblem {
  return new HttpProblem(401, { code, message, hint: 'send `Authorization: Bearer <API key>`' }, { 'www-authenticate': 'Bearer' });
}

export function tooMany(code: string, message: string, retryAfterSeconds: number, hint?: string): HttpProblem {
  return new HttpProblem(429, { code, message, ...(hint ? { hint } : {}) }, { 'retry-after': String(retryAfterSeconds) });
}

export function badRequest(code: string, message: string, hint?: string): HttpProblem {
  return new HttpProblem(400, { code, message, ...(hint ? { hint } : {}) });
}

export function statusOfKind(kind: ProblemKind): number {
  return STATUS_BY_KIND[kind];
}

/**
 * Every error leaves through here. User problems keep their diagnostic; anything else is
 * an internal error whose text stays in the operator's log (it may hold data values,
 * e.g. an engine message quoting a cell): the caller gets the request id to quote.
 */
export function handleError(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): void {
  if (error instanceof HttpProblem) {
    void reply.code(error.status).headers(error.headers).send({ error: error.diagnostic });
    return;
  }
  if (error instanceof CleanroomError) {
    void reply.code(STATUS_BY_KIND[error.kind]).send({ error: error.diagnostic });
    return;
  }
  const fastifyError = error as FastifyError;
  if (fastifyError.validation !== undefined) {
    void reply.code(400).send({
      error: { code: 'invalid-request', message: `${fastifyError.validationContext ?? 'request'} ${error.message.replace(/^(body|querystring|params|headers)\s*/, '')}` },
    });
    return;
  }
  const status = fastifyError.statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    const code = status === 413 ? 'too-large' : status === 415 ? 'unsupported-media-type' : status === 429 ? 'rate-limited' : 'bad-request';
    void reply.code(status).send({ error: { code, message: error.message } });
    return;
  }
  request.log.error({ err: error }, 'internal error');
  void reply.code(500).send({
    error: { code: 'internal-error', message: `internal error (request ${request.id}); the operator's log has the details` },
  });
}
