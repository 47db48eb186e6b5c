import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { associate, listAssociations } from '../../collaboration/associations.ts';
import { acceptCollaboration, createCollaboration, findCollaboration, memberships } from '../../collaboration/collaborations.ts';
import { createDataset } from '../../collaboration/datasets.ts';
import { CleanroomError } from '../../collaboration/errors.ts';
import { createMember, listMembers } from '../../collaboration/members.ts';
import { runQuery, type QueryOutcome } from '../../collaboration/run-query.ts';
import { createTable, listTables } from '../../collaboration/tables.ts';
import type { Workspace } from '../../collaboration/workspace.ts';
import { generateMediaData } from '../../synthetic/generate.ts';
import { progressBar, status } from '../progress.ts';
import { DEMO_QUERIES, DEMO_REFUSED_QUERY, DEMO_RULES } from './demo-rules.ts';
import { runInsightsDemo, type InsightRun } from './demo-insights.ts';

export const DEMO_COLLABORATION = 'media-demo';
const BRAND = 'brand';
const PLATFORM = 'platform';

type DemoTable = keyof typeof DEMO_RULES;
const OWNERS: Readonly<Record<DemoTable, { member: string; role: string }>> = {
  customers: { member: BRAND, role: 'brand' },
  conversions: { member: BRAND, role: 'brand' },
  impressions: { member: PLATFORM, role: 'platform1' },
  campaign_audience: { member: PLATFORM, role: 'platform1' },
};

export interface DemoReport {
  readonly dataDir: string;
  readonly queries: readonly { readonly title: string; readonly sql: string; readonly outcome: QueryOutcome }[];
  readonly refused: { readonly sql: string; readonly outcome: QueryOutcome };
  /** The media insights library, run over custom-rule tables. */
  readonly insights: readonly InsightRun[];
}

/**
 * The whole flow on one machine, idempotent on an existing workspace: generate data,
 * create the brand and the platform, register and configure their tables, create the
 * collaboration, associate, then run the planning and measurement questions and one
 * query the rules refuse.
 */
export async function runDemo(workspace: Workspace, scale: number, seed = 42): Promise<DemoReport> {
  const dataDir = await ensureData(workspace, scale, seed);
  const members = new Set((await listMembers(workspace.db)).map((m) => m.name));
  for (const member of [BRAND, PLATFORM]) if (!members.has(member)) await createMember(workspace.db, member);

  const bar = progressBar('registering');
  const tables = Object.keys(DEMO_RULES) as DemoTable[];
  for (const [i, table] of tables.entries()) {
    const { member, role } = OWNERS[table];
    bar.step(table, i, tables.length);
    const existing = await listTables(workspace.db, member);
    if (existing.some((t) => t.name === table)) continue;
    const datasetExists = await workspace.db
      .selectFrom('datasets')
      .select('id')
      .where('member', '=', member)
      .where('name', '=', table)
      .executeTakeFirst();
    if (!datasetExists) await createDataset(workspace, member, table, [join(dataDir, role, table)]);
    await createTable(workspace.db, member, table, table, undefined, DEMO_RULES[table]);
  }
  bar.stop();

  await ensureCollaboration(workspace);
  const associated = new Set(
    (await listAssociations(workspace.db, (await findCollaboration(workspace.db, DEMO_COLLABORATION)).id)).map((a) => a.sqlName),
  );
  for (const table of tables) {
    if (!associated.has(table)) await associate(workspace.db, DEMO_COLLABORATION, OWNERS[table].member, table, table, undefined);
  }

  const queries = [];
  const run = progressBar('querying');
  for (const [i, q] of DEMO_QUERIES.entries()) {
    run.step(q.title, i, DEMO_QUERIES.length);
    queries.push({ ...q, outcome: await runQuery(workspace, DEMO_COLLABORATION, BRAND, q.sql) });
  }
  run.stop();
  const refused = { sql: DEMO_REFUSED_QUERY, outcome: await runQuery(workspace, DEMO_COLLABORATION, BRAND, DEMO_REFUSED_QUERY) };
  const insights = await runInsightsDemo(workspace, dataDir);
  return { dataDir, queries, refused, insights };
}

/** Generates the sample data once per (scale, seed); a marker file records what is there. */
async function ensureData(workspace: Workspace, scale: number, seed: number): Promise<string> {
  // Two ad platforms: the second feeds the incremental-reach analysis.
  const dataDir = join(workspace.home, 'demo-data', `scale-${scale}-seed-${seed}-platforms-2`);
  const marker = join(dataDir, 'generated.json');
  if (existsSync(marker)) {
    const recorded = JSON.parse(readFileSync(marker, 'utf8')) as { scale: number; seed: number };
    if (recorded.scale === scale && recorded.seed === seed) return dataDir;
  }
  const bar = progressBar('generating');
  try {
    await generateMediaData({ outDir: dataDir, seed, scale, platforms: 2, onProgress: (s, d, t) => bar.step(s, d, t) });
  } finally {
    bar.stop();
  }
  writeFileSync(marker, JSON.stringify({ scale, seed }));
  return dataDir;
}

async function ensureCollaboration(workspace: Workspace): Promise<void> {
  try {
    await findCollaboration(workspace.db, DEMO_COLLABORATION);
  } catch (e) {
    if (!(e instanceof CleanroomError) || e.kind !== 'not-found') throw e;
    status(`creating collaboration ${DEMO_COLLABORATION}`);
    await createCollaboration(
      workspace.db,
      BRAND,
      DEMO_COLLABORATION,
      [
        { member: BRAND, query: true, receive: true },
        { member: PLATFORM, query: false, receive: false },
      ],
      true,
    );
  }
  const collaboration = await findCollaboration(workspace.db, DEMO_COLLABORATION);
  const platform = (await memberships(workspace.db, collaboration.id)).find((m) => m.member === PLATFORM);
  if (platform && !platform.accepted) await acceptCollaboration(workspace.db, PLATFORM, DEMO_COLLABORATION);
}
