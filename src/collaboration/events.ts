import type { Kysely } from 'kysely';
import type { Database } from '../metadata/schema.ts';
import { nowIso } from './clock.ts';

/** Appends to the change log: every create, update and delete is recorded. */
export async function logEvent(
  db: Kysely<Database>,
  actor: string,
  action: string,
  subject: string,
  detail?: unknown,
): Promise<void> {
  await db
    .insertInto('events')
    .values({
      at: nowIso(),
      actor,
      action,
      subject,
      detail_json: detail === undefined ? null : JSON.stringify(detail),
    })
    .execute();
}
