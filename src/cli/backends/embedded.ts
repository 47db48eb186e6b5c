import { exportResultAs } from '../../collaboration/result-access.ts';
import { associate, disassociate } from '../../collaboration/associations.ts';
import { cancelQuery } from '../../collaboration/cancel-query.ts';
import { acceptCollaboration, createCollaboration, enableDifferenceChecks, findCollaboration, listCollaborations } from '../../collaboration/collaborations.ts';
import { createDataset, deleteDataset, listDatasets, showDataset } from '../../collaboration/datasets.ts';
import { describeCollaboration } from '../../collaboration/describe-collaboration.ts';
import { installInsights, runInsight } from '../../collaboration/insights.ts';
import { createMember, listMembers } from '../../collaboration/members.ts';
import { deleteCollaboration, leaveCollaboration } from '../../collaboration/membership-changes.ts';
import { budgetReport, previewForCollaboration } from '../../collaboration/privacy-budget-report.ts';
import { setBudget } from '../../collaboration/privacy-budgets.ts';
import { listOwnQueries, queryLogs } from '../../collaboration/query-logs.ts';
import { withResultIds } from '../../collaboration/query-result-ids.ts';
import { deleteResult, listResults } from '../../collaboration/results.ts';
import { runQuery, runTemplate } from '../../collaboration/run-query.ts';
import { approvalsOf, setApproval } from '../../collaboration/template-approvals.ts';
import { describeTemplate } from '../../collaboration/template-review.ts';
import { createTemplate, findTemplate, listTemplates } from '../../collaboration/templates.ts';
import { refused } from '../../collaboration/errors.ts';
import { ANALYSES } from '../../insights/library.ts';
import { parseParameterSpec } from '../../sql/template-spec.ts';
import { actor } from '../actor.ts';
import type { Backend } from './backend.ts';
import { embeddedTables } from './embedded-tables.ts';
import { embeddedResultsSql } from './results-sql-backend.ts';
import { embeddedDashboards } from './dashboard-backend.ts';
import type { LazyWorkspace } from './lazy-workspace.ts';

/** Today's calls into src/collaboration, on the workspace this process opens. */
export function embeddedBackend(lazy: LazyWorkspace): Backend {
  const ws = () => lazy.get();
  const db = async () => (await lazy.get()).db;
  return {
    mode: 'embedded',
    actor: async (as, named) => actor(as, named),
    members: {
      create: async (name) => createMember(await db(), name),
      list: async () => listMembers(await db()),
    },
    datasets: {
      create: async (member, name, paths, options) => [await createDataset(await ws(), member, name, paths, options)],
      show: async (member, name) => showDataset(await ws(), member, name),
      list: async (member) => listDatasets(await ws(), member),
      delete: async (member, name, version) => deleteDataset(await ws(), member, name, version),
    },
    tables: embeddedTables(ws),
    collaborations: {
      create: async (creator, name, members, queryLogs, differenceChecks) =>
        createCollaboration(await db(), creator, name, members, queryLogs, { differenceChecks }),
      enableDifferenceChecks: async (who, name) => void (await enableDifferenceChecks(await db(), who, name)),
      accept: async (who, name) => acceptCollaboration(await db(), who, name),
      leave: async (who, name) => leaveCollaboration(await db(), who, name),
      delete: async (who, name) => deleteCollaboration(await db(), who, name),
      associate: async (name, who, table, sqlName, receivers) => associate(await db(), name, who, table, sqlName, receivers === undefined ? undefined : [...receivers]),
      disassociate: async (name, who, sqlName) => disassociate(await db(), name, who, sqlName),
      show: async (name, who) => {
        const described = await describeCollaboration(await db(), name, who);
        return { ...described, differenceChecks: (await findCollaboration(await db(), name)).differenceChecks };
      },
      list: async (who) => listCollaborations(await db(), who),
    },
    templates: {
      create: async (collaboration, who, t) => {
        const parameters = t.parameters.map((spec) => {
          const parsed = parseParameterSpec(spec);
          if (!parsed.ok) throw refused(parsed.error);
          return parsed.value;
        });
        return createTemplate(await ws(), collaboration, who, { name: t.name, description: t.description, sql: t.sql, parameters });
      },
      list: async (collaboration, who) => listTemplates(await ws(), collaboration, who),
      show: async (collaboration, who, template) => {
        const found = await findTemplate(await ws(), collaboration, who, template);
        return { ...(await describeTemplate(await ws(), found)), approvals: await approvalsOf(await ws(), collaboration, found) };
      },
      setApproval: async (collaboration, template, who, table, approve) => setApproval(await ws(), collaboration, template, who, table, approve),
    },
    queries: {
      run: async (collaboration, who, source, options) => {
        const runOptions = {
          ...(options.receiver ? { receiver: options.receiver } : {}),
          delivery: options.delivery,
          format: options.format,
          dryRun: options.dryRun,
          ...(options.signal ? { signal: options.signal } : {}),
          ...(options.dp !== undefined ? { dp: options.dp } : {}),
        };
        return 'template' in source
          ? runTemplate(await ws(), collaboration, who, source.template, source.values, runOptions)
          : runQuery(await ws(), collaboration, who, source.sql, runOptions);
      },
      cancel: async (collaboration, who, id) => cancelQuery(await db(), collaboration, who, id),
      // With each received result's id, as the server's lists give it.
      listOwn: async (collaboration, who) => withResultIds(await db(), who, await listOwnQueries(await db(), collaboration, who)),
      logs: async (collaboration, who) => withResultIds(await db(), who, await queryLogs(await db(), collaboration, who)),
    },
    results: {
      list: async (who) => listResults(await ws(), who),
      delete: async (who, id) => deleteResult(await ws(), who, id),
      export: async (who, id, destination, format) => exportResultAs(await ws(), who, id, destination, format),
    },
    resultsSql: embeddedResultsSql(ws),
    dashboards: embeddedDashboards(ws),
    insights: {
      list: async () =>
        ANALYSES.map((a) => ({ name: a.name, category: a.category, rule: a.rule, tables: a.tables, parameters: a.parameters, question: a.question })),
      install: async (collaboration, who, tables, only) => installInsights(await ws(), collaboration, who, tables, only === undefined ? undefined : [...only]),
      run: async (analysis, collaboration, who, values, options) => {
        const run = await runInsight(await ws(), analysis, collaboration, who, values, {
          ...(options.receiver ? { receiver: options.receiver } : {}),
          delivery: options.delivery,
          tables: options.tables,
          ...(options.dp !== undefined ? { dp: options.dp } : {}),
        });
        return { outcome: run.outcome, ...(run.finished ? { finished: run.finished } : {}), ...(run.note !== undefined ? { note: run.note } : {}) };
      },
    },
    privacy: {
      setBudget: async (who, table, settings) => setBudget(await ws(), who, table, settings),
      report: async (collaboration, who) => budgetReport(await ws(), collaboration, who),
      preview: async (collaboration, who, settings) => previewForCollaboration(await ws(), collaboration, who, settings),
    },
  };
}
