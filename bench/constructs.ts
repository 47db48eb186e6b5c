/**
 * What each construct of the planner's emitted SQL costs: the emitted SQL of every
 * demo query run on plain DuckDB (the bench's harness), next to the same SQL with one
 * construct changed. Every variant must return the emitted SQL's rows.
 *
 *   npx tsx bench/constructs.ts --scale 10000000 --repeat 3
 *
 * Variants (each applies only where the emitted SQL has the construct):
 * - one-distinct: the output constraints' COUNT(DISTINCT c0), COUNT(DISTINCT c1) on the
 *   two sides of an equi-join on email_address are one number, and equal to the
 *   selected COUNT(DISTINCT i.email_address): keep one (DuckDB does not merge them);
 * - inline-cte: `__cr_j` AS NOT MATERIALIZED (DuckDB materialises a CTE used twice);
 * - both of the above.
 */
import { join } from 'node:path';
import { runQuery } from '../src/collaboration/run-query.ts';
import { DEMO_QUERIES } from '../src/cli/demo/demo-rules.ts';
import { parseArgs } from './args.ts';
import { differences } from './compare-rows.ts';
import { runPlain, type PlainOptions } from './plain-duckdb.ts';
import { ensureSetup } from './setup.ts';
import { formatTable, median, ms } from './stats.ts';

type Variant = (sql: string) => string | undefined;

const THRESHOLD = /HAVING \(\(count\(DISTINCT "__cr_j"\."__cr_c0"\) >= 100\) AND \(count\(DISTINCT "__cr_j"\."__cr_c1"\) >= 100\)\)/;
const SELECTED = /count\(DISTINCT "__cr_j"\."__cr_a0"\)/;
const CTE = 'WITH "__cr_j" AS (';

const oneDistinct: Variant = (sql) =>
  THRESHOLD.test(sql) && SELECTED.test(sql) && sql.includes('"i"."email_address" AS "__cr_a0"')
    ? sql.replace(THRESHOLD, 'HAVING (count(DISTINCT "__cr_j"."__cr_a0") >= 100)')
    : undefined;
const inlineCte: Variant = (sql) =>
  sql.split('FROM "__cr_j"').length > 2 ? sql.replace(CTE, 'WITH "__cr_j" AS NOT MATERIALIZED (') : undefined;

const VARIANTS: Readonly<Record<string, Variant>> = {
  emitted: (sql) => sql,
  'one-distinct': oneDistinct,
  'inline-cte': inlineCte,
  both: (sql) => {
    const a = oneDistinct(sql);
    return a === undefined ? undefined : inlineCte(a);
  },
};

const args = parseArgs(process.argv.slice(2));
const setup = await ensureSetup(args);
const plain: PlainOptions = {
  threads: args.threads,
  memoryLimit: args.memoryLimit,
  workDir: join(args.dataDir, 'constructs-tmp'),
  tables: setup.files,
};
const names = Object.keys(VARIANTS);
const rows: string[][] = [];
try {
  for (const [i, query] of DEMO_QUERIES.entries()) {
    const dry = await runQuery(setup.workspace, setup.collaboration, setup.runner, query.sql, { dryRun: true });
    if (dry.status !== 'accepted') throw new Error(`refused: ${query.sql}`);
    const sqls = names.map((n) => VARIANTS[n]?.(dry.sql));
    const times: number[][] = names.map(() => []);
    let reference: Awaited<ReturnType<typeof runPlain>> | undefined;
    for (let round = 0; round <= args.repeat; round += 1) {
      for (const [v, sql] of sqls.entries()) {
        if (sql === undefined) continue;
        const result = await runPlain(sql, plain);
        if (round > 0) times[v]?.push(result.ms);
        reference ??= result;
        const diff = differences(reference, result);
        if (diff !== undefined) throw new Error(`variant ${names[v]} of Q${i + 1} changed the rows: ${diff}`);
      }
    }
    rows.push([`Q${i + 1} ${query.title}`, ...times.map((t) => (t.length === 0 ? '-' : ms(median(t))))]);
  }
} finally {
  await setup.workspace.close();
}
console.log(`\nemitted SQL and variants on plain DuckDB, ${args.scale.toLocaleString('en')} impressions, median ms of ${args.repeat}\n`);
console.log(formatTable(['query', ...names], rows));
