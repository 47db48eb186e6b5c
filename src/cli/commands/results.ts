import type { Command } from 'commander';
import { withBackend } from '../context.ts';
import { pickFormat, printJson, printRecords } from '../output.ts';

export function registerResultsCommands(program: Command): void {
  const r = program.command('results').description("results in the receiver's store");
  r.command('list')
    .requiredOption('--as <member>', 'acting member')
    .option('--format <format>', 'table|json|csv')
    .action(async (opts: { as?: string; format?: string }, cmd: Command) => {
      const results = await withBackend(cmd, async (b) => b.results.list(await b.actor(opts.as)));
      const format = pickFormat(opts.format);
      if (format === 'json') printJson(results);
      else {
        printRecords(
          format,
          results.map((x) => ({ ...x, columns: x.columns.map((c) => c.name).join(',') })),
          ['id', 'queryId', 'createdAt', 'rowCount', 'format', 'columns', 'location'],
        );
      }
    });
  r.command('delete <result-id>')
    .requiredOption('--as <member>', 'acting member (the receiver)')
    .action(async (id: string, opts: { as?: string }, cmd: Command) => {
      await withBackend(cmd, async (b) => b.results.delete(await b.actor(opts.as), id));
      process.stdout.write(`deleted result ${id}\n`);
    });
}
