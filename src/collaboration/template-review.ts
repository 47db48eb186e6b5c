import type { Query, QueryBody } from '../sql/ast.ts';
import { duckdbDialect } from '../sql/dialect.ts';
import { printQuery } from '../sql/print.ts';
import { bindParameters } from '../sql/template-bind.ts';
import { listAssociations } from './associations.ts';
import { findCollaboration } from './collaborations.ts';
import { refused } from './errors.ts';
import { parseTemplateSql } from './template-parse.ts';
import type { TemplateInfo } from './templates.ts';
import type { Workspace } from './workspace.ts';

export interface TemplateReview {
  readonly template: TemplateInfo;
  /** The SQL printed from the AST, with defaults bound where every parameter has one. */
  readonly runSql: string;
  /** Columns of each table that the SQL mentions (allowed columns only exist). */
  readonly reads: Readonly<Record<string, readonly string[]>>;
  readonly outputs: readonly string[];
}

/** What a reviewing owner needs to see before approving: never data, only the analysis. */
export async function describeTemplate(workspace: Workspace, template: TemplateInfo): Promise<TemplateReview> {
  const parsed = await parseTemplateSql(workspace, template.sql);
  if (!parsed.ok) throw refused(parsed.error);
  const allDefaults = template.parameters.every((p) => p.default !== undefined);
  const bound = allDefaults ? bindParameters(parsed.value, template.parameters, {}) : undefined;
  const shown = bound?.ok ? bound.value : parsed.value;
  const collaboration = await findCollaboration(workspace.db, template.collaboration);
  const associations = await listAssociations(workspace.db, collaboration.id);
  const mentioned = columnNames(parsed.value);
  const reads: Record<string, string[]> = {};
  for (const name of template.tables) {
    const columns = associations.find((a) => a.sqlName === name)?.table.columns.map((c) => c.name) ?? [];
    reads[name] = columns.filter((c) => mentioned.has(c));
  }
  return { template, runSql: printQuery(shown, duckdbDialect), reads, outputs: outputNames(parsed.value.body) };
}

function columnNames(query: Query): Set<string> {
  const names = new Set<string>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (value === null || typeof value !== 'object') return;
    const node = value as Record<string, unknown>;
    if (node['kind'] === 'column' && typeof node['name'] === 'string') names.add(node['name']);
    Object.values(node).forEach(visit);
  };
  visit(query);
  return names;
}

function outputNames(body: QueryBody): string[] {
  if (body.kind === 'set-operation') return outputNames(body.left);
  return body.items.map((item, i) => {
    if (item.alias) return item.alias;
    if (item.expr.kind === 'column') return item.expr.name;
    if (item.expr.kind === 'function') return item.expr.name;
    return `column_${i + 1}`;
  });
}
