import type { Command } from 'commander';
import { withBackend } from '../context.ts';
import { pickFormat, printJson, printRecords, UsageError } from '../output.ts';
import { registerResultsSqlCommands } from './results-sql.ts';

export function registerResultsCommands(program: Command): void {
  const r = program.command('results').description("results in the receiver's store");
  registerResultsSqlCommands(r);
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
  r.command('export <result-id>')
    .description(
      'write a result you received to a file (results are encrypted at rest; this is your plaintext copy)\n' +
        'example: cleanroom results export 3f2a... --as brand --out overlap.csv --format csv',
    )
    .requiredOption('--as <member>', 'acting member (the receiver)')
    .requiredOption('--out <file>', 'the file to write (written whole under a temporary name, then renamed)')
    .option('--format <format>', 'parquet|csv|json (NDJSON); default: as stored')
    .action(async (id: string, opts: { as?: string; out: string; format?: string }, cmd: Command) => {
      const format = opts.format;
      if (format !== undefined && format !== 'parquet' && format !== 'csv' && format !== 'json') {
        throw new UsageError(`--format must be parquet, csv or json, not '${format}'`);
      }
      await withBackend(cmd, async (b) => b.results.export(await b.actor(opts.as), id, opts.out, format));
      process.stdout.write(`wrote result ${id} to ${opts.out}\n`);
    });
  r.command('delete <result-id>')
    .requiredOption('--as <member>', 'acting member (the receiver)')
    .action(async (id: string, opts: { as?: string }, cmd: Command) => {
      await withBackend(cmd, async (b) => b.results.delete(await b.actor(opts.as), id));
      process.stdout.write(`deleted result ${id}\n`);
    });
}
