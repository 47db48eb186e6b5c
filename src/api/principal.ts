import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../metadata/schema.ts';
import { authenticate } from './api-keys.ts';
import { HttpProblem, unauthenticated } from './http-problem.ts';

/** Who is calling, from the bearer token. */
export type Principal =
  | { readonly kind: 'member'; readonly member: string; readonly keyId: string }
  | { readonly kind: 'admin'; readonly keyId: string };

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | undefined;
    /** A key that was presented and refused; raised after the rate limiter has counted the request. */
    authProblem: HttpProblem | undefined;
  }
}

/** Resolves the `Authorization: Bearer` header; undefined when no header was sent. */
export async function resolvePrincipal(db: Kysely<Database>, request: FastifyRequest): Promise<Principal | undefined> {
  const header = request.headers.authorization;
  if (header === undefined) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match?.[1]) throw unauthenticated('invalid-authorization', 'the Authorization header must be `Bearer <API key>`');
  const result = await authenticate(db, match[1]);
  if (!result.ok) {
    if (result.reason === 'revoked') throw unauthenticated('api-key-revoked', 'this API key was revoked');
    throw unauthenticated('invalid-api-key', 'this API key is not valid');
  }
  const key = result.key;
  if (key.role === 'admin' || key.member === null) return { kind: 'admin', keyId: key.id };
  return { kind: 'member', member: key.member, keyId: key.id };
}

/** The calling member; an administrator key or no key is refused. */
export function memberOf(request: FastifyRequest): string {
  const p = request.principal;
  if (p === undefined) throw unauthenticated('unauthenticated', 'this route needs a member API key');
  if (p.kind !== 'member') {
    throw new HttpProblem(403, {
      code: 'forbidden',
      message: 'an administrator key does not act as a member',
      hint: "use the member's own API key",
    });
  }
  return p.member;
}

/** The operator; a member key or no key is refused. */
export function requireAdmin(request: FastifyRequest): void {
  const p = request.principal;
  if (p === undefined) throw unauthenticated('unauthenticated', 'this route needs an administrator API key');
  if (p.kind !== 'admin') throw new HttpProblem(403, { code: 'forbidden', message: 'this route needs an administrator API key' });
}

/** A member acting on a path that names a member must be that member. */
export function requireSelfPath(request: FastifyRequest, named: string): string {
  const me = memberOf(request);
  if (me !== named) throw new HttpProblem(403, { code: 'forbidden', message: `member '${me}' cannot act for member '${named}'` });
  return me;
}

/**
 * Checks the caller's key again: after a long wait (long-poll) the key may have been
 * revoked, and a revoked key gets nothing, not even the end of a wait it started.
 */
export async function stillAuthenticated(db: Kysely<Database>, request: FastifyRequest): Promise<void> {
  if (request.principal === undefined) return;
  await resolvePrincipal(db, request);
}
