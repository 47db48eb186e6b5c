/**
 * The verdict on a protected query before it runs: parse (or bind a template), validate
 * against every referenced table's rule, check receivers and delivery options, plan.
 */
import type { ColumnDelivery } from '../engine/engine.ts';
import { planQuery, type PlannedQuery } from '../rules/plan/plan-query.ts';
import type { QueryContext } from '../rules/rule-types.ts';
import { validateQuery } from '../rules/validate-query.ts';
import type { AnyValidatedQuery } from '../rules/validated-query.ts';
import type { Query } from '../sql/ast.ts';
import { bindParameters } from '../sql/template-bind.ts';
import type { ParameterDeclaration } from '../sql/template-params.ts';
import { parseTemplateSql } from './template-parse.ts';
import type { TemplateInfo } from './templates.ts';
import { convertParsed } from '../sql/convert.ts';
import { ok, type Diagnostic, type Result } from '../sql/diagnostic.ts';
import { listAssociations, toQueryTable, type AssociationInfo } from './associations.ts';
import { referencedTableNames } from './referenced-tables.ts';
import type { QueryTableRecord } from './query-records.ts';
import type { Workspace } from './workspace.ts';

/** Longer texts are refused before parsing: the parser's memory grows with them. */
export const MAX_QUERY_CHARACTERS = 1_000_000;

/** The verdict on a query text, without running it. */
export interface Verdict {
  readonly associations: readonly AssociationInfo[];
  readonly tables: readonly QueryTableRecord[];
  readonly planned?: PlannedQuery;
  readonly validated?: AnyValidatedQuery;
  /** The delivery options, resolved to output column names (empty: none). */
  readonly delivery?: readonly ColumnDelivery[];
  readonly error?: Diagnostic;
}


/**
 * What runs: ad-hoc SQL; an approved template with its parameter values; or SQL with
 * declared parameters that is not a template (a library list query, whose rule has no
 * templates), bound the same typed way.
 */
export type QuerySource =
  | { readonly kind: 'sql'; readonly text: string }
  | { readonly kind: 'template'; readonly template: TemplateInfo; readonly values: Readonly<Record<string, string>> }
  | {
      readonly kind: 'parameterised';
      readonly text: string;
      readonly parameters: readonly ParameterDeclaration[];
      readonly values: Readonly<Record<string, string>>;
    };

export function sourceText(source: QuerySource): string {
  return source.kind === 'template' ? source.template.sql : source.text;
}


export async function judge(
  workspace: Workspace,
  collaborationId: number,
  runner: string,
  receiver: string,
  source: QuerySource,
): Promise<Verdict> {
  return judgeAgainst(workspace, await listAssociations(workspace.db, collaborationId), runner, receiver, source);
}

/**
 * The verdict against a given set of associations: a collaboration's (judge), or one
 * table on its own as its owner tests its rule (check-rule.ts).
 */
export async function judgeAgainst(
  workspace: Workspace,
  associations: readonly AssociationInfo[],
  runner: string,
  receiver: string,
  source: QuerySource,
): Promise<Verdict> {
  const sqlText = sourceText(source);
  if (sqlText.length > MAX_QUERY_CHARACTERS) {
    return {
      associations,
      tables: [],
      error: {
        code: 'query-too-large',
        rule: 'sql',
        message: `the query is longer than ${MAX_QUERY_CHARACTERS} characters`,
        hint: 'shorten long IN lists or OR chains, e.g. with a dimension the owner can group by',
      },
    };
  }
  const converted = await toQuery(workspace, source);
  if (!converted.ok) return { associations, tables: [], error: converted.error };
  const context: QueryContext = { runner, tables: associations.map(toQueryTable) };
  // Custom-rule tables need to know how the query runs: as an approved template or ad hoc.
  const invocation = source.kind === 'template' ? { templateId: source.template.id } : {};
  const validated: Result<AnyValidatedQuery> = validateQuery(converted.value, context, sqlText, invocation);
  // A refused query is logged against the tables it named, so their owners see it.
  const used = validated.ok
    ? new Set(validated.value.aliases.map((a) => a.table.sqlName))
    : referencedTableNames(converted.value);
  const referenced = associations.filter((a) => used.has(a.sqlName));
  const tables = referenced.map((a) => ({
    sqlName: a.sqlName,
    owner: a.member,
    tableId: a.table.id,
    ruleVersion: a.table.version,
  }));
  if (!validated.ok) return { associations, tables, error: validated.error };
  // Result receivers are the intersection of every referenced table's allowed receivers.
  const blocking = referenced.find((a) => a.receivers !== undefined && !a.receivers.includes(receiver));
  if (blocking) {
    return {
      associations,
      tables,
      error: {
        code: 'receiver-not-allowed',
        message: `table '${blocking.sqlName}' does not allow results to go to '${receiver}'`,
        table: blocking.sqlName,
        hint: 'choose another --receiver, or ask the table owner to add this receiver',
      },
    };
  }
  return { associations, tables, validated: validated.value, planned: planQuery(validated.value) };
}


/** SQL -> AST; for a template, also binds the parameter values as typed literals. */
async function toQuery(workspace: Workspace, source: QuerySource): Promise<Result<Query>> {
  if (source.kind === 'sql') {
    const tree = await (await workspace.parser()).serialize(source.text);
    return convertParsed(tree, source.text);
  }
  const parsed = await parseTemplateSql(workspace, sourceText(source));
  if (!parsed.ok) return parsed;
  const declared = source.kind === 'template' ? source.template.parameters : source.parameters;
  return bindParameters(parsed.value, declared, source.values);
}

export function requirePlan(verdict: Verdict): PlannedQuery {
  if (!verdict.planned) throw new Error('Internal error: accepted query without a plan');
  return verdict.planned;
}
