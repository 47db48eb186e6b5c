/**
 * What a dashboard visual costs (issue 6): each visual of the ready-made "Audience
 * planning" and "Campaign measurement" dashboards computed by `visualData` (the owner's
 * catalog, the visual's SQL converted and validated twice, the result staged and
 * decrypted into a private folder, a sealed DuckDB) against the same SQL on plain DuckDB
 * over the same result exported as Parquet (a fresh instance, a view named `latest`).
 * Rows are compared; a difference is printed.
 *
 *   npx tsx bench/dashboards.ts --scale 200000 --repeat 5     # about a minute on 2 cores
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { exportResult } from '../src/collaboration/results.ts';
import { Workspace } from '../src/collaboration/workspace.ts';
import { runDemo } from '../src/cli/demo/run-demo.ts';
import { resultTables } from '../src/results-sql/catalog.ts';
import { latestOf, visualData } from '../src/results-sql/dashboards/dashboard-data.ts';
import { readyMadeDashboards } from '../src/results-sql/dashboards/ready-made.ts';
import { parseArgs } from './args.ts';
import { runPlain } from './plain-duckdb.ts';
import { formatTable, median, ms, ratio } from './stats.ts';

const args = parseArgs(process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['--scale', '200000']);
const home = join(args.dataDir, 'workspace-dashboards');
mkdirSync(home, { recursive: true });
const workspace = await Workspace.open(home, { threads: args.threads, memoryLimit: args.memoryLimit });
const exports = join(args.dataDir, 'dashboard-exports');
rmSync(exports, { recursive: true, force: true });
mkdirSync(exports, { recursive: true });
try {
  await runDemo(workspace, args.scale, args.seed);
  const made = await readyMadeDashboards(workspace, 'brand');
  const tables = await resultTables(workspace, 'brand');
  const rows: string[][] = [];
  const ratios: number[] = [];
  let totalClean = 0;
  let totalPlain = 0;
  for (const { dashboard } of made) {
    for (const visual of dashboard.spec.visuals) {
      if (visual.source.kind !== 'latest-of-analysis') continue;
      const latest = latestOf(tables, visual.source.analysis);
      if (latest === undefined) continue;
      const file = join(exports, `${latest.id}.${latest.format}`);
      await exportResult(workspace, 'brand', latest.id, file).catch(() => undefined);
      const clean: number[] = [];
      let answer = await visualData(workspace, 'brand', dashboard.spec, visual.id);
      for (let i = 0; i < args.repeat; i++) {
        const t = performance.now();
        answer = await visualData(workspace, 'brand', dashboard.spec, visual.id);
        clean.push(performance.now() - t);
      }
      const inner = visual.source.sql ?? 'SELECT * FROM latest';
      const order = visual.sort === undefined ? '' : ` ORDER BY "${visual.sort.column}" ${visual.sort.direction.toUpperCase()}`;
      const sql = `SELECT * FROM (${inner}) AS v${order} LIMIT ${visual.limit ?? 5000}`;
      const plain: number[] = [];
      let plainRows: readonly (readonly unknown[])[] = [];
      for (let i = 0; i <= args.repeat; i++) {
        const r = await runPlain(sql, { threads: args.threads, memoryLimit: args.memoryLimit, workDir: join(exports, 'work'), tables: { latest: [file] } });
        if (i > 0) plain.push(r.ms);
        plainRows = r.rows;
      }
      const key = (rs: readonly (readonly unknown[])[]): string => JSON.stringify([...rs].map((r) => JSON.stringify(r)).sort());
      const same = key(answer.rows) === key(plainRows);
      const c = median(clean);
      const p = median(plain);
      totalClean += c;
      totalPlain += p;
      ratios.push(c / p);
      rows.push([dashboard.name, visual.id, String(answer.rows.length), ms(c), ms(p), ratio(c / p), same ? 'same' : 'DIFFERENT']);
    }
  }
  console.log(`Dashboard visuals, ${args.scale} impressions, median of ${args.repeat} runs (ms):`);
  console.log(formatTable(['dashboard', 'visual', 'rows', 'clean room', 'plain DuckDB', 'ratio', 'rows'], rows));
  console.log(`median ratio ${ratio(median(ratios))}; whole page one visual after another: ${ms(totalClean)} ms vs ${ms(totalPlain)} ms (${ratio(totalClean / totalPlain)})`);
} finally {
  await workspace.close();
}
