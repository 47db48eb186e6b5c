import type { Kysely, Migration } from 'kysely';

/**
 * Which machine (and boot of it) runs a query, beside its process id: with one
 * PostgreSQL control plane shared by several servers, a server must judge only its own
 * queries interrupted, and a pid from before a reboot says nothing.
 */
export const queryWorkerHost: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('queries').addColumn('worker_host', 'text').execute();
  },
};
