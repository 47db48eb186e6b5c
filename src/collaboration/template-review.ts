import type { Query, QueryBody } from '../sql/ast.ts';
import { duckdbDialect } from '../sql/dialect.ts';
import { printQuery } from '../sql/print.ts';
import { bindParameters } from '../sql/template-bind.ts';
import { listAssociations, toQueryTable } from './associations.ts';
import { planQuery } from '../rules/plan/plan-query.ts';
import type { QueryContext } from '../rules/rule-types.ts';
import { validateQuery } from '../rules/validate-query.ts';
import type { Diagnostic } from '../sql/diagnostic.ts';
import { findCollaboration } from './collaborations.ts';
import { refused } from './errors.ts';
import { parseTemplateSql } from './template-parse.ts';
import type { TemplateInfo } from './templates.ts';
import type { Workspace } from './workspace.ts';

export interface TemplateReview {
  readonly template: TemplateInfo;
  /**
   * The SQL that runs once every owner approves, with defaults bound where every
   * parameter has one: planned (output constraints, numeric safety) and printed.
   */
  readonly runSql: string;
  /** Why the template would be refused even once approved (e.g. a disallowed output column). */
  readonly refusal?: Diagnostic;
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
  // Judge it as if every owner had approved it, so the reviewer sees what would run.
  const approved: QueryContext = {
    runner: template.creator,
    tables: associations.map((a) => {
      const table = toQueryTable(a);
      const rule = table.rule;
      return rule?.kind === 'custom' && !rule.allowedAnalyses.includes(template.id)
        ? { ...table, rule: { ...rule, allowedAnalyses: [...rule.allowedAnalyses.filter((x) => x !== 'ANY_QUERY'), template.id] } }
        : table;
    }),
  };
  const validated = validateQuery(shown, approved, template.sql, { templateId: template.id });
  const runSql = printQuery(validated.ok ? planQuery(validated.value).query : shown, duckdbDialect);
  return {
    template,
    runSql,
    ...(validated.ok ? {} : { refusal: validated.error }),
    reads,
    outputs: outputNames(parsed.value.body),
  };
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
