import type { Command } from 'commander';
import { runDemo } from '../demo/run-demo.ts';
import { withWorkspace } from '../context.ts';
import { wholeNumber } from './generate.ts';
import { outcomeJson, printOutcome } from './query.ts';
import { pickFormat, printJson } from '../output.ts';
import { formatDiagnostic } from '../diagnostics.ts';

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'one command, end to end: sample data for a brand and an ad platform, their rules, a collaboration, ' +
        'planning and measurement queries, and one refused query (idempotent)\nexample: cleanroom demo --scale 100000',
    )
    .option('--scale <n>', 'impressions to generate', '1000000')
    .option('--seed <n>', 'data seed', '42')
    .option('--format <format>', 'table|json')
    .action(async (opts: { scale: string; seed: string; format?: string }, cmd: Command) => {
      const scale = wholeNumber('--scale', opts.scale, 1000);
      const seed = wholeNumber('--seed', opts.seed, 0);
      const format = pickFormat(opts.format) === 'json' ? 'json' : 'table';
      const report = await withWorkspace(cmd, (ws) => runDemo(ws, scale, seed));
      if (format === 'json') {
        printJson({
          dataDir: report.dataDir,
          queries: report.queries.map((q) => ({ title: q.title, sql: q.sql, ...outcomeJson(q.outcome) })),
          refused: { sql: report.refused.sql, ...outcomeJson(report.refused.outcome) },
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
    });
}
