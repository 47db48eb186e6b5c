import type { Kysely } from 'kysely';
import type { Database } from '../metadata/schema.ts';
import { nowIso } from './clock.ts';
import { findCollaboration, requireMembership } from './collaborations.ts';
import { conflict, forbidden } from './errors.ts';
import { logEvent } from './events.ts';

/** A member leaves; refused while its tables are still associated (they would dangle). */
export async function leaveCollaboration(db: Kysely<Database>, actor: string, name: string): Promise<void> {
  const collaboration = await findCollaboration(db, name);
  await requireMembership(db, collaboration, actor, false);
  if (collaboration.creator === actor) {
    throw forbidden(`the creator cannot leave collaboration '${name}'`, `delete it with: cleanroom collaboration delete ${name} --as ${actor}`);
  }
  const tables = await db
    .selectFrom('associations')
    .select('sql_name')
    .where('collaboration_id', '=', collaboration.id)
    .where('member', '=', actor)
    .execute();
  if (tables.length > 0) {
    throw conflict(
      'tables-still-associated',
      `member '${actor}' still has tables in '${name}': ${tables.map((t) => t.sql_name).join(', ')}`,
      'remove them first with `cleanroom collaboration disassociate`',
    );
  }
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('collaboration_members')
      .set({ left_at: nowIso() })
      .where('collaboration_id', '=', collaboration.id)
      .where('member', '=', actor)
      .execute();
    await logEvent(trx, actor, 'collaboration.leave', name);
  });
}

/**
 * The creator deletes a collaboration: associations and memberships go; the query log
 * stays for the operator's audit and delivered results stay with their receivers.
 */
export async function deleteCollaboration(db: Kysely<Database>, actor: string, name: string): Promise<void> {
  const collaboration = await findCollaboration(db, name);
  // A non-member learns nothing, not even who created it.
  await requireMembership(db, collaboration, actor, false);
  if (collaboration.creator !== actor) {
    throw forbidden(`only the creator '${collaboration.creator}' can delete collaboration '${name}'`);
  }
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('associations').where('collaboration_id', '=', collaboration.id).execute();
    await trx.deleteFrom('collaboration_members').where('collaboration_id', '=', collaboration.id).execute();
    // Difference checks' hashed user sets and their secret are forgotten with it (their
    // sets cascade from the rows).
    await trx.deleteFrom('difference_rows').where('collaboration_id', '=', collaboration.id).execute();
    await trx.deleteFrom('difference_check_keys').where('collaboration_id', '=', collaboration.id).execute();
    // Its queries and templates stay as the operator's record (results stay with their
    // receivers), so the row stays too, under a name no member can give (`~` is not
    // allowed in names): the name is free again and nobody is a member any more.
    await trx
      .updateTable('collaborations')
      .set({ name: `${name}~deleted~${collaboration.id}` })
      .where('id', '=', collaboration.id)
      .execute();
    await logEvent(trx, actor, 'collaboration.delete', name);
  });
}
