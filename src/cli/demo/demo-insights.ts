import { join } from 'node:path';
import { associate, listAssociations } from '../../collaboration/associations.ts';
import { acceptCollaboration, createCollaboration, findCollaboration, memberships } from '../../collaboration/collaborations.ts';
import { createDataset } from '../../collaboration/datasets.ts';
import { CleanroomError } from '../../collaboration/errors.ts';
import { installInsights, runInsight } from '../../collaboration/insights.ts';
import { createMember, listMembers } from '../../collaboration/members.ts';
import type { QueryOutcome } from '../../collaboration/run-query.ts';
import { createTable, listTables } from '../../collaboration/tables.ts';
import { setApproval } from '../../collaboration/template-approvals.ts';
import type { Workspace } from '../../collaboration/workspace.ts';
import type { AnalysisRows } from '../../insights/analysis.ts';
import { ANALYSES } from '../../insights/library.ts';
import { progressBar } from '../progress.ts';

export const INSIGHTS_COLLABORATION = 'media-insights';

/** The tables the library reads, exposed under custom rules (and two under list rules). */
const TABLES = [
  { sqlName: 'customers', owner: 'brand', dataset: 'customers', table: 'customers_custom', role: 'brand' },
  { sqlName: 'conversions', owner: 'brand', dataset: 'conversions', table: 'conversions_custom', role: 'brand' },
  { sqlName: 'impressions', owner: 'platform', dataset: 'impressions', table: 'impressions_custom', role: 'platform1' },
  { sqlName: 'campaign_audience', owner: 'platform', dataset: 'campaign_audience', table: 'audience_custom', role: 'platform1' },
  { sqlName: 'impressions_b', owner: 'platform2', dataset: 'impressions', table: 'impressions_custom', role: 'platform2' },
] as const;

/**
 * Every owner keeps identifiers out of every output; the platforms also require 100
 * distinct people of their tables (impressions, and platform1's campaign audience, which
 * conversion-lift reads) behind each output row. The brand runs and receives, so it sets
 * no minimum of its own.
 */
function customRule(constrained: boolean): unknown {
  return {
    v1: {
      custom: {
        allowedAnalyses: [],
        disallowedOutputColumns: ['email_address'],
        ...(constrained ? { outputConstraints: [{ columnName: 'email_address', minimum: 100, type: 'COUNT_DISTINCT' }] } : {}),
      },
    },
  };
}

export interface InsightRun {
  readonly analysis: string;
  readonly question: string;
  readonly outcome: QueryOutcome;
  readonly rows?: AnalysisRows;
}

/**
 * The second half of the demo: the media insights library over a collaboration whose
 * tables use custom rules. Installs the templates, has every owner approve the ones over
 * its tables, and runs every analysis. Idempotent.
 */
export async function runInsightsDemo(workspace: Workspace, dataDir: string): Promise<InsightRun[]> {
  const { db } = workspace;
  const members = new Set((await listMembers(db)).map((m) => m.name));
  if (!members.has('platform2')) await createMember(db, 'platform2');
  for (const t of TABLES) {
    const datasetExists = await db.selectFrom('datasets').select('id').where('member', '=', t.owner).where('name', '=', t.dataset).executeTakeFirst();
    if (!datasetExists) await createDataset(workspace, t.owner, t.dataset, [join(dataDir, t.role, t.dataset)]);
    if ((await listTables(db, t.owner)).some((x) => x.name === t.table)) continue;
    const registered = await db
      .selectFrom('dataset_versions')
      .innerJoin('datasets', 'datasets.id', 'dataset_versions.dataset_id')
      .select('dataset_versions.columns_json')
      .where('datasets.member', '=', t.owner)
      .where('datasets.name', '=', t.dataset)
      .orderBy('dataset_versions.version', 'desc')
      .executeTakeFirstOrThrow();
    const columns = (JSON.parse(registered.columns_json) as { name: string }[]).map((c) => c.name);
    await createTable(db, t.owner, t.table, t.dataset, columns, customRule(t.owner !== 'brand'));
  }
  const listTablesNeeded = [
    { owner: 'brand', table: 'customers_list', dataset: 'customers', columns: ['email_address', 'status', 'date_created'] },
    { owner: 'platform', table: 'impressions_list', dataset: 'impressions', columns: ['email_address'] },
  ];
  for (const l of listTablesNeeded) {
    if ((await listTables(db, l.owner)).some((x) => x.name === l.table)) continue;
    await createTable(db, l.owner, l.table, l.dataset, undefined, {
      v1: { list: { joinColumns: ['email_address'], listColumns: l.columns, minimumListSize: 100 } },
    });
  }
  await ensureCollaboration(workspace);
  const collaboration = await findCollaboration(db, INSIGHTS_COLLABORATION);
  const associated = new Set((await listAssociations(db, collaboration.id)).map((a) => a.sqlName));
  for (const t of TABLES) {
    if (!associated.has(t.sqlName)) await associate(db, INSIGHTS_COLLABORATION, t.owner, t.table, t.sqlName, undefined);
  }
  for (const l of listTablesNeeded) {
    // The activation list may go only to the platform: the brand must not receive the
    // platform's identifiers of its customers.
    if (!associated.has(l.table)) await associate(db, INSIGHTS_COLLABORATION, l.owner, l.table, l.table, ['platform']);
  }
  const installed = await installInsights(workspace, INSIGHTS_COLLABORATION, 'brand', {});
  for (const template of installed.installed) {
    for (const table of template.tables) {
      const owner = TABLES.find((t) => t.sqlName === table)?.owner;
      if (owner) await setApproval(workspace, INSIGHTS_COLLABORATION, template.name, owner, table, true);
    }
  }
  const runs: InsightRun[] = [];
  const bar = progressBar('analyses');
  for (const [i, analysis] of ANALYSES.entries()) {
    bar.step(analysis.name, i, ANALYSES.length);
    // The activation list goes to the platform: the brand learns only that it was delivered.
    const options =
      analysis.rule === 'list'
        ? { tables: { customers: 'customers_list', impressions: 'impressions_list' }, receiver: 'platform' }
        : {};
    const { outcome, finished } = await runInsight(workspace, analysis.name, INSIGHTS_COLLABORATION, 'brand', {}, options);
    const rows =
      finished ??
      (outcome.status === 'succeeded' && outcome.delivery
        ? { columns: outcome.delivery.columns.map((c) => c.name), rows: outcome.delivery.rows }
        : undefined);
    runs.push({ analysis: analysis.name, question: analysis.question, outcome, ...(rows ? { rows } : {}) });
  }
  bar.stop();
  return runs;
}

async function ensureCollaboration(workspace: Workspace): Promise<void> {
  try {
    await findCollaboration(workspace.db, INSIGHTS_COLLABORATION);
  } catch (e) {
    if (!(e instanceof CleanroomError) || e.kind !== 'not-found') throw e;
    await createCollaboration(
      workspace.db,
      'brand',
      INSIGHTS_COLLABORATION,
      [
        { member: 'brand', query: true, receive: true },
        // The platform receives the activation list (segment-export).
        { member: 'platform', query: false, receive: true },
        { member: 'platform2', query: false, receive: false },
      ],
      true,
    );
  }
  const collaboration = await findCollaboration(workspace.db, INSIGHTS_COLLABORATION);
  for (const m of await memberships(workspace.db, collaboration.id)) {
    if (!m.accepted) await acceptCollaboration(workspace.db, m.member, INSIGHTS_COLLABORATION);
  }
}
