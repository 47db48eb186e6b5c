import type { Command } from 'commander';
import type { TableMapping } from '../../collaboration/insights.ts';
import type { QueryOutcome } from '../../collaboration/run-query.ts';
import type { AnalysisRows, TableRole } from '../../insights/analysis.ts';
import { commaList, withBackend } from '../context.ts';
import { pickFormat, printJson, printRecords, toCsv, toTable, UsageError } from '../output.ts';
import { DP_GROUPS_HELP, DP_ROWS_HELP, describeDp, dpOptions } from './dp-options.ts';
import { deliveryOptions, HASH_HELP, NORMALIZE_HELP, outcomeExitCode, outcomeJson, parameterValues, printOutcome } from './query.ts';

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

const ROLES: readonly TableRole[] = ['customers', 'conversions', 'impressions', 'campaign_audience', 'impressions_b'];

/** `impressions=imp,customers=cust` -> mapping by role. */
export function parseTableMapping(text: string | undefined): TableMapping {
  const mapping: Partial<Record<TableRole, string>> = {};
  for (const pair of commaList(text) ?? []) {
    const [role, name] = pair.split('=');
    if (!role || !name || !ROLES.includes(role as TableRole)) {
      throw new UsageError(`--tables takes role=name pairs with roles ${ROLES.join(', ')}, not '${pair}'`);
    }
    mapping[role as TableRole] = name.toLowerCase();
  }
  return mapping;
}

function printFinished(outcome: QueryOutcome, finished: AnalysisRows | undefined, format: 'table' | 'json' | 'csv'): void {
  if (!finished || outcome.status !== 'succeeded' || !outcome.delivery) {
    printOutcome(outcome, format);
    return;
  }
  if (format === 'json') {
    printJson({ ...outcomeJson(outcome), columns: finished.columns, rows: finished.rows });
    return;
  }
  if (format === 'csv') {
    process.stdout.write(toCsv(finished.columns, finished.rows));
    return;
  }
  process.stdout.write(toTable(finished.columns, finished.rows.slice(0, 50)));
  process.stdout.write(`${outcome.delivery.rowCount} row(s) in ${outcome.durationMs ?? '?'} ms; stored at ${outcome.delivery.location}\n`);
  if (outcome.privacy) process.stdout.write(describeDp(outcome.privacy));
}

export function registerInsightsCommands(program: Command): void {
  const i = program.command('insights').description('the media insights library: planning, activation and measurement analyses');
  i.command('list')
    .description('the analyses, what each answers and the tables it reads')
    .option('--format <format>', 'table|json|csv')
    .action(async (opts: { format?: string }, cmd: Command) => {
      const format = pickFormat(opts.format);
      const analyses = await withBackend(cmd, (b) => b.insights.list());
      printRecords(
        format,
        analyses.map((a) => ({
          name: a.name,
          category: a.category,
          rule: a.rule,
          tables: a.tables.join(','),
          parameters: a.parameters.map((p) => p.name).join(','),
          question: a.question,
        })),
        ['name', 'category', 'rule', 'tables', 'parameters', 'question'],
      );
    });
  i.command('install <collaboration>')
    .description(
      "create the library's templates over your collaboration's tables (owners then approve them)\n" +
        'example: cleanroom insights install media --as brand --tables impressions=imp,conversions=conv',
    )
    .requiredOption('--as <member>', 'acting member (needs the query ability)')
    .option('--tables <role=name,...>', `association names for the roles ${ROLES.join(', ')} (default: same names)`)
    .option('--only <a,b>', 'install only these analyses')
    .option('--format <format>', 'table|json')
    .action(async (name: string, opts: { as?: string; tables?: string; only?: string; format?: string }, cmd: Command) => {
      const tables = parseTableMapping(opts.tables);
      const report = await withBackend(cmd, async (b) => b.insights.install(name, await b.actor(opts.as), tables, commaList(opts.only)));
      if (pickFormat(opts.format) === 'json') {
        printJson(report);
        return;
      }
      for (const t of report.installed) process.stdout.write(`installed ${t.name} (${t.id}) reading ${t.tables.join(', ')}\n`);
      for (const n of report.unchanged) process.stdout.write(`already installed ${n}\n`);
      for (const s of report.skipped) process.stdout.write(`skipped ${s.analysis}: ${s.reason}\n`);
    });
  i.command('run <analysis> <collaboration>')
    .description(
      'run one analysis\nexample: cleanroom insights run attribution media --as brand --param lookback_days=14\n' +
        'conversion-lift without a holdout table runs conversion-lift-exposure (biased) and says so on stderr\n' +
        'activation: cleanroom insights run segment-export media --as brand --receiver platform --normalize email_address --hash email_address=sha256',
    )
    .requiredOption('--as <member>', 'acting member')
    .option('--param <name=value>', 'a parameter value (repeatable)', collect)
    .option('--tables <role=name,...>', 'for list analyses: association names by role')
    .option('--receiver <member>', 'who receives the result')
    .option('--normalize <column>', NORMALIZE_HELP, collect)
    .option('--hash <column=sha256>', HASH_HELP, collect)
    .option('--format <format>', 'table|json|csv')
    .option('--dp-max-groups <n>', DP_GROUPS_HELP)
    .option('--dp-max-rows <n>', DP_ROWS_HELP)
    .action(
      async (
        analysis: string,
        name: string,
        opts: {
          as?: string;
          param?: string[];
          tables?: string;
          receiver?: string;
          normalize?: string[];
          hash?: string[];
          format?: string;
          dpMaxGroups?: string;
          dpMaxRows?: string;
        },
        cmd: Command,
      ) => {
        const format = pickFormat(opts.format);
        const delivery = deliveryOptions(opts.normalize, opts.hash);
        const dp = dpOptions(opts.dpMaxGroups, opts.dpMaxRows);
        const values = parameterValues(opts.param ?? []);
        const tables = parseTableMapping(opts.tables);
        const { outcome, finished, note } = await withBackend(cmd, async (b) =>
          b.insights.run(analysis, name, await b.actor(opts.as), values, {
            ...(opts.receiver ? { receiver: opts.receiver } : {}),
            delivery,
            tables,
            ...(dp !== undefined ? { dp } : {}),
          }),
        );
        // On stderr, so that json and csv on stdout stay exactly the query's output.
        if (note !== undefined) process.stderr.write(`note: ${note}\n`);
        printFinished(outcome, finished, format);
        process.exitCode = outcomeExitCode(outcome);
      },
    );
}
