import type { Command } from 'commander';
import { runDemo } from '../demo/run-demo.ts';
import { withWorkspace } from '../context.ts';
import { wholeNumber } from './generate.ts';
import { outcomeJson, printOutcome } from './query.ts';
import { pickFormat, printJson, toTable } from '../output.ts';
import { INSIGHTS_COLLABORATION } from '../demo/demo-insights.ts';
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
    });
}
