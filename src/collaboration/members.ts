import type { Kysely } from 'kysely';
import type { Database } from '../metadata/schema.ts';
import { nowIso } from './clock.ts';
import { conflict, forbidden, notFound } from './errors.ts';
import { logEvent } from './events.ts';
import { fieldSealerFor } from './member-keys.ts';
import { checkName } from './names.ts';

export interface MemberInfo {
  readonly name: string;
  readonly createdAt: string;
}

export async function createMember(db: Kysely<Database>, name: string): Promise<MemberInfo> {
  checkName('member', name);
  const existing = await db.selectFrom('members').select('name').where('name', '=', name).executeTakeFirst();
  if (existing) throw conflict('member-exists', `member '${name}' already exists`);
  const createdAt = nowIso();
  await db.transaction().execute(async (trx) => {
    await trx.insertInto('members').values({ name, created_at: createdAt }).execute();
    await logEvent(trx, name, 'member.create', name);
  });
  // The member's data key, wrapped by the master key; after the commit, as it is a write
  // of its own (a crash in between is harmless: a missing key is created on first use).
  await fieldSealerFor(db)?.ensureKey(name);
  return { name, createdAt };
}

export async function listMembers(db: Kysely<Database>): Promise<MemberInfo[]> {
  const rows = await db.selectFrom('members').selectAll().orderBy('name').execute();
  return rows.map((r) => ({ name: r.name, createdAt: r.created_at }));
}

/** The acting member must exist; returns its name. */
export async function requireMember(db: Kysely<Database>, name: string): Promise<string> {
  const row = await db.selectFrom('members').select('name').where('name', '=', name).executeTakeFirst();
  if (!row) throw notFound('unknown-member', `member '${name}' does not exist`, 'create it with `cleanroom member create`');
  return row.name;
}

/** In embedded mode one person plays every member; still, a member acts only for itself. */
export function requireSelf(actor: string, named: string): void {
  if (actor !== named) {
    throw forbidden(`member '${actor}' cannot act for member '${named}'`, `run the command --as ${named}`);
  }
}
