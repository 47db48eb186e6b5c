import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { withBackend } from '../context.ts';
import { pickFormat, printJson, printRecords, toCsv, toTable, UsageError } from '../output.ts';

function filtersFrom(pairs: readonly string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq < 1) throw new UsageError(`--filter takes <filter-id>=<value>, not '${pair}'`);
    (out[pair.slice(0, eq)] ??= []).push(pair.slice(eq + 1));
  }
  return out;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/**
 * `cleanroom dashboard ...`: dashboards over your results (docs/dashboards.md).
 *
 * @example
 *   cleanroom dashboard create --as brand --file q3.json
 *   cleanroom dashboard share q3 --as brand --with agency --collaboration media
 *   cleanroom dashboard data q3 reach --as brand --filter campaign=c1
 */
export function registerDashboardCommands(program: Command): void {
  const d = program.command('dashboard').description('dashboards over your results: create, share read-only, read their data (docs/dashboards.md)');

  d.command('create')
    .description('create a dashboard from a JSON document\nexample: cleanroom dashboard create --as brand --file q3.json')
    .requiredOption('--as <member>', 'acting member (the owner)')
    .requiredOption('--file <file>', 'the dashboard document (JSON)')
    .option('--replace', 'overwrite your dashboard of the same name')
    .action(async (opts: { as?: string; file: string; replace?: boolean }, cmd: Command) => {
      let document: unknown;
      try {
        document = JSON.parse(await readFile(opts.file, 'utf8'));
      } catch (e) {
        throw new UsageError(`${opts.file}: not a JSON document (${e instanceof Error ? e.message : String(e)})`);
      }
      printJson(await withBackend(cmd, async (b) => b.dashboards.create(await b.actor(opts.as), document, opts.replace === true)));
    });

  d.command('list')
    .description('your dashboards and those shared with you')
    .requiredOption('--as <member>', 'acting member')
    .option('--format <format>', 'table|json|csv')
    .action(async (opts: { as?: string; format?: string }, cmd: Command) => {
      const format = pickFormat(opts.format);
      const list = await withBackend(cmd, async (b) => b.dashboards.list(await b.actor(opts.as)));
      if (format === 'json') return printJson(list);
      const records = [
        ...list.owned.map((x) => ({ ...x, access: 'owner', sharedIn: '' })),
        ...list.shared.map((x) => ({ ...x, access: 'shared' })),
      ];
      printRecords(format, records, ['id', 'name', 'title', 'owner', 'access', 'sharedIn', 'visuals', 'updatedAt']);
    });

  d.command('show <dashboard>')
    .description('one dashboard (yours by id or name, shared with you by id) as JSON')
    .requiredOption('--as <member>', 'acting member')
    .action(async (ref: string, opts: { as?: string }, cmd: Command) => {
      printJson(await withBackend(cmd, async (b) => b.dashboards.show(await b.actor(opts.as), ref)));
    });

  d.command('delete <dashboard>')
    .description('delete one of your dashboards')
    .requiredOption('--as <member>', 'acting member')
    .action(async (ref: string, opts: { as?: string }, cmd: Command) => {
      printJson(await withBackend(cmd, async (b) => b.dashboards.delete(await b.actor(opts.as), ref)));
    });

  d.command('share <dashboard>')
    .description('share read-only with a member of a collaboration that may receive every result it draws on\nexample: cleanroom dashboard share q3 --as brand --with agency --collaboration media')
    .requiredOption('--as <member>', 'acting member (the owner)')
    .requiredOption('--with <member>', 'the member to share with')
    .requiredOption('--collaboration <name>', 'the collaboration the results come from')
    .action(async (ref: string, opts: { as?: string; with: string; collaboration: string }, cmd: Command) => {
      printJson(await withBackend(cmd, async (b) => b.dashboards.share(await b.actor(opts.as), ref, opts.with, opts.collaboration)));
    });

  d.command('unshare <dashboard>')
    .description('stop sharing a dashboard with a member')
    .requiredOption('--as <member>', 'acting member (the owner)')
    .requiredOption('--with <member>', 'the member')
    .action(async (ref: string, opts: { as?: string; with: string }, cmd: Command) => {
      printJson(await withBackend(cmd, async (b) => b.dashboards.unshare(await b.actor(opts.as), ref, opts.with)));
    });

  d.command('data <dashboard> <visual>')
    .description("one visual's rows, with the dashboard's filters or --filter values\nexample: cleanroom dashboard data q3 reach --as brand --filter campaign=c1 --filter campaign=c3")
    .requiredOption('--as <member>', 'acting member')
    .option('--filter <id=value>', 'a filter value (repeat for several)', collect, [])
    .option('--format <format>', 'table|json|csv')
    .action(async (ref: string, visual: string, opts: { as?: string; filter: string[]; format?: string }, cmd: Command) => {
      const format = pickFormat(opts.format);
      const filters = filtersFrom(opts.filter);
      const data = await withBackend(cmd, async (b) => b.dashboards.data(await b.actor(opts.as), ref, visual, filters));
      if (format === 'json') return printJson(data);
      const columns = data.columns.map((c) => c.name);
      process.stdout.write(format === 'csv' ? toCsv(columns, data.rows) : toTable(columns, data.rows));
      if (data.truncated) process.stderr.write('more rows than the visual shows were left out\n');
    });

  d.command('export <dashboard>')
    .description("every visual's rows as CSV, one file per visual (<visual>.csv) in a folder\nexample: cleanroom dashboard export q3 --as brand --out q3-data/")
    .requiredOption('--as <member>', 'acting member')
    .requiredOption('--out <dir>', 'the folder to write')
    .action(async (ref: string, opts: { as?: string; out: string }, cmd: Command) => {
      const written = await withBackend(cmd, async (b) => {
        const who = await b.actor(opts.as);
        const dashboard = await b.dashboards.show(who, ref);
        await mkdir(opts.out, { recursive: true });
        const files: string[] = [];
        for (const v of dashboard.spec.visuals) {
          const file = join(opts.out, `${v.id}.csv`);
          await writeFile(file, await b.dashboards.csv(who, dashboard.id, v.id));
          files.push(file);
        }
        return files;
      });
      printJson({ written });
    });

  d.command('ready-made')
    .description('create or refresh the ready-made dashboards (audience-planning, campaign-measurement) from your newest analysis results\nexample: cleanroom dashboard ready-made --as brand')
    .requiredOption('--as <member>', 'acting member')
    .option('--only <name>', 'only this one (repeat for several)', collect, [])
    .action(async (opts: { as?: string; only: string[] }, cmd: Command) => {
      const made = await withBackend(cmd, async (b) => b.dashboards.readyMade(await b.actor(opts.as), opts.only.length > 0 ? opts.only : undefined));
      printJson(made.map((m) => ({ id: m.dashboard.id, name: m.dashboard.name, visuals: m.dashboard.visuals, missing: m.missing })));
    });
}
