import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import { nowIso } from '../collaboration/clock.ts';
import { forbidden, notFound } from '../collaboration/errors.ts';
import { logEvent } from '../collaboration/events.ts';
import { requireMember } from '../collaboration/members.ts';
import type { Database } from '../metadata/schema.ts';

/** Who a key speaks for: one member, or the operator (creates members, reads metrics). */
export type KeyRole = 'member' | 'admin';

export interface ApiKeyInfo {
  readonly id: string;
  readonly member: string | null;
  readonly role: KeyRole;
  readonly label: string;
  readonly createdBy: string;
  readonly createdAt: string;
  readonly revokedAt: string | null;
}

/** A key as created: `token` is shown once and never stored. */
export interface CreatedApiKey extends ApiKeyInfo {
  readonly token: string;
}

const PREFIX = 'crk';
const TOKEN_PATTERN = /^crk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

/**
 * A salted SHA-256 of the secret. The secret is 256 random bits, so a slow password
 * hash adds nothing against guessing and would cost every request; the salt keeps
 * equal secrets (there are none) and precomputed tables out.
 */
function hashSecret(salt: string, secret: string): string {
  return createHash('sha256').update(`${salt}:${secret}`).digest('hex');
}

function toInfo(row: Database['api_keys']): ApiKeyInfo {
  return {
    id: row.id,
    member: row.member,
    role: row.role === 'admin' ? 'admin' : 'member',
    label: row.label,
    createdBy: row.created_by,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
  };
}

/**
 * Creates a key for `member` (role member) or an administrator key (`member` null).
 *
 * @example
 *   const key = await createApiKey(db, { member: 'brand', label: 'laptop', createdBy: 'admin' });
 *   console.log(key.token); // crk_3f9a..._...; shown once
 */
export async function createApiKey(
  db: Kysely<Database>,
  request: { readonly member: string | null; readonly label?: string; readonly createdBy: string },
): Promise<CreatedApiKey> {
  if (request.member !== null) await requireMember(db, request.member);
  const id = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  const salt = randomBytes(16).toString('hex');
  const row: Database['api_keys'] = {
    id,
    member: request.member,
    role: request.member === null ? 'admin' : 'member',
    label: (request.label ?? '').slice(0, 200),
    salt,
    secret_hash: hashSecret(salt, secret),
    created_by: request.createdBy,
    created_at: nowIso(),
    revoked_at: null,
  };
  await db.transaction().execute(async (trx) => {
    await trx.insertInto('api_keys').values(row).execute();
    await logEvent(trx, request.createdBy, 'api-key.create', request.member ?? 'admin', { id, role: row.role });
  });
  return { ...toInfo(row), token: `${PREFIX}_${id}_${secret}` };
}

/** Keys of one member (or the administrator keys with `member` null); never the secrets. */
export async function listApiKeys(db: Kysely<Database>, member: string | null): Promise<ApiKeyInfo[]> {
  const query = db.selectFrom('api_keys').selectAll().orderBy('created_at').orderBy('id');
  const rows = member === null ? await query.where('member', 'is', null).execute() : await query.where('member', '=', member).execute();
  return rows.map(toInfo);
}

/**
 * Revokes one key. A member revokes only its own keys; the administrator any key.
 * Revoking twice is harmless (the first time stands).
 */
export async function revokeApiKey(db: Kysely<Database>, actor: { readonly member: string | null }, id: string): Promise<ApiKeyInfo> {
  const row = await db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
  // Someone else's key is reported as unknown: its existence is not the caller's business.
  if (!row || (actor.member !== null && row.member !== actor.member)) {
    throw notFound('unknown-api-key', `there is no API key '${id}' of yours`);
  }
  if (row.revoked_at !== null) return toInfo(row);
  const revokedAt = nowIso();
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('api_keys').set({ revoked_at: revokedAt }).where('id', '=', id).execute();
    await logEvent(trx, actor.member ?? 'admin', 'api-key.revoke', row.member ?? 'admin', { id });
  });
  return toInfo({ ...row, revoked_at: revokedAt });
}

/** The outcome of presenting a token: whose it is, or why it is not accepted. */
export type Authentication =
  | { readonly ok: true; readonly key: ApiKeyInfo }
  | { readonly ok: false; readonly reason: 'malformed' | 'unknown' | 'revoked' };

/** Checks a bearer token in constant time against the stored hash. */
export async function authenticate(db: Kysely<Database>, token: string): Promise<Authentication> {
  const match = TOKEN_PATTERN.exec(token);
  if (!match) return { ok: false, reason: 'malformed' };
  const [, id = '', secret = ''] = match;
  const row = await db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) return { ok: false, reason: 'unknown' };
  const expected = Buffer.from(row.secret_hash, 'hex');
  const given = Buffer.from(hashSecret(row.salt, secret), 'hex');
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: 'unknown' };
  if (row.revoked_at !== null) return { ok: false, reason: 'revoked' };
  return { ok: true, key: toInfo(row) };
}

/** Refuses a member key acting for another member. */
export function requireKeyOf(key: ApiKeyInfo, member: string): void {
  if (key.role !== 'admin' && key.member !== member) throw forbidden(`this key belongs to '${key.member}', not '${member}'`);
}
