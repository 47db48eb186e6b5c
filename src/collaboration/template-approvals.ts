import { ruleToDocument } from '../rules/rule-document.ts';
import type { CustomRule } from '../rules/rule-types.ts';
import { listAssociations } from './associations.ts';
import { findCollaboration, requireMembership } from './collaborations.ts';
import { conflict, forbidden, invalid, notFound } from './errors.ts';
import { updateTable } from './tables.ts';
import { findTemplate, type TemplateInfo } from './templates.ts';
import type { Workspace } from './workspace.ts';

export interface ApprovalChange {
  readonly template: TemplateInfo;
  readonly table: string;
  readonly ruleVersion: number;
}

/**
 * A table owner approves (or revokes) a template by listing its id in the custom rule's
 * `allowedAnalyses`: a new rule version, logged like every table update. The template
 * must read that table; revoking takes effect for the very next run.
 */
export async function setApproval(
  workspace: Workspace,
  collaborationName: string,
  templateName: string,
  owner: string,
  tableName: string,
  approve: boolean,
): Promise<ApprovalChange> {
  const { db } = workspace;
  const collaboration = await findCollaboration(db, collaborationName);
  await requireMembership(db, collaboration, owner);
  const template = await findTemplate(workspace, collaborationName, owner, templateName);
  const association = (await listAssociations(db, collaboration.id)).find(
    (a) => a.sqlName === tableName.toLowerCase() || (a.member === owner && a.table.name === tableName),
  );
  if (!association) throw notFound('unknown-table', `collaboration '${collaborationName}' has no table '${tableName}'`);
  if (association.member !== owner) {
    throw forbidden(`table '${association.sqlName}' belongs to '${association.member}': only its owner approves templates over it`);
  }
  if (!template.tables.includes(association.sqlName)) {
    throw invalid('template-does-not-read-table', `template '${template.name}' does not read table '${association.sqlName}'`);
  }
  const rule = association.table.rule;
  if (rule.kind !== 'custom') {
    throw conflict('rule-not-custom', `table '${association.sqlName}' has a ${rule.kind} rule; templates are approved under a custom rule`);
  }
  if (rule.allowedAnalyses.includes('ANY_QUERY')) {
    throw conflict('rule-allows-any-query', `table '${association.sqlName}' allows ANY_QUERY for its analysis providers; list templates instead to approve them one by one`);
  }
  const listed = rule.allowedAnalyses.includes(template.id);
  if (listed === approve) {
    return { template, table: association.sqlName, ruleVersion: association.table.version };
  }
  const next: CustomRule = {
    ...rule,
    allowedAnalyses: approve ? [...rule.allowedAnalyses, template.id] : rule.allowedAnalyses.filter((id) => id !== template.id),
  };
  const updated = await updateTable(db, owner, association.table.name, undefined, ruleToDocument(next));
  return { template, table: association.sqlName, ruleVersion: updated.version };
}

/** Which referenced tables' rules approve a template (for `template show`). */
export async function approvalsOf(workspace: Workspace, collaborationName: string, template: TemplateInfo): Promise<Record<string, boolean>> {
  const collaboration = await findCollaboration(workspace.db, collaborationName);
  const associations = await listAssociations(workspace.db, collaboration.id);
  const out: Record<string, boolean> = {};
  for (const name of template.tables) {
    const rule = associations.find((a) => a.sqlName === name)?.table.rule;
    out[name] = rule?.kind === 'custom' && rule.allowedAnalyses.includes(template.id);
  }
  return out;
}
