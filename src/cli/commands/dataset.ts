import type { Command } from 'commander';
import type { DatasetRegistration } from '../../collaboration/datasets.ts';
import { withBackend } from '../context.ts';
import { pickFormat, printJson, printRecords, UsageError } from '../output.ts';

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function parseHash(specs: readonly string[]): Record<string, 'sha256'> {
  const out: Record<string, 'sha256'> = {};
  for (const spec of specs) {
    const [column, algorithm] = spec.split('=');
    if (!column || algorithm !== 'sha256') {
      throw new UsageError(`--hash takes <column>=sha256, not '${spec}'`);
    }
    out[column] = 'sha256';
  }
  return out;
}

function printRegistration(member: string, name: string, registered: DatasetRegistration): void {
  process.stdout.write(`registered ${member}/${name} version ${registered.version}: ${registered.rowCount} rows\n`);
  const renamed = Object.entries(registered.mapping).filter(([from, to]) => from !== to);
  if (renamed.length > 0) {
    process.stdout.write('column names normalised:\n');
    for (const [from, to] of renamed) process.stdout.write(`  ${from} -> ${to}\n`);
  }
  process.stdout.write(`columns: ${registered.columns.map((c) => `${c.name} ${c.type}`).join(', ')}\n`);
  if (registered.drift) {
    const d = registered.drift;
    process.stdout.write(
      `schema drift since the previous version: added [${d.added.map((c) => c.name).join(', ')}], removed [${d.removed.map((c) => c.name).join(', ')}], retyped [${d.retyped
        .map((r) => `${r.name} ${r.from}->${r.to}`)
        .join(', ')}]\n`,
    );
  }
}

export function registerDatasetCommands(program: Command): void {
  const dataset = program.command('dataset').description("datasets: a member's registered files and their catalog");
  dataset
    .command('create <member> <dataset> <paths...>')
    .description(
      'register CSV/TSV/Parquet/JSON/NDJSON files or folders (gzip/zstd ok) as a new dataset version\n' +
        'example: cleanroom dataset create brand customers ./customers.csv --normalize email_address --hash email_address=sha256',
    )
    .option('--as <member>', 'acting member (defaults to <member>)')
    .option('--normalize <column>', 'trim and lower-case this column (repeatable)', collect)
    .option('--hash <column=sha256>', 'replace this column by its hex SHA-256 (repeatable)', collect)
    .option('--format <format>', 'table|json')
    .action(
      async (
        member: string,
        name: string,
        paths: string[],
        opts: { as?: string; normalize?: string[]; hash?: string[]; format?: string },
        cmd: Command,
      ) => {
        const hash = parseHash(opts.hash ?? []);
        const registered = await withBackend(cmd, async (b) => {
          const who = await b.actor(opts.as, member);
          return b.datasets.create(who, name, paths, { normalize: opts.normalize ?? [], hash });
        });
        if (pickFormat(opts.format) === 'json') {
          printJson(registered.length === 1 ? registered[0] : registered);
          return;
        }
        for (const one of registered) printRegistration(member, name, one);
      },
    );
  dataset
    .command('show <member> <dataset>')
    .description('schema, versions and (owner only) column statistics')
    .option('--as <member>', 'acting member (defaults to <member>)')
    .option('--format <format>', 'table|json')
    .action(async (member: string, name: string, opts: { as?: string; format?: string }, cmd: Command) => {
      const shown = await withBackend(cmd, async (b) => b.datasets.show(await b.actor(opts.as, member), name));
      if (pickFormat(opts.format) === 'json') {
        printJson(shown);
        return;
      }
      for (const v of shown.versions) {
        process.stdout.write(`${member}/${name} version ${v.version}: ${v.rowCount} rows, ${v.bytes} bytes, ${v.createdAt}\n`);
        printRecords(
          'table',
          v.columns.map((c) => ({ column: c.name, type: c.type, original: c.originalName, ...v.stats[c.name] })),
          ['column', 'type', 'original', 'nullCount', 'min', 'max', 'approxDistinct'],
        );
      }
    });
  dataset
    .command('list <member>')
    .description("a member's datasets")
    .option('--as <member>', 'acting member (defaults to <member>)')
    .option('--format <format>', 'table|json|csv')
    .action(async (member: string, opts: { as?: string; format?: string }, cmd: Command) => {
      const list = await withBackend(cmd, async (b) => b.datasets.list(await b.actor(opts.as, member)));
      printRecords(pickFormat(opts.format), list, ['name', 'versions', 'rows']);
    });
  dataset
    .command('delete <member> <dataset>')
    .description('delete a dataset (or one --version); refused while a configured table uses it')
    .option('--as <member>', 'acting member (defaults to <member>)')
    .option('--version <n>', 'delete only this version')
    .action(async (member: string, name: string, opts: { as?: string; version?: string }, cmd: Command) => {
      const version = opts.version === undefined ? undefined : Number(opts.version);
      if (version !== undefined && !Number.isInteger(version)) throw new UsageError('--version takes a whole number');
      await withBackend(cmd, async (b) => b.datasets.delete(await b.actor(opts.as, member), name, version));
      process.stdout.write(`deleted ${member}/${name}${version === undefined ? '' : ` version ${version}`}\n`);
    });
}
