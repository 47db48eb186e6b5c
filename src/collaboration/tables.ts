import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../metadata/schema.ts';
import { importRule, ruleColumns, ruleToDocument } from '../rules/import-rule.ts';
import type { AnalysisRule } from '../rules/rule-types.ts';
import { nowIso } from './clock.ts';
import { datasetVersions, findDatasetId, latestVersion, type DatasetColumn } from './dataset-records.ts';
import { conflict, invalid, notFound, refused } from './errors.ts';
import { logEvent } from './events.ts';
import { requireMember } from './members.ts';
import { checkName } from './names.ts';

type Db = Kysely<Database> | Transaction<Database>;

export interface ConfiguredTableInfo {
  readonly id: number;
  readonly member: string;
  readonly name: string;
  readonly dataset: string;
  readonly datasetId: number;
  readonly version: number;
  readonly columns: readonly DatasetColumn[];
  readonly rule: AnalysisRule;
  readonly createdAt: string;
}

/** Checks the allowed columns and the rule against the dataset; returns the rule. */
function checkTableDefinition(
  datasetColumns: readonly DatasetColumn[],
  requestedColumns: readonly string[] | undefined,
  document: unknown,
): { columns: string[]; rule: AnalysisRule } {
  const known = datasetColumns.map((c) => ({ name: c.name, type: c.type }));
  const names = new Set(known.map((c) => c.name));
  for (const column of requestedColumns ?? []) {
    if (!names.has(column)) {
      throw invalid(
        'unknown-column',
        `column '${column}' is not in the dataset`,
        `the dataset has: ${[...names].join(', ')}`,
      );
    }
  }
  // Without --columns the table allows exactly the columns the rule names.
  const firstPass = importRule(document, known, requestedColumns ?? [...names]);
  if (!firstPass.ok) throw refused(firstPass.error);
  const columns = requestedColumns ? [...new Set(requestedColumns)] : ruleColumns(firstPass.value);
  if (requestedColumns) return { columns, rule: firstPass.value };
  const second = importRule(document, known, columns);
  if (!second.ok) throw refused(second.error);
  return { columns, rule: second.value };
}

export async function createTable(
  db: Kysely<Database>,
  member: string,
  name: string,
  datasetName: string,
  columns: readonly string[] | undefined,
  document: unknown,
): Promise<ConfiguredTableInfo> {
  checkName('table', name);
  await requireMember(db, member);
  const datasetId = await findDatasetId(db, member, datasetName);
  const latest = await latestVersion(db, datasetId);
  const definition = checkTableDefinition(latest.columns, columns, document);
  const exists = await db
    .selectFrom('configured_tables')
    .select('id')
    .where('member', '=', member)
    .where('name', '=', name)
    .executeTakeFirst();
  if (exists) throw conflict('table-exists', `member '${member}' already has a table '${name}'`, 'use `cleanroom table update`');
  const now = nowIso();
  await db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('configured_tables')
      .values({ member, name, dataset_id: datasetId, created_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx
      .insertInto('table_versions')
      .values({
        table_id: row.id,
        version: 1,
        columns_json: JSON.stringify(definition.columns),
        rule_json: JSON.stringify(definition.rule),
        created_at: now,
      })
      .execute();
    await logEvent(trx, member, 'table.create', `${member}/${name}`, {
      dataset: datasetName,
      columns: definition.columns,
      rule: ruleToDocument(definition.rule),
    });
  });
  return showTable(db, member, name);
}

/** What a create or update would store, checked and not saved. */
export interface TableProposal {
  readonly table: string;
  readonly version: number;
  readonly columns: readonly string[];
  readonly rule: unknown;
}

/**
 * Checks a table definition exactly as createTable (`dataset` given) or updateTable (an
 * existing `table`) would, and changes nothing: for a rule editor that wants the server's
 * verdict before saving. Throws the same diagnostics.
 *
 * @example
 *   await proposeTable(db, 'platform', { table: 'reach', rule: { v1: { aggregation: { ... } } } });
 */
export async function proposeTable(
  db: Kysely<Database>,
  member: string,
  change: { readonly table: string; readonly dataset?: string; readonly columns?: readonly string[]; readonly rule?: unknown },
): Promise<TableProposal> {
  checkName('table', change.table);
  await requireMember(db, member);
  if (change.dataset !== undefined) {
    const exists = await db.selectFrom('configured_tables').select('id').where('member', '=', member).where('name', '=', change.table).executeTakeFirst();
    if (exists) throw conflict('table-exists', `member '${member}' already has a table '${change.table}'`, 'use `cleanroom table update`');
    const latest = await latestVersion(db, await findDatasetId(db, member, change.dataset));
    const definition = checkTableDefinition(latest.columns, change.columns, change.rule);
    return { table: change.table, version: 1, columns: definition.columns, rule: ruleToDocument(definition.rule) };
  }
  const current = await showTable(db, member, change.table);
  if (change.columns === undefined && change.rule === undefined) throw invalid('nothing-to-update', 'give --columns, --rule or both');
  const latest = await latestVersion(db, current.datasetId);
  const definition = checkTableDefinition(latest.columns, change.columns ?? current.columns.map((c) => c.name), change.rule ?? ruleToDocument(current.rule));
  return { table: change.table, version: current.version + 1, columns: definition.columns, rule: ruleToDocument(definition.rule) };
}

export async function updateTable(
  db: Kysely<Database>,
  member: string,
  name: string,
  columns: readonly string[] | undefined,
  document: unknown | undefined,
): Promise<ConfiguredTableInfo> {
  const current = await showTable(db, member, name);
  if (columns === undefined && document === undefined) {
    throw invalid('nothing-to-update', 'give --columns, --rule or both');
  }
  const latest = await latestVersion(db, current.datasetId);
  const definition = checkTableDefinition(
    latest.columns,
    columns ?? current.columns.map((c) => c.name),
    document ?? ruleToDocument(current.rule),
  );
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('table_versions')
      .values({
        table_id: current.id,
        version: current.version + 1,
        columns_json: JSON.stringify(definition.columns),
        rule_json: JSON.stringify(definition.rule),
        created_at: nowIso(),
      })
      .execute();
    await logEvent(trx, member, 'table.update', `${member}/${name}`, {
      version: current.version + 1,
      columns: definition.columns,
      rule: ruleToDocument(definition.rule),
    });
  });
  return showTable(db, member, name);
}

export async function findTableId(db: Db, member: string, name: string): Promise<number> {
  const row = await db
    .selectFrom('configured_tables')
    .select('id')
    .where('member', '=', member)
    .where('name', '=', name)
    .executeTakeFirst();
  if (!row) throw notFound('unknown-table', `member '${member}' has no configured table '${name}'`);
  return row.id;
}

export async function tableById(db: Db, id: number): Promise<ConfiguredTableInfo> {
  const table = await db
    .selectFrom('configured_tables')
    .innerJoin('datasets', 'datasets.id', 'configured_tables.dataset_id')
    .select([
      'configured_tables.id as id',
      'configured_tables.member as member',
      'configured_tables.name as name',
      'configured_tables.dataset_id as datasetId',
      'configured_tables.created_at as createdAt',
      'datasets.name as dataset',
    ])
    .where('configured_tables.id', '=', id)
    .executeTakeFirstOrThrow();
  const version = await db
    .selectFrom('table_versions')
    .selectAll()
    .where('table_id', '=', id)
    .orderBy('version', 'desc')
    .limit(1)
    .executeTakeFirstOrThrow();
  const allowed = JSON.parse(version.columns_json) as string[];
  const versions = await datasetVersions(db, table.datasetId);
  const datasetColumns = versions.at(-1)?.columns ?? [];
  const columns = allowed.map(
    (name) => datasetColumns.find((c) => c.name === name) ?? { name, type: 'UNKNOWN', originalName: name },
  );
  return {
    ...table,
    version: version.version,
    columns,
    rule: JSON.parse(version.rule_json) as AnalysisRule,
  };
}

export async function showTable(db: Db, member: string, name: string): Promise<ConfiguredTableInfo> {
  return tableById(db, await findTableId(db, member, name));
}

export async function listTables(db: Db, member: string): Promise<ConfiguredTableInfo[]> {
  const rows = await db.selectFrom('configured_tables').select('id').where('member', '=', member).orderBy('name').execute();
  return Promise.all(rows.map((r) => tableById(db, r.id)));
}

export async function deleteTable(db: Kysely<Database>, member: string, name: string): Promise<void> {
  const id = await findTableId(db, member, name);
  const uses = await db
    .selectFrom('associations')
    .innerJoin('collaborations', 'collaborations.id', 'associations.collaboration_id')
    .select(['collaborations.name as collaboration', 'associations.sql_name as sqlName'])
    .where('associations.table_id', '=', id)
    .execute();
  if (uses.length > 0) {
    const where = uses.map((u) => `'${u.sqlName}' in collaboration '${u.collaboration}'`).join(', ');
    throw conflict(
      'table-in-use',
      `table '${name}' is associated as ${where}`,
      'remove it first with `cleanroom collaboration disassociate`',
    );
  }
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('table_versions').where('table_id', '=', id).execute();
    await trx.deleteFrom('configured_tables').where('id', '=', id).execute();
    await logEvent(trx, member, 'table.delete', `${member}/${name}`);
  });
}
