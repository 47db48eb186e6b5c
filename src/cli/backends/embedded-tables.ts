import type { Kysely } from 'kysely';
import { createTable, deleteTable, listTables, showTable, updateTable, type ConfiguredTableInfo } from '../../collaboration/tables.ts';
import type { Database } from '../../metadata/schema.ts';
import { ruleToDocument } from '../../rules/rule-document.ts';
import type { TableBackend, TableView } from './backend.ts';

/** A configured table as the API describes it, so both backends print from one shape. */
export function tableView(table: ConfiguredTableInfo): TableView {
  return {
    member: table.member,
    table: table.name,
    dataset: table.dataset,
    version: table.version,
    kind: table.rule.kind,
    columns: table.columns.map((c) => ({ name: c.name, type: c.type })),
    rule: ruleToDocument(table.rule),
  };
}

export function embeddedTables(db: () => Promise<Kysely<Database>>): TableBackend {
  const copy = (columns: readonly string[] | undefined): string[] | undefined => (columns === undefined ? undefined : [...columns]);
  return {
    create: async (member, name, dataset, columns, rule) => tableView(await createTable(await db(), member, name, dataset, copy(columns), rule)),
    update: async (member, name, columns, rule) => tableView(await updateTable(await db(), member, name, copy(columns), rule)),
    show: async (member, name) => tableView(await showTable(await db(), member, name)),
    list: async (member) => (await listTables(await db(), member)).map(tableView),
    delete: async (member, name) => deleteTable(await db(), member, name),
  };
}
