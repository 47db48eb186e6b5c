/**
 * Runtime of every analysis of the media insights library (issue 3) through the clean
 * room, against the same analysis SQL on plain DuckDB over the same Parquet files.
 *
 *   npx tsx bench/insights.ts --scale 10000000 --repeat 3
 *
 * Setup (first run per cache folder, default bench/out/insights-<scale>): `runDemo`,
 * which generates the data with two platforms, runs the demo queries, then installs the
 * library in `media-insights` with the demo's rules (every table: email_address not
 * output; platform tables: COUNT_DISTINCT email_address >= 100) and runs it once.
 *
 * Contenders, one warm-up then --repeat rounds, order alternating:
 * - clean: `runInsight` end to end (template lookup, approvals, binding, validation,
 *   planning, sealed engine, stored result, `finish`);
 * - plain: the analysis SQL with parameters as literals (test-support `bindForTest`) and
 *   the demo's threshold as a HAVING on the hand-named carrier columns, in a fresh
 *   DuckDB (same threads and memory), COPY to Parquet (plain-duckdb.ts), then `finish`.
 * The rows must be equal (order-insensitive, floats to 10 digits, DECIMAL text compared
 * as a number since the clean room may sum money as DOUBLE).
 */
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { findDatasetId, latestVersion } from '../src/collaboration/dataset-records.ts';
import { runInsight } from '../src/collaboration/insights.ts';
import { INSIGHTS_COLLABORATION } from '../src/cli/demo/demo-insights.ts';
import { encodeCell } from '../src/engine/cell-values.ts';
import type { CellValue } from '../src/engine/engine.ts';
import type { Analysis, AnalysisRows } from '../src/insights/analysis.ts';
import { ANALYSES } from '../src/insights/library.ts';
import { PLATFORM_CARRIERS, bindForTest, withThreshold } from '../src/insights/test-support.ts';
import { parseArgs } from './args.ts';
import { differences } from './compare-rows.ts';
import { runPlain } from './plain-duckdb.ts';
import { ensureSetup } from './setup.ts';
import { formatTable, median, ms, ratio } from './stats.ts';

/** The demo's minimum on the platforms' tables (src/cli/demo/demo-insights.ts). */
const MINIMUM = 100;

const argv = process.argv.slice(2);
const first = parseArgs(argv);
const args = argv.some((a) => a === '--data' || a.startsWith('--data='))
  ? first
  : parseArgs([...argv, '--data', `bench/out/insights-${first.scale}`]);

const setup = await ensureSetup(args);
const { workspace } = setup;

/** Parquet files of each role's table, as the clean room reads them. */
async function filesOf(member: string, dataset: string): Promise<string[]> {
  const version = await latestVersion(workspace.db, await findDatasetId(workspace.db, member, dataset));
  const paths: string[] = [];
  for (const key of version.files) {
    const staged = await workspace.store.stage(key);
    if (!staged) throw new Error(`dataset file ${key} of ${member}/${dataset} is missing from the store`);
    paths.push(staged.path);
  }
  return paths;
}
const views: Record<string, readonly string[]> = {
  customers: setup.files.customers,
  conversions: setup.files.conversions,
  impressions: setup.files.impressions,
  campaign_audience: setup.files.campaign_audience,
  impressions_b: await filesOf('platform2', 'impressions'),
};
const roles = Object.fromEntries(Object.keys(views).map((v) => [v, v]));

interface Contender {
  readonly name: 'clean' | 'plain';
  run(): Promise<{ readonly ms: number; readonly rows: AnalysisRows }>;
}

function contenders(analysis: Analysis): Contender[] {
  const list = analysis.rule === 'list';
  // The activation list is delivered to the runner here (the demo sends it to the platform), so rows can be compared.
  const options = list ? { tables: { customers: 'customers_list', impressions: 'impressions_list' } } : {};
  const finish = (rows: AnalysisRows): AnalysisRows => (analysis.finish ? analysis.finish(rows) : rows);
  const plainSql = withThreshold(bindForTest(analysis, roles, {}), PLATFORM_CARRIERS[analysis.name] ?? [], MINIMUM);
  return [
    {
      name: 'clean',
      async run() {
        const started = performance.now();
        const { outcome, finished } = await runInsight(workspace, analysis.name, INSIGHTS_COLLABORATION, 'brand', {}, options);
        const elapsed = performance.now() - started;
        if (outcome.status !== 'succeeded' || !outcome.delivery) throw new Error(`${analysis.name}: ${JSON.stringify(outcome)}`);
        const { delivery } = outcome;
        // The outcome holds a preview; a longer result (the activation list) is read back from its stored file, untimed.
        const rows = delivery.rowCount > delivery.rows.length
          ? await readParquet(delivery.location)
          : { columns: delivery.columns.map((c) => c.name), rows: delivery.rows };
        return { ms: elapsed, rows: finished ?? rows };
      },
    },
    {
      name: 'plain',
      async run() {
        const r = await runPlain(plainSql, {
          threads: args.threads, memoryLimit: args.memoryLimit, workDir: join(args.dataDir, 'plain-work'), tables: views,
        });
        return { ms: r.ms, rows: finish({ columns: r.columns, rows: r.rows }) };
      },
    },
  ];
}

async function readParquet(path: string): Promise<AnalysisRows> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll(`SELECT * FROM read_parquet('${path.replaceAll("'", "''")}')`);
    const types = reader.columnTypes().map(String);
    const rows = reader.getRowsJson().map((row) => row.map((cell, i) => encodeCell(cell, types[i] ?? 'VARCHAR')));
    return { columns: reader.columnNames(), rows };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** DECIMAL cells come back as text; compare them as numbers. */
function numeric(rows: AnalysisRows): AnalysisRows {
  const cell = (v: CellValue): CellValue => (typeof v === 'string' && /^-?\d+\.\d+$/.test(v) ? Number(v) : v);
  return { columns: rows.columns, rows: rows.rows.map((r) => r.map(cell)) };
}

console.log(`insights bench: ${args.scale.toLocaleString('en')} impressions, ${args.repeat} timed rounds after a warm-up, threads ${args.threads}, memory ${args.memoryLimit}`);
const results: { analysis: string; clean: number; plain: number; rows: number }[] = [];
for (const analysis of ANALYSES) {
  const cs = contenders(analysis);
  const times = new Map<string, number[]>(cs.map((c) => [c.name, []]));
  let reference: AnalysisRows | undefined;
  for (let round = 0; round <= args.repeat; round += 1) {
    const order = round % 2 === 0 ? cs : [...cs].reverse();
    for (const c of order) {
      const { ms: elapsed, rows } = await c.run();
      if (round > 0) times.get(c.name)?.push(elapsed);
      if (reference === undefined) reference = numeric(rows);
      else {
        const diff = differences(reference, numeric(rows));
        if (diff !== undefined) throw new Error(`MISMATCH ${analysis.name} (${c.name}): ${diff}`);
      }
    }
  }
  const clean = median(times.get('clean') ?? []);
  const plain = median(times.get('plain') ?? []);
  results.push({ analysis: analysis.name, clean, plain, rows: reference?.rows.length ?? 0 });
  console.log(`  ${analysis.name}: clean ${ms(clean)} ms, plain ${ms(plain)} ms, ratio ${ratio(clean / plain)}, ${reference?.rows.length ?? 0} rows (equal)`);
}

console.log('');
console.log(formatTable(
  ['analysis', 'rows', 'clean ms', 'plain ms', 'clean/plain'],
  results.map((r) => [r.analysis, String(r.rows), ms(r.clean), ms(r.plain), ratio(r.clean / r.plain)]),
));
console.log('');
console.log(`median clean/plain: ${ratio(median(results.map((r) => r.clean / r.plain)))}; `
  + `median clean ${ms(median(results.map((r) => r.clean)))} ms, plain ${ms(median(results.map((r) => r.plain)))} ms`);
await workspace.close();
