/**
 * Difference checks (issue 4): what they cost, as a ratio to the same query without them.
 *
 *   npx tsx bench/difference-checks.ts --scale 10000000 --repeat 3
 *
 * Setup: the demo's workspace (bench/setup.ts, cache folder `bench/out/dc-<scale>`), then
 * a fresh collaboration `dc-bench-<time>` with difference checks on and the demo's
 * tables associated (the demo's aggregation rules).
 *
 * Both contenders run on the sealed engine in process, as query-execution.ts drives it
 * (tables staged from the store, a fresh DuckDB instance per run), for each demo query:
 * - plain: the planner's staged aggregation, delivered to Parquet, with the owner-only
 *   suppression counts;
 * - checked: the checked run of difference-checks.ts (the same staged aggregation of
 *   measures, plus one pass listing each group's keyed user hashes), the exact rows read
 *   into the process, and the async release (store look-up, sticky decision, recording
 *   in one write transaction, HAVING/ORDER BY/outputs in TypeScript).
 * The engine's release callback is still synchronous, so the checked run captures the
 * exact rows and awaits the release after the engine returns: the same work as the hook.
 * `first` is the checked run against an empty store (every set is recorded); `again` the
 * median of the later rounds, which compare each group against the stored sets.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { associate } from '../src/collaboration/associations.ts';
import { acceptCollaboration, createCollaboration, findCollaboration } from '../src/collaboration/collaborations.ts';
import { latestVersion } from '../src/collaboration/dataset-records.ts';
import { prepareDifferenceChecks } from '../src/collaboration/difference-checks.ts';
import { insertQuery } from '../src/collaboration/query-records.ts';
import { judge, type Verdict } from '../src/collaboration/query-verdict.ts';
import type { Workspace } from '../src/collaboration/workspace.ts';
import type { ExactRows, ProtectedRunRequest, TableSource } from '../src/engine/engine.ts';
import { DEMO_QUERIES } from '../src/cli/demo/demo-rules.ts';
import { ROW_ID_COLUMN } from '../src/rules/plan/row-id.ts';
import { duckdbDialect } from '../src/sql/dialect.ts';
import { printQuery } from '../src/sql/print.ts';
import { parseArgs } from './args.ts';
import { ensureSetup } from './setup.ts';
import { formatTable, median, ms, ratio } from './stats.ts';

const argv = process.argv.slice(2);
const first = parseArgs(argv);
const args = argv.some((a) => a === '--data' || a.startsWith('--data=')) ? first : parseArgs([...argv, '--data', `bench/out/dc-${first.scale}`]);
const setup = await ensureSetup(args);
const { workspace } = setup;

const collaboration = `dc-bench-${Date.now().toString(36)}`;
await createCollaboration(workspace.db, 'brand', collaboration, [
  { member: 'brand', query: true, receive: true },
  { member: 'platform', query: false, receive: false },
], false, { differenceChecks: true });
await acceptCollaboration(workspace.db, 'platform', collaboration);
for (const [table, member] of [['customers', 'brand'], ['conversions', 'brand'], ['impressions', 'platform']] as const) {
  await associate(workspace.db, collaboration, member, table, table, undefined);
}
const { id: collaborationId } = await findCollaboration(workspace.db, collaboration);

/** Stages the tables' files and runs one request on the sealed engine, as query-execution.ts does. */
async function onEngine(ws: Workspace, verdict: Verdict, request: Omit<ProtectedRunRequest, 'tables' | 'outputFile' | 'format' | 'workDir' | 'previewRows'>): Promise<number> {
  const staged: { release(): Promise<void> }[] = [];
  const workDir = mkdtempSync(join(ws.tmpDir, 'dc-bench-'));
  try {
    const tables: TableSource[] = [];
    for (const record of verdict.tables) {
      const a = verdict.associations.find((x) => x.sqlName === record.sqlName);
      if (a === undefined) throw new Error('association vanished');
      const files: string[] = [];
      for (const key of (await latestVersion(ws.db, a.table.datasetId)).files) {
        const object = await ws.store.stage(key);
        if (object === undefined) throw new Error(`missing ${key}`);
        staged.push(object);
        files.push(object.path);
      }
      tables.push({ viewName: a.sqlName, files, columns: [ROW_ID_COLUMN, ...a.table.columns.map((c) => c.name)] });
    }
    const outcome = await ws.engine.runProtected({ ...request, tables, outputFile: join(workDir, 'delivery.parquet'), format: 'parquet', workDir, previewRows: 10_000 });
    return outcome.delivered ? outcome.rowCount : 0;
  } finally {
    for (const object of staged) await object.release();
    rmSync(workDir, { recursive: true, force: true });
  }
}

async function plain(sql: string): Promise<number> {
  const verdict = await judge(workspace, collaborationId, 'brand', 'brand', { kind: 'sql', text: sql });
  const planned = verdict.planned?.staged;
  if (verdict.error !== undefined || planned === undefined) throw new Error(`not a staged aggregation: ${sql}`);
  return onEngine(workspace, verdict, {
    sql: printQuery(planned.deliver, duckdbDialect),
    stage: { table: planned.table, sql: printQuery(planned.stage, duckdbDialect) },
    ...(planned.stats === undefined ? {} : { statsSql: printQuery(planned.stats.query, duckdbDialect) }),
  });
}

async function checked(sql: string): Promise<{ rows: number; sticky: number }> {
  const verdict = await judge(workspace, collaborationId, 'brand', 'brand', { kind: 'sql', text: sql });
  const id = crypto.randomUUID();
  await insertQuery(workspace.db, { id, collaboration_id: collaborationId, runner: 'brand', receiver: 'brand', sql_text: sql, template_id: null, parameters_json: null });
  const run = await prepareDifferenceChecks(workspace, id, verdict);
  if (run === undefined) throw new Error(`no checked run for: ${sql}`);
  if ('error' in run) throw new Error(`refused with checks on: ${run.error.message}`);
  let exact: ExactRows | undefined;
  await onEngine(workspace, verdict, {
    sql: run.sql,
    ...(run.stage === undefined ? {} : { stage: run.stage }),
    ...(run.statsSql === undefined ? {} : { statsSql: run.statsSql }),
    release: (rows) => {
      exact = rows;
      return { columns: [], rows: [], output: [{ name: 'x', exact: rows.columns[0]?.name ?? '' }] };
    },
  });
  if (exact === undefined) throw new Error('the engine did not call release');
  const released = await run.release(exact);
  const measures = exact.columns.flatMap((c, i) => (c.name.startsWith('__cr_p') ? [i] : []));
  // Rows whose released value is not their fresh one (a lone measure output shows it).
  const sticky = released.rows.filter((r) => r.values.some((v, j) => {
    const fresh = exact?.rows[r.index]?.[measures[j] ?? -1];
    return v !== null && fresh !== undefined && fresh !== null && Number(v) !== Number(fresh);
  })).length;
  return { rows: released.rows.length, sticky };
}

console.log(`difference checks bench: ${args.scale.toLocaleString('en')} impressions, ${args.repeat} timed rounds after a first run, threads ${args.threads}, memory ${args.memoryLimit}`);
const results: { title: string; rows: number; plain: number; first: number; again: number; sticky: number }[] = [];
for (const q of DEMO_QUERIES) {
  const times = { plain: [] as number[], first: 0, again: [] as number[] };
  let rows = 0;
  let sticky = 0;
  await plain(q.sql); // warm-up: file cache
  for (let round = 0; round <= args.repeat; round += 1) {
    const order = round % 2 === 0 ? ['plain', 'checked'] : ['checked', 'plain'];
    for (const who of order) {
      const started = performance.now();
      if (who === 'plain') {
        rows = await plain(q.sql);
        if (round > 0) times.plain.push(performance.now() - started);
      } else {
        const r = await checked(q.sql);
        const elapsed = performance.now() - started;
        if (r.rows !== rows && round > 0) throw new Error(`${q.title}: ${r.rows} checked rows, ${rows} plain`);
        sticky = Math.max(sticky, r.sticky);
        if (round === 0) times.first = elapsed;
        else times.again.push(elapsed);
      }
    }
  }
  const row = { title: q.title, rows, plain: median(times.plain), first: times.first, again: median(times.again), sticky };
  results.push(row);
  console.log(`  ${q.title}: plain ${ms(row.plain)} ms, checked first ${ms(row.first)} ms, again ${ms(row.again)} ms (${ratio(row.again / row.plain)}x)`);
}
const users = await workspace.db.selectFrom('difference_sets').select((eb) => [eb.fn.countAll<number>().as('sets'), eb.fn.sum<number>('user_count').as('users')])
  .where('collaboration_id', '=', collaborationId).executeTakeFirstOrThrow();
console.log('');
console.log(formatTable(
  ['query', 'rows', 'plain ms', 'checked first ms', 'checked again ms', 'first/plain', 'again/plain', 'sticky rows'],
  results.map((r) => [r.title, String(r.rows), ms(r.plain), ms(r.first), ms(r.again), ratio(r.first / r.plain), ratio(r.again / r.plain), String(r.sticky)]),
));
console.log(`\nmedian again/plain ${ratio(median(results.map((r) => r.again / r.plain)))}; store: ${users.sets} user sets, ${Number(users.users).toLocaleString('en')} hashes (8 bytes each)`);
await workspace.close();
