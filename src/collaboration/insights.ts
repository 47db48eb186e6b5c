import type { Analysis, AnalysisParameter, AnalysisRows, TableRole } from '../insights/analysis.ts';
import { ANALYSES, findAnalysis, renderAnalysisSql } from '../insights/library.ts';
import type { ParameterDeclaration } from '../sql/template-params.ts';
import { listAssociations } from './associations.ts';
import { findCollaboration, requireMembership } from './collaborations.ts';
import { conflict, invalid, notFound } from './errors.ts';
import { runSource, runTemplate, type QueryOutcome, type RunQueryOptions } from './run-query.ts';
import { createTemplate, listTemplates, type TemplateInfo } from './templates.ts';
import type { Workspace } from './workspace.ts';

/** Role -> association name; a role left out defaults to an association of the same name. */
export type TableMapping = Readonly<Partial<Record<TableRole, string>>>;

export interface InstallReport {
  readonly installed: readonly TemplateInfo[];
  /** Already there with the same SQL and parameters (install is idempotent). */
  readonly unchanged: readonly string[];
  /** Not installed, and why (a missing table, or a list analysis, which needs no template). */
  readonly skipped: readonly { readonly analysis: string; readonly reason: string }[];
}

export function declarations(parameters: readonly AnalysisParameter[]): ParameterDeclaration[] {
  return parameters.map(({ description: _description, ...declaration }) => declaration);
}

function resolveTables(analysis: Analysis, mapping: TableMapping, associated: ReadonlySet<string>): Record<string, string> | string {
  const tables: Record<string, string> = {};
  for (const role of analysis.tables) {
    const name = mapping[role] ?? role;
    if (!associated.has(name)) return `no associated table '${name}' for its ${role} role (map one with --tables ${role}=<name>)`;
    tables[role] = name;
  }
  return tables;
}

/**
 * Creates the library's templates over this collaboration's associations, each named
 * after its analysis. Owners then review and approve them like any template.
 */
export async function installInsights(
  workspace: Workspace,
  collaborationName: string,
  actor: string,
  mapping: TableMapping,
  only?: readonly string[],
): Promise<InstallReport> {
  const collaboration = await findCollaboration(workspace.db, collaborationName);
  await requireMembership(workspace.db, collaboration, actor);
  const associated = new Set((await listAssociations(workspace.db, collaboration.id)).map((a) => a.sqlName));
  const existing = await listTemplates(workspace, collaborationName, actor);
  for (const name of only ?? []) if (!findAnalysis(name)) throw notFound('unknown-analysis', `the library has no analysis '${name}'`);
  const installed: TemplateInfo[] = [];
  const unchanged: string[] = [];
  const skipped: { analysis: string; reason: string }[] = [];
  for (const analysis of ANALYSES.filter((a) => only === undefined || only.includes(a.name))) {
    if (analysis.rule === 'list') {
      skipped.push({ analysis: analysis.name, reason: 'a list-rule analysis: it runs without a template (insights run)' });
      continue;
    }
    const tables = resolveTables(analysis, mapping, associated);
    if (typeof tables === 'string') {
      skipped.push({ analysis: analysis.name, reason: tables });
      continue;
    }
    const sql = renderAnalysisSql(analysis, tables);
    const parameters = declarations(analysis.parameters);
    const same = existing.find((t) => t.name === analysis.name);
    if (same) {
      if (same.sql === sql) {
        unchanged.push(analysis.name);
        continue;
      }
      throw conflict('template-exists', `a template named '${analysis.name}' exists with other SQL`, 'templates never change: remove the mapping difference or use another collaboration');
    }
    installed.push(
      await createTemplate(workspace, collaborationName, actor, { name: analysis.name, description: analysis.question, sql, parameters }),
    );
  }
  return { installed, unchanged, skipped };
}

/**
 * Runs one library analysis: its template (custom rule) or, for a list analysis, its
 * parameterised SQL (list rule). `finish` adds derived statistics (shares, lift
 * intervals) to the privacy-checked rows the runner received.
 */
export async function runInsight(
  workspace: Workspace,
  analysisName: string,
  collaborationName: string,
  runner: string,
  values: Readonly<Record<string, string>>,
  options: RunQueryOptions & { readonly tables?: TableMapping } = {},
): Promise<{ readonly outcome: QueryOutcome; readonly finished?: AnalysisRows }> {
  const analysis = findAnalysis(analysisName);
  if (!analysis) throw notFound('unknown-analysis', `the library has no analysis '${analysisName}'`, 'see `cleanroom insights list`');
  let outcome: QueryOutcome;
  if (analysis.rule === 'list') {
    const collaboration = await findCollaboration(workspace.db, collaborationName);
    const associated = new Set((await listAssociations(workspace.db, collaboration.id)).map((a) => a.sqlName));
    const tables = resolveTables(analysis, options.tables ?? {}, associated);
    if (typeof tables === 'string') throw invalid('analysis-tables', `cannot run ${analysis.name}: ${tables}`);
    outcome = await runSource(
      workspace,
      collaborationName,
      runner,
      { kind: 'parameterised', text: renderAnalysisSql(analysis, tables), parameters: declarations(analysis.parameters), values },
      options,
    );
  } else {
    outcome = await runTemplate(workspace, collaborationName, runner, analysis.name, values, options);
  }
  if (outcome.status !== 'succeeded' || !outcome.delivery || !analysis.finish) return { outcome };
  const rows = { columns: outcome.delivery.columns.map((c) => c.name), rows: outcome.delivery.rows };
  return { outcome, finished: analysis.finish(rows) };
}
