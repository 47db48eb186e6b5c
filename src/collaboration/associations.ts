import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../metadata/schema.ts';
import type { QueryTable } from '../rules/rule-types.ts';
import { nowIso } from './clock.ts';
import { findCollaboration, memberships, requireMembership } from './collaborations.ts';
import { conflict, invalid, notFound } from './errors.ts';
import { logEvent } from './events.ts';
import { checkSqlName } from './names.ts';
import { findTableId, tableById, type ConfiguredTableInfo } from './tables.ts';

type Db = Kysely<Database> | Transaction<Database>;

export interface AssociationInfo {
  readonly id: number;
  readonly sqlName: string;
  readonly member: string;
  readonly table: ConfiguredTableInfo;
  /** Allowed result receivers; undefined means every member with `receive`. */
  readonly receivers: readonly string[] | undefined;
}

export async function associate(
  db: Kysely<Database>,
  collaborationName: string,
  member: string,
  tableName: string,
  sqlName: string | undefined,
  receivers: readonly string[] | undefined,
): Promise<AssociationInfo> {
  const collaboration = await findCollaboration(db, collaborationName);
  await requireMembership(db, collaboration, member);
  const tableId = await findTableId(db, member, tableName);
  const name = checkSqlName(sqlName ?? tableName);
  if (receivers !== undefined) {
    const all = await memberships(db, collaboration.id);
    for (const receiver of receivers) {
      const m = all.find((x) => x.member === receiver);
      if (!m || m.left) throw invalid('unknown-receiver', `receiver '${receiver}' is not a member of '${collaborationName}'`);
      if (!m.receive) {
        throw invalid('receiver-cannot-receive', `member '${receiver}' does not have the receive ability in '${collaborationName}'`);
      }
    }
  }
  const clash = await db
    .selectFrom('associations')
    .select('id')
    .where('collaboration_id', '=', collaboration.id)
    .where('sql_name', '=', name)
    .executeTakeFirst();
  if (clash) {
    throw conflict('association-exists', `collaboration '${collaborationName}' already has a table named '${name}'`, 'choose another --name');
  }
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('associations')
      .values({
        collaboration_id: collaboration.id,
        sql_name: name,
        table_id: tableId,
        member,
        receivers_json: receivers === undefined ? null : JSON.stringify(receivers),
        created_at: nowIso(),
      })
      .execute();
    await logEvent(trx, member, 'collaboration.associate', collaborationName, { table: tableName, name, receivers });
  });
  const all = await listAssociations(db, collaboration.id);
  const created = all.find((a) => a.sqlName === name);
  if (!created) throw new Error('Internal error: association vanished after insert');
  return created;
}

export async function listAssociations(db: Db, collaborationId: number): Promise<AssociationInfo[]> {
  const rows = await db
    .selectFrom('associations')
    .selectAll()
    .where('collaboration_id', '=', collaborationId)
    .orderBy('sql_name')
    .execute();
  const out: AssociationInfo[] = [];
  for (const r of rows) {
    out.push({
      id: r.id,
      sqlName: r.sql_name,
      member: r.member,
      table: await tableById(db, r.table_id),
      receivers: r.receivers_json === null ? undefined : (JSON.parse(r.receivers_json) as string[]),
    });
  }
  return out;
}

/** What validators and the planner see of an association: allowed columns and rule only. */
export function toQueryTable(association: AssociationInfo): QueryTable {
  return {
    sqlName: association.sqlName,
    owner: association.member,
    columns: association.table.columns.map((c) => ({ name: c.name, type: c.type })),
    rule: association.table.rule,
  };
}

export async function disassociate(
  db: Kysely<Database>,
  collaborationName: string,
  member: string,
  sqlName: string,
): Promise<void> {
  const collaboration = await findCollaboration(db, collaborationName);
  await requireMembership(db, collaboration, member, false);
  const row = await db
    .selectFrom('associations')
    .select(['id', 'member'])
    .where('collaboration_id', '=', collaboration.id)
    .where('sql_name', '=', sqlName.toLowerCase())
    .executeTakeFirst();
  if (!row || row.member !== member) {
    throw notFound('unknown-association', `member '${member}' has no table named '${sqlName}' in '${collaborationName}'`);
  }
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('associations').where('id', '=', row.id).execute();
    await logEvent(trx, member, 'collaboration.disassociate', collaborationName, { name: sqlName });
  });
}
