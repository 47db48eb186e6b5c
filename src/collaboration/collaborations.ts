import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../metadata/schema.ts';
import { nowIso } from './clock.ts';
import { conflict, forbidden, invalid, notFound } from './errors.ts';
import { logEvent } from './events.ts';
import { requireMember } from './members.ts';
import { checkName } from './names.ts';

export interface MemberAbilities {
  readonly member: string;
  readonly query: boolean;
  readonly receive: boolean;
}

export interface CollaborationRow {
  readonly id: number;
  readonly name: string;
  readonly creator: string;
  readonly queryLogs: boolean;
  /** Difference checks on aggregation queries (docs/privacy.md); off unless asked for. */
  readonly differenceChecks: boolean;
}

/** Settings chosen at creation. */
export interface CollaborationOptions {
  /** Turn on difference checks (sticky answers for near-identical user sets). */
  readonly differenceChecks?: boolean;
}

export interface CollaborationMembership extends MemberAbilities {
  readonly accepted: boolean;
  readonly left: boolean;
}

type Db = Kysely<Database> | Transaction<Database>;

export async function createCollaboration(
  db: Kysely<Database>,
  creator: string,
  name: string,
  members: readonly MemberAbilities[],
  queryLogs: boolean,
  options: CollaborationOptions = {},
): Promise<CollaborationRow> {
  const differenceChecks = options.differenceChecks === true;
  checkName('collaboration', name);
  await requireMember(db, creator);
  const seen = new Set<string>();
  for (const m of members) {
    await requireMember(db, m.member);
    if (seen.has(m.member)) throw invalid('duplicate-member', `member '${m.member}' is listed twice`);
    seen.add(m.member);
  }
  if (!seen.has(creator)) {
    throw invalid(
      'creator-not-listed',
      `the creator '${creator}' must be listed with --member ${creator}:<abilities>`,
      'list every member including the creator, e.g. --member brand:query,receive',
    );
  }
  const existing = await db.selectFrom('collaborations').select('id').where('name', '=', name).executeTakeFirst();
  if (existing) throw conflict('collaboration-exists', `collaboration '${name}' already exists`);
  const now = nowIso();
  const id = await db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('collaborations')
      .values({ name, creator, query_logs: queryLogs ? 1 : 0, difference_checks: differenceChecks ? 1 : 0, created_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    for (const m of members) {
      await trx
        .insertInto('collaboration_members')
        .values({
          collaboration_id: row.id,
          member: m.member,
          can_query: m.query ? 1 : 0,
          can_receive: m.receive ? 1 : 0,
          // The creator accepts by creating; everyone else is invited.
          accepted_at: m.member === creator ? now : null,
          left_at: null,
        })
        .execute();
    }
    await logEvent(trx, creator, 'collaboration.create', name, { members, queryLogs, ...(differenceChecks ? { differenceChecks } : {}) });
    return row.id;
  });
  return { id, name, creator, queryLogs, differenceChecks };
}

/**
 * The creator turns difference checks on for a collaboration that was created without
 * them. There is no way back: table owners may have relied on them. Answers already
 * released stay as they were; from now on every released aggregation row is kept and
 * checked (docs/privacy.md, "Difference checks").
 *
 * @example
 *   await enableDifferenceChecks(ws.db, 'brand', 'media');
 */
export async function enableDifferenceChecks(db: Kysely<Database>, actor: string, name: string): Promise<CollaborationRow> {
  const collaboration = await findCollaboration(db, name);
  await requireMembership(db, collaboration, actor);
  if (collaboration.creator !== actor) {
    throw forbidden(`only the creator '${collaboration.creator}' can change the settings of collaboration '${name}'`);
  }
  if (collaboration.differenceChecks) return collaboration;
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('collaborations').set({ difference_checks: 1 }).where('id', '=', collaboration.id).execute();
    await logEvent(trx, actor, 'collaboration.difference-checks', name, { differenceChecks: true });
  });
  return { ...collaboration, differenceChecks: true };
}

export async function findCollaboration(db: Db, name: string): Promise<CollaborationRow> {
  const row = await db.selectFrom('collaborations').selectAll().where('name', '=', name).executeTakeFirst();
  if (!row) throw notFound('unknown-collaboration', `collaboration '${name}' does not exist`);
  return { id: row.id, name: row.name, creator: row.creator, queryLogs: row.query_logs === 1, differenceChecks: row.difference_checks === 1 };
}

export async function memberships(db: Db, collaborationId: number): Promise<CollaborationMembership[]> {
  const rows = await db
    .selectFrom('collaboration_members')
    .selectAll()
    .where('collaboration_id', '=', collaborationId)
    .orderBy('member')
    .execute();
  return rows.map((r) => ({
    member: r.member,
    query: r.can_query === 1,
    receive: r.can_receive === 1,
    accepted: r.accepted_at !== null,
    left: r.left_at !== null,
  }));
}

/**
 * The actor's membership; refuses non-members (and, with `mustHaveAccepted`, members
 * that were invited but have not accepted, or have left).
 */
export async function requireMembership(
  db: Db,
  collaboration: CollaborationRow,
  actor: string,
  mustHaveAccepted = true,
): Promise<CollaborationMembership> {
  const all = await memberships(db, collaboration.id);
  const mine = all.find((m) => m.member === actor);
  if (!mine || mine.left) {
    throw forbidden(`member '${actor}' is not a member of collaboration '${collaboration.name}'`);
  }
  if (mustHaveAccepted && !mine.accepted) {
    throw forbidden(
      `member '${actor}' has not accepted collaboration '${collaboration.name}'`,
      `run: cleanroom collaboration accept ${collaboration.name} --as ${actor}`,
    );
  }
  return mine;
}

export async function acceptCollaboration(db: Kysely<Database>, actor: string, name: string): Promise<void> {
  const collaboration = await findCollaboration(db, name);
  const mine = await requireMembership(db, collaboration, actor, false);
  if (mine.accepted) return;
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('collaboration_members')
      .set({ accepted_at: nowIso() })
      .where('collaboration_id', '=', collaboration.id)
      .where('member', '=', actor)
      .execute();
    await logEvent(trx, actor, 'collaboration.accept', name);
  });
}

export async function listCollaborations(db: Kysely<Database>, actor: string): Promise<CollaborationRow[]> {
  const rows = await db
    .selectFrom('collaborations')
    .innerJoin('collaboration_members', 'collaboration_members.collaboration_id', 'collaborations.id')
    .selectAll('collaborations')
    .where('collaboration_members.member', '=', actor)
    .where('collaboration_members.left_at', 'is', null)
    .orderBy('collaborations.name')
    .execute();
  return rows.map((r) => ({ id: r.id, name: r.name, creator: r.creator, queryLogs: r.query_logs === 1, differenceChecks: r.difference_checks === 1 }));
}
