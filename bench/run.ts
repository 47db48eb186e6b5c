/**
 * The clean room against plain DuckDB on the demo's queries (issue 2, item 13).
 *
 *   npm run bench                                   # 10M impressions, 5 timed runs each
 *   npm run bench -- --scale 200000 --repeat 2      # quick smoke run
 *
 * See bench/README.md for what each contender is and how to read the figures.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runQuery } from '../src/collaboration/run-query.ts';
import { DEMO_QUERIES } from '../src/cli/demo/demo-rules.ts';
import { parseArgs } from './args.ts';
import { differences, type Table } from './compare-rows.ts';
import { benchEncryption, printEncryptionFigures } from './encryption.ts';
import { handWritten } from './hand-written.ts';
import { runPlain, type PlainOptions } from './plain-duckdb.ts';
import { ensureSetup, type BenchSetup } from './setup.ts';
import { timeShellQuery } from './shell-run.ts';
import { formatTable, median, ms, ratio } from './stats.ts';

type Contender = 'clean' | 'emitted' | 'guarded' | 'semi' | 'naive';
const CONTENDERS: readonly Contender[] = ['clean', 'emitted', 'guarded', 'semi', 'naive'];

interface QueryFigures {
  readonly title: string;
  readonly sql: string;
  readonly emittedSql: string;
  readonly rows: number;
  readonly judgeMs: number;
  readonly times: Readonly<Record<Contender, readonly number[]>>;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const setup = await ensureSetup(args);
  try {
    console.log(
      `\nCleanroom bench: ${args.scale.toLocaleString('en')} impressions (${describeRows(setup)}), ` +
        `threads=${args.threads}, memory_limit=${args.memoryLimit}, median of ${args.repeat} after 1 warm-up\n`,
    );
    const plain: PlainOptions = {
      threads: args.threads,
      memoryLimit: args.memoryLimit,
      workDir: join(args.dataDir, 'plain-tmp'),
      tables: setup.files,
    };
    const figures: QueryFigures[] = [];
    for (const query of DEMO_QUERIES) figures.push(await benchQuery(setup, plain, query.title, query.sql, args.repeat));
    printFigures(figures);

    // Encryption at rest on its own: the same queries on an unencrypted twin workspace.
    console.log('\nencryption at rest: the same queries on an unencrypted twin workspace ...');
    const encryption = await benchEncryption(args, setup);
    printEncryptionFigures(encryption);

    const first = DEMO_QUERIES[0];
    if (!first) throw new Error('no demo queries');
    console.log(`\ncleanroom query run from the shell (first demo query, median of ${args.shellRepeat} after 1 warm-up) ...`);
    const shell = timeShellQuery(setup.home, setup.collaboration, setup.runner, first.sql, args.shellRepeat, args);
    const inProcess = median(figures[0]?.times.clean ?? []);
    console.log(
      `  end to end: ${ms(median(shell.ms))} ms  (runs: ${shell.ms.map(ms).join(', ')})\n` +
        `  of which CLI start-up (cleanroom --help): ${ms(median(shell.startupMs))} ms; same query in process: ${ms(inProcess)} ms`,
    );
    if (args.jsonOut) {
      writeFileSync(args.jsonOut, JSON.stringify({ args, rows: setup.rows, setupSeconds: setup.setupSeconds, figures, encryption, shell }, null, 2));
      console.log(`\nfigures written to ${args.jsonOut}`);
    }
  } finally {
    await setup.workspace.close();
  }
}

async function benchQuery(setup: BenchSetup, plain: PlainOptions, title: string, sql: string, repeat: number): Promise<QueryFigures> {
  const forms = handWritten(sql);
  const { workspace, collaboration, runner } = setup;

  const judgeTimes: number[] = [];
  let emittedSql = '';
  for (let i = 0; i < Math.max(3, repeat); i += 1) {
    const started = performance.now();
    const dry = await runQuery(workspace, collaboration, runner, sql, { dryRun: true });
    judgeTimes.push(performance.now() - started);
    if (dry.status !== 'accepted') throw new Error(`the clean room refused a demo query: ${JSON.stringify(dry)}`);
    emittedSql = dry.sql;
  }

  const runners: Record<Contender, () => Promise<{ ms: number; table: Table }>> = {
    clean: async () => {
      const started = performance.now();
      const outcome = await runQuery(workspace, collaboration, runner, sql);
      const elapsed = performance.now() - started;
      if (outcome.status !== 'succeeded' || !outcome.delivery) {
        throw new Error(`clean room run of '${title}' did not succeed: ${JSON.stringify(outcome)}`);
      }
      const { delivery } = outcome;
      if (delivery.rows.length !== delivery.rowCount) throw new Error('preview shorter than the result; raise previewRows');
      return { ms: elapsed, table: { columns: delivery.columns.map((c) => c.name), rows: delivery.rows } };
    },
    emitted: () => plainRun(emittedSql, plain),
    guarded: () => plainRun(forms.guarded, plain),
    semi: () => plainRun(forms.semi, plain),
    naive: () => plainRun(sql, plain),
  };

  const times: Record<Contender, number[]> = { clean: [], emitted: [], guarded: [], semi: [], naive: [] };
  let reference: Table | undefined;
  const firstRound: { contender: Contender; table: Table }[] = [];
  for (let round = 0; round <= repeat; round += 1) {
    // Rotate the order each round so that no contender always runs right after another.
    const order = CONTENDERS.map((_, i) => CONTENDERS[(i + round) % CONTENDERS.length] as Contender);
    for (const contender of order) {
      const { ms: elapsed, table } = await runners[contender]();
      if (round > 0) times[contender].push(elapsed);
      if (contender === 'clean') reference ??= table;
      if (round === 0 && contender !== 'naive') firstRound.push({ contender, table });
    }
    if (round === 0) verify(title, reference, firstRound);
  }
  process.stdout.write(`  measured: ${title}\n`);
  return { title, sql, emittedSql, rows: reference?.rows.length ?? 0, judgeMs: median(judgeTimes), times };
}

/** The hand-written forms and the emitted SQL must return exactly the clean room's rows. */
function verify(title: string, reference: Table | undefined, tables: readonly { contender: Contender; table: Table }[]): void {
  if (!reference) throw new Error('Internal error: no clean-room result to compare with');
  for (const { contender, table } of tables) {
    const diff = differences(reference, table);
    if (diff !== undefined) {
      throw new Error(`MISMATCH in '${title}': the ${contender} SQL does not return the clean room's rows: ${diff}`);
    }
  }
}

async function plainRun(sql: string, options: PlainOptions): Promise<{ ms: number; table: Table }> {
  const result = await runPlain(sql, options);
  return { ms: result.ms, table: { columns: result.columns, rows: result.rows } };
}

function printFigures(figures: readonly QueryFigures[]): void {
  const m = (f: QueryFigures, c: Contender): number => median(f.times[c]);
  const rows = figures.map((f, i) => [
    `Q${i + 1} ${f.title}`,
    String(f.rows),
    ms(m(f, 'clean')),
    ms(f.judgeMs),
    ms(m(f, 'emitted')),
    ms(m(f, 'guarded')),
    ms(m(f, 'semi')),
    ms(m(f, 'naive')),
    ratio(m(f, 'clean') / m(f, 'guarded')),
    ratio(m(f, 'clean') / m(f, 'semi')),
    ratio(m(f, 'clean') / m(f, 'naive')),
  ]);
  console.log(
    '\n' +
      formatTable(
        ['query', 'rows', 'clean ms', 'judge ms', 'emitted ms', 'guarded ms', 'semi ms', 'naive ms', 'clean/guarded', 'clean/semi', 'clean/naive'],
        rows,
      ),
  );
  const medianRatio = (c: Contender): number => median(figures.map((f) => m(f, 'clean') / m(f, c)));
  const vsGuarded = medianRatio('guarded');
  console.log(
    `\nmedian clean/guarded: ${ratio(vsGuarded)} (target <= 1.15: ${vsGuarded <= 1.15 ? 'met' : 'NOT met'})` +
      `\nmedian clean/semi:    ${ratio(medianRatio('semi'))}` +
      `\nmedian clean/naive:   ${ratio(medianRatio('naive'))}` +
      `\nmedian clean/emitted: ${ratio(medianRatio('emitted'))} (pipeline overhead around the same SQL)` +
      `\nmedian emitted/guarded: ${ratio(median(figures.map((f) => m(f, 'emitted') / m(f, 'guarded'))))} (cost of the planner's SQL shape)`,
  );
}

function describeRows(setup: BenchSetup): string {
  return Object.entries(setup.rows)
    .map(([t, n]) => `${t} ${n.toLocaleString('en')}`)
    .join(', ');
}

await main();
