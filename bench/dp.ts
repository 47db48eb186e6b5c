/**
 * Differentially private queries (issue 4) against the same SQL, exact, on plain DuckDB.
 *
 *   npx tsx bench/dp.ts --scale 10000000 --repeat 3
 *
 * Setup: the demo's workspace (bench/setup.ts); then, per run, a fresh collaboration
 * `dp-bench-<time>` where the platform's impressions are configured again with a custom
 * rule declaring differentialPrivacy on email_address (budget epsilon 20, 10 users of
 * noise) and the brand's customers and conversions with ANY_QUERY for the brand.
 *
 * Contenders, one warm-up then --repeat rounds, order alternating:
 * - dp: `runQuery` end to end (validation, budget reservation and settlement, the DP
 *   rewrite with contribution bounding and keyed-hash group choice, the sealed engine,
 *   noise and partition selection in the process, the stored result);
 * - plain: the query as written on plain DuckDB over the same files (exact, no bounds),
 *   COPY to Parquet (plain-duckdb.ts).
 * Rows are not compared (noise); the released keys are checked to be a subset of the exact ones.
 * Each run filters on a different always-true condition (`{nonce}`), since an identical DP
 * query would return its stored answer without running.
 */
import { join } from 'node:path';
import { associate } from '../src/collaboration/associations.ts';
import { acceptCollaboration, createCollaboration } from '../src/collaboration/collaborations.ts';
import { findDatasetId, latestVersion } from '../src/collaboration/dataset-records.ts';
import { setBudget } from '../src/collaboration/privacy-budgets.ts';
import { runQuery } from '../src/collaboration/run-query.ts';
import { createTable } from '../src/collaboration/tables.ts';
import { parseArgs } from './args.ts';
import { runPlain } from './plain-duckdb.ts';
import { ensureSetup } from './setup.ts';
import { formatTable, median, ms, ratio } from './stats.ts';

const argv = process.argv.slice(2);
const first = parseArgs(argv);
const args = argv.some((a) => a === '--data' || a.startsWith('--data=')) ? first : parseArgs([...argv, '--data', `bench/out/dp-${first.scale}`]);
const setup = await ensureSetup(args);
const { workspace } = setup;

const stamp = Date.now().toString(36);
const collaboration = `dp-bench-${stamp}`;
const columnsOf = async (member: string, dataset: string): Promise<string[]> => {
  const version = await latestVersion(workspace.db, await findDatasetId(workspace.db, member, dataset));
  return version.columns.map((c) => c.name);
};
const custom = (dp: boolean): unknown => ({
  v1: {
    custom: {
      allowedAnalyses: ['ANY_QUERY'],
      allowedAnalysisProviders: ['brand'],
      disallowedOutputColumns: ['email_address'],
      ...(dp ? { differentialPrivacy: { columns: [{ name: 'email_address' }] } } : {}),
    },
  },
});
const names = { impressions: `imp_dp_${stamp}`, customers: `cust_${stamp}`, conversions: `conv_${stamp}` };
await createTable(workspace.db, 'platform', names.impressions, 'impressions', await columnsOf('platform', 'impressions'), custom(true));
await createTable(workspace.db, 'brand', names.customers, 'customers', await columnsOf('brand', 'customers'), custom(false));
await createTable(workspace.db, 'brand', names.conversions, 'conversions', await columnsOf('brand', 'conversions'), custom(false));
await setBudget(workspace, 'platform', names.impressions, { epsilon: 20, delta: 1e-6, usersNoisePerQuery: 10, refresh: 'none' });
await createCollaboration(workspace.db, 'brand', collaboration, [
  { member: 'brand', query: true, receive: true },
  { member: 'platform', query: false, receive: false },
], false);
await acceptCollaboration(workspace.db, 'platform', collaboration);
await associate(workspace.db, collaboration, 'platform', names.impressions, 'impressions', undefined);
await associate(workspace.db, collaboration, 'brand', names.customers, 'customers', undefined);
await associate(workspace.db, collaboration, 'brand', names.conversions, 'conversions', undefined);

const QUERIES: readonly { readonly name: string; readonly sql: string; readonly dp: { maxGroupsPerUser: number; maxRowsPerGroup: number } }[] = [
  {
    name: 'reach + impressions by campaign (customers)',
    sql: `SELECT i.campaign_id, COUNT(DISTINCT i.email_address) AS reach, COUNT(*) AS impressions
          FROM impressions i JOIN customers c ON c.email_address = i.email_address WHERE {nonce} GROUP BY i.campaign_id`,
    dp: { maxGroupsPerUser: 5, maxRowsPerGroup: 20 },
  },
  {
    name: 'revenue of exposed converters by creative',
    sql: `SELECT i.creative_id, SUM(LEAST(GREATEST(v.price, 0), 100)) AS revenue, AVG(LEAST(GREATEST(v.price, 0), 100)) AS avg_price
          FROM impressions i JOIN conversions v ON v.email_address = i.email_address WHERE {nonce} GROUP BY i.creative_id`,
    dp: { maxGroupsPerUser: 4, maxRowsPerGroup: 10 },
  },
  {
    name: 'total reach',
    sql: 'SELECT COUNT(DISTINCT i.email_address) AS reach FROM impressions i WHERE {nonce}',
    dp: { maxGroupsPerUser: 1, maxRowsPerGroup: 1 },
  },
];

const tables = { impressions: setup.files.impressions, customers: setup.files.customers, conversions: setup.files.conversions };
console.log(`dp bench: ${args.scale.toLocaleString('en')} impressions, ${args.repeat} timed rounds after a warm-up, threads ${args.threads}, memory ${args.memoryLimit}`);
const results: { name: string; dp: number; plain: number; released: number; exact: number }[] = [];
for (const q of QUERIES) {
  const times = { dp: [] as number[], plain: [] as number[] };
  let released = 0;
  let exact = 0;
  for (let round = 0; round <= args.repeat; round += 1) {
    const order: ('dp' | 'plain')[] = round % 2 === 0 ? ['dp', 'plain'] : ['plain', 'dp'];
    const sql = q.sql.replace('{nonce}', `i.campaign_id <> 'nonce-${stamp}-${round}'`);
    for (const who of order) {
      if (who === 'dp') {
        const started = performance.now();
        const o = await runQuery(workspace, collaboration, 'brand', sql, { dp: q.dp });
        const elapsed = performance.now() - started;
        if (o.status !== 'succeeded' || !o.delivery) throw new Error(`${q.name}: ${JSON.stringify(o)}`);
        released = o.delivery.rowCount;
        if (round > 0) times.dp.push(elapsed);
      } else {
        const r = await runPlain(sql, { threads: args.threads, memoryLimit: args.memoryLimit, workDir: join(args.dataDir, 'plain-work'), tables });
        exact = r.rows.length;
        if (round > 0) times.plain.push(r.ms);
      }
    }
  }
  if (released > exact) throw new Error(`${q.name}: released ${released} groups of ${exact}`);
  const row = { name: q.name, dp: median(times.dp), plain: median(times.plain), released, exact };
  results.push(row);
  console.log(`  ${q.name}: dp ${ms(row.dp)} ms, plain ${ms(row.plain)} ms, ratio ${ratio(row.dp / row.plain)}, ${released}/${exact} groups released`);
}
console.log('');
console.log(formatTable(['query', 'groups released/exact', 'dp ms', 'plain ms', 'dp/plain'], results.map((r) => [r.name, `${r.released}/${r.exact}`, ms(r.dp), ms(r.plain), ratio(r.dp / r.plain)])));
console.log(`\nmedian dp/plain: ${ratio(median(results.map((r) => r.dp / r.plain)))}`);
await workspace.close();
