import type { Analysis, AnalysisParameter, AnalysisRows, TableRole } from '../insights/analysis.ts';
import { chooseAnalysis } from '../insights/fallback.ts';
import { ANALYSES, findAnalysis, renderAnalysisSql } from '../insights/library.ts';
import type { ParameterDeclaration } from '../sql/template-params.ts';
import { listAssociations } from './associations.ts';
import { findCollaboration, requireMembership } from './collaborations.ts';
import { conflict, forbidden, invalid, notFound } from './errors.ts';
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
      const fallback = analysis.fallback ? `; \`insights run ${analysis.name}\` runs ${analysis.fallback.analysis} instead` : '';
      skipped.push({ analysis: analysis.name, reason: `${tables}${fallback}` });
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

/** What `insights run` did: the query outcome, the finished rows, and which analysis ran. */
export interface InsightRun {
  readonly outcome: QueryOutcome;
  readonly finished?: AnalysisRows;
  /** The analysis that ran (the fallback's name when the requested one fell back). */
  readonly analysis: string;
  /** Why another analysis ran than the one named (see AnalysisFallback). */
  readonly note?: string;
}

/**
 * Runs one library analysis: its template (custom rule) or, for a list analysis, its
 * parameterised SQL (list rule). Without its template it may fall back (conversion-lift
 * without a holdout). `finish` adds derived statistics (shares, lift intervals) to the
 * privacy-checked rows the runner received.
 */
export async function runInsight(
  workspace: Workspace,
  analysisName: string,
  collaborationName: string,
  runner: string,
  values: Readonly<Record<string, string>>,
  options: RunQueryOptions & { readonly tables?: TableMapping } = {},
): Promise<InsightRun> {
  const requested = findAnalysis(analysisName);
  if (!requested) throw notFound('unknown-analysis', `the library has no analysis '${analysisName}'`, 'see `cleanroom insights list`');
  let outcome: QueryOutcome;
  let analysis: Analysis = requested;
  let note: string | undefined;
  if (requested.rule === 'list') {
    const collaboration = await findCollaboration(workspace.db, collaborationName);
    // Members only, before anything about the collaboration's tables is looked at: an
    // outsider must not learn which table names exist by the error it gets.
    const mine = await requireMembership(workspace.db, collaboration, runner);
    if (!mine.query) throw forbidden(`member '${runner}' does not have the query ability in '${collaborationName}'`);
    const associated = new Set((await listAssociations(workspace.db, collaboration.id)).map((a) => a.sqlName));
    const tables = resolveTables(requested, options.tables ?? {}, associated);
    if (typeof tables === 'string') throw invalid('analysis-tables', `cannot run ${requested.name}: ${tables}`);
    outcome = await runSource(
      workspace,
      collaborationName,
      runner,
      { kind: 'parameterised', text: renderAnalysisSql(requested, tables), parameters: declarations(requested.parameters), values },
      options,
    );
  } else {
    const installed = requested.fallback ? new Set((await listTemplates(workspace, collaborationName, runner)).map((t) => t.name)) : new Set<string>();
    const choice = chooseAnalysis(requested, values, installed);
    const chosen = findAnalysis(choice.analysis);
    if (!chosen) throw new Error(`Internal error: fallback ${choice.analysis} of ${requested.name} is not in the library`);
    analysis = chosen;
    note = choice.note;
    outcome = await runTemplate(workspace, collaborationName, runner, chosen.name, choice.values, options);
  }
  const ran = { analysis: analysis.name, ...(note === undefined ? {} : { note }) };
  if (outcome.status !== 'succeeded' || !outcome.delivery || !analysis.finish) return { outcome, ...ran };
  const rows = { columns: outcome.delivery.columns.map((c) => c.name), rows: outcome.delivery.rows };
  return { outcome, finished: analysis.finish(rows), ...ran };
}
