import type { Query } from '../sql/ast.ts';
import type { ParameterDeclaration } from '../sql/template-params.ts';
import { checkTemplateParameters } from '../sql/template-bind.ts';
import { listAssociations, toQueryTable, type AssociationInfo } from './associations.ts';
import { dpTemplateRefusal } from '../rules/dp-template-check.ts';
import { nowIso } from './clock.ts';
import { findCollaboration, requireMembership } from './collaborations.ts';
import { conflict, forbidden, notFound, refused } from './errors.ts';
import { logEvent } from './events.ts';
import { checkName } from './names.ts';
import { referencedTableNames } from './referenced-tables.ts';
import { templateId } from './template-id.ts';
import { parseTemplateSql } from './template-parse.ts';
import type { Workspace } from './workspace.ts';

export interface TemplateInfo {
  readonly id: string;
  readonly collaboration: string;
  readonly name: string;
  readonly description: string;
  readonly sql: string;
  readonly parameters: readonly ParameterDeclaration[];
  /** Association names the SQL reads. */
  readonly tables: readonly string[];
  readonly creator: string;
  readonly createdAt: string;
}

export interface NewTemplate {
  readonly name: string;
  readonly description?: string;
  readonly sql: string;
  readonly parameters: readonly ParameterDeclaration[];
}

/** The associations a template's SQL reads (CTE names are not tables). */
export function templateTables(query: Query, associations: readonly AssociationInfo[]): AssociationInfo[] {
  const named = referencedTableNames(query);
  return associations.filter((a) => named.has(a.sqlName));
}

/**
 * Creates an analysis template in one collaboration, by a member who may query. The
 * SQL must parse and convert, and its parameters must match the declarations; the id
 * binds the SQL, declarations and associations read, so it never changes afterwards.
 */
export async function createTemplate(
  workspace: Workspace,
  collaborationName: string,
  actor: string,
  template: NewTemplate,
): Promise<TemplateInfo> {
  const { db } = workspace;
  checkName('template', template.name);
  const collaboration = await findCollaboration(db, collaborationName);
  const mine = await requireMembership(db, collaboration, actor);
  if (!mine.query) throw forbidden(`member '${actor}' does not have the query ability in '${collaborationName}'`);
  const parsed = await parseTemplateSql(workspace, template.sql);
  if (!parsed.ok) throw refused(parsed.error);
  const checked = checkTemplateParameters(parsed.value, template.parameters);
  if (!checked.ok) throw refused(checked.error);
  const associations = await listAssociations(db, collaboration.id);
  const tables = templateTables(parsed.value, associations);
  if (tables.length === 0) {
    throw refused({ code: 'no-table', rule: 'custom', message: 'the template reads no table associated into this collaboration' });
  }
  const dp = dpTemplateRefusal(parsed.value, { runner: actor, tables: associations.map(toQueryTable) }, template.sql, tables.map(toQueryTable));
  if (dp !== undefined) throw refused(dp);
  const clash = await db
    .selectFrom('templates')
    .select('id')
    .where('collaboration_id', '=', collaboration.id)
    .where('name', '=', template.name)
    .executeTakeFirst();
  if (clash) {
    throw conflict('template-exists', `collaboration '${collaborationName}' already has a template '${template.name}'`, 'templates never change: give the new version a new name');
  }
  const id = templateId({
    collaborationId: collaboration.id,
    name: template.name,
    sql: template.sql,
    parameters: checked.value,
    tables: tables.map((t) => ({ sqlName: t.sqlName, tableId: t.table.id })),
  });
  const createdAt = nowIso();
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('templates')
      .values({
        id,
        collaboration_id: collaboration.id,
        name: template.name,
        description: template.description ?? '',
        sql_text: template.sql,
        parameters_json: JSON.stringify(checked.value),
        tables_json: JSON.stringify(tables.map((t) => t.sqlName)),
        creator: actor,
        created_at: createdAt,
      })
      .execute();
    await logEvent(trx, actor, 'template.create', `${collaborationName}/${template.name}`, { id });
  });
  return {
    id,
    collaboration: collaborationName,
    name: template.name,
    description: template.description ?? '',
    sql: template.sql,
    parameters: checked.value,
    tables: tables.map((t) => t.sqlName),
    creator: actor,
    createdAt,
  };
}

export async function listTemplates(workspace: Workspace, collaborationName: string, actor: string): Promise<TemplateInfo[]> {
  const collaboration = await findCollaboration(workspace.db, collaborationName);
  await requireMembership(workspace.db, collaboration, actor, false);
  const rows = await workspace.db
    .selectFrom('templates')
    .selectAll()
    .where('collaboration_id', '=', collaboration.id)
    .orderBy('name')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    collaboration: collaborationName,
    name: r.name,
    description: r.description,
    sql: r.sql_text,
    parameters: JSON.parse(r.parameters_json) as ParameterDeclaration[],
    tables: JSON.parse(r.tables_json) as string[],
    creator: r.creator,
    createdAt: r.created_at,
  }));
}

export async function findTemplate(
  workspace: Workspace,
  collaborationName: string,
  actor: string,
  nameOrId: string,
): Promise<TemplateInfo> {
  const all = await listTemplates(workspace, collaborationName, actor);
  const found = all.find((t) => t.name === nameOrId || t.id === nameOrId);
  if (!found) throw notFound('unknown-template', `collaboration '${collaborationName}' has no template '${nameOrId}'`);
  return found;
}
