import type { Kysely } from 'kysely';
import { appendAuditEntry } from '../audit/append.ts';
import type { JsonValue } from '../audit/canonical.ts';
import type { Database } from '../metadata/schema.ts';
import { nowIso } from './clock.ts';

/**
 * Records a create, update or delete in the audit chain (src/audit). Call it inside the
 * transaction of the change, so the change and its entry commit together. The chain
 * replaced the unauthenticated `events` table, which keeps only the history from before
 * the chain began (docs/audit.md). Throws `Internal error` when the database has no
 * chain attached: nothing may change unrecorded.
 *
 * @example
 *   await logEvent(trx, 'brand', 'table.create', 'brand/customers', { version: 1 });
 */
export async function logEvent(
  db: Kysely<Database>,
  actor: string,
  action: string,
  subject: string,
  detail?: unknown,
): Promise<void> {
  await appendAuditEntry(db, {
    actor,
    action,
    subject,
    outcome: 'ok',
    at: nowIso(),
    ...(detail === undefined ? {} : { detail: asJson(detail) }),
  });
}

/** Details are plain records of names, ids and counts; a JSON round trip makes them JSON values. */
function asJson(detail: unknown): JsonValue {
  return JSON.parse(JSON.stringify(detail)) as JsonValue;
}
