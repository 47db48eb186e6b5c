import { checkRule } from '../../collaboration/check-rule.ts';
import { describeTable } from '../../collaboration/describe-table.ts';
import { createTable, deleteTable, listTables, proposeTable, showTable, updateTable } from '../../collaboration/tables.ts';
import type { Workspace } from '../../collaboration/workspace.ts';
import type { TableBackend } from './backend.ts';

export function embeddedTables(ws: () => Promise<Workspace>): TableBackend {
  const db = async () => (await ws()).db;
  const copy = (columns: readonly string[] | undefined): string[] | undefined => (columns === undefined ? undefined : [...columns]);
  return {
    create: async (member, name, dataset, columns, rule) => describeTable(await createTable(await db(), member, name, dataset, copy(columns), rule)),
    update: async (member, name, columns, rule) => describeTable(await updateTable(await db(), member, name, copy(columns), rule)),
    show: async (member, name) => describeTable(await showTable(await db(), member, name)),
    list: async (member) => (await listTables(await db(), member)).map(describeTable),
    delete: async (member, name) => deleteTable(await db(), member, name),
    check: async (member, name, sql, sqlName) => checkRule(await ws(), member, name, sql, sqlName === undefined ? {} : { sqlName }),
    propose: async (member, { name, ...change }) => proposeTable(await db(), member, { table: name, ...change }),
  };
}
