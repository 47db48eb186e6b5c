import type { Command } from 'commander';
import { defaultHome, Workspace } from '../../collaboration/workspace.ts';
import { runDemo, type DemoReport } from '../demo/run-demo.ts';
import { demoKeys } from '../demo/demo-keys.ts';
import type { GlobalOptions } from '../context.ts';
import { startServer, stopOnSignal } from './serve-start.ts';
import { wholeNumber } from './generate.ts';
import { outcomeJson, printOutcome } from './query.ts';
import { pickFormat, printJson, toTable } from '../output.ts';
import { INSIGHTS_COLLABORATION } from '../demo/demo-insights.ts';
import { formatDiagnostic } from '../diagnostics.ts';

/** Who each demo member is, for the sign-in instructions. */
const DEMO_MEMBERS: readonly { readonly member: string; readonly role: string }[] = [
  { member: 'brand', role: 'the brand: runs the analyses, receives the results, owns customers and conversions' },
  { member: 'platform', role: 'the ad platform: owns impressions, reviews and approves templates' },
  { member: 'platform2', role: 'a second ad platform, for incremental reach' },
];

interface DemoFlags {
  readonly scale: string;
  readonly seed: string;
  readonly format?: string;
  readonly serve?: boolean;
  readonly port: string;
}

/** Runs the demo, then (with --serve) serves the web UI and the API over its workspace until a signal. */
async function demo(flags: DemoFlags, cmd: Command): Promise<void> {
  const scale = wholeNumber('--scale', flags.scale, 1000);
  const seed = wholeNumber('--seed', flags.seed, 0);
  const port = wholeNumber('--port', flags.port, 0);
  const format = pickFormat(flags.format) === 'json' ? 'json' : 'table';
  const workspace = await Workspace.open(defaultHome(cmd.optsWithGlobals<GlobalOptions>().home), flags.serve ? { engineConcurrency: 2 } : {});
  try {
    const report = await runDemo(workspace, scale, seed);
    printReport(report, scale, format);
    if (!flags.serve) return;
    const { keys, file } = await demoKeys(workspace, DEMO_MEMBERS.map((m) => m.member));
    const running = await startServer({
      workspace,
      host: '127.0.0.1',
      port,
      limits: { perMember: 5, running: 2, timeoutMs: 1_800_000 },
      maxUploadBytes: 2 * 1024 ** 3,
      rateLimitPerMinute: 1200,
      logLevel: process.env['CLEANROOM_LOG_LEVEL'] ?? 'warn',
    });
    // Ready for a signal before saying where it is: whoever reads the URL may stop it at once.
    const stopped = stopOnSignal(running, 30_000);
    const url = `${running.address}/`;
    if (format === 'json') {
      printJson({ url, keys, keysFile: file });
    } else {
      process.stdout.write(`\n== The web UI\nurl: ${url}\n\nOpen it and sign in with a member's API key:\n`);
      const width = Math.max(...DEMO_MEMBERS.map((m) => m.member.length));
      for (const m of DEMO_MEMBERS) process.stdout.write(`key ${m.member.padEnd(width)}  ${keys[m.member]}\n    ${' '.repeat(width)}  (${m.role})\n`);
      process.stdout.write(
        `\nThe keys are kept in ${file} and reused by the next \`cleanroom demo --serve\`.\n` +
          `The API is there too (reference: ${running.address}/docs), e.g.\n` +
          `  curl -H "Authorization: Bearer ${keys['brand']}" ${running.address}/v1/me\n` +
          'Ctrl+C stops the server.\n',
      );
    }
    process.stderr.write(`cleanroom serving ${workspace.home} at ${running.address}\n`);
    await stopped;
  } finally {
    await workspace.close();
  }
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'one command, end to end: sample data for a brand and an ad platform, their rules, a collaboration, ' +
        'planning and measurement queries, and one refused query (idempotent); --serve then opens the web UI on it\n' +
        'example: cleanroom demo --scale 100000\n' +
        '         cleanroom demo --scale 100000 --serve   (prints the URL and a key per member)',
    )
    .option('--scale <n>', 'impressions to generate', '1000000')
    .option('--seed <n>', 'data seed', '42')
    .option('--format <format>', 'table|json')
    .option('--serve', 'then serve the web UI and the API over the demo workspace on 127.0.0.1, with an API key for each demo member')
    .option('--port <n>', 'port for --serve (0: any free port)', '7431')
    .action(demo);
}

function printReport(report: DemoReport, scale: number, format: 'json' | 'table'): void {
  if (format === 'json') {
    printJson({
      dataDir: report.dataDir,
      queries: report.queries.map((q) => ({ title: q.title, sql: q.sql, ...outcomeJson(q.outcome) })),
      refused: { sql: report.refused.sql, ...outcomeJson(report.refused.outcome) },
      insights: report.insights.map((r) => ({
        analysis: r.analysis,
        ...outcomeJson(r.outcome),
        ...(r.rows ? { columns: r.rows.columns, rows: r.rows.rows } : {}),
      })),
    });
    return;
  }
  process.stdout.write(`Cleanroom demo: a brand and an ad platform, ${scale} impressions (data in ${report.dataDir})\n`);
  for (const q of report.queries) {
    process.stdout.write(`\n== ${q.title}\n${q.sql}\n`);
    printOutcome(q.outcome, 'table');
  }
  process.stdout.write(`\n== A query the rules refuse\n${report.refused.sql}\n`);
  if (report.refused.outcome.status === 'refused') {
    process.stdout.write(`refused: ${formatDiagnostic(report.refused.outcome.error)}\n`);
  } else {
    printOutcome(report.refused.outcome, 'table');
  }
  process.stdout.write(`\n== The media insights library (collaboration ${INSIGHTS_COLLABORATION}, custom-rule tables)\n`);
  for (const run of report.insights) {
    process.stdout.write(`\n-- ${run.analysis}: ${run.question}\n`);
    if (run.rows) {
      process.stdout.write(toTable(run.rows.columns, run.rows.rows.slice(0, 12)));
      if (run.rows.rows.length > 12) process.stdout.write(`(${run.rows.rows.length} rows; first 12 shown)\n`);
    } else if (run.outcome.status === 'succeeded') {
      process.stdout.write(`delivered to its receiver (query ${run.outcome.id}); the runner sees only the status\n`);
    } else if (run.outcome.status === 'refused' || run.outcome.status === 'failed' || run.outcome.status === 'cancelled') {
      process.stdout.write(`${run.outcome.status}: ${formatDiagnostic(run.outcome.error)}\n`);
    }
  }
}
