import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { CleanroomError } from '../../collaboration/errors.ts';
import { previewBudget, type BudgetReport, type LedgerEntry, type MemberTableBudget, type OwnedTableBudget } from '../../collaboration/privacy-budget-report.ts';
import {
  AGGREGATE_KINDS,
  epsilonUnit,
  fromCloudParameters,
  validateBudgetSettings,
  type AggregateKind,
  type BudgetSettings,
  type BudgetSettingsInput,
} from '../../privacy/budget.ts';
import { withBackend } from '../context.ts';
import { pickFormat, printJson, toTable, UsageError } from '../output.ts';

type Format = 'table' | 'json';

/** These reports are nested (settings, ledger): JSON or text, not CSV. */
function format(flag: string | undefined): Format {
  const f = pickFormat(flag);
  if (f === 'csv') throw new UsageError('--format must be table or json for privacy commands');
  return f;
}

/** Settings from flags; a value out of range is the diagnostic naming the field (exit 1). */
function settingsFrom(input: BudgetSettingsInput): BudgetSettings {
  const checked = validateBudgetSettings(input);
  if (!checked.ok) throw new CleanroomError('invalid', checked.error);
  return checked.value;
}

/** `--from-cloud <file>` (the cloud service's parameters, imported as they are) or the flags. */
function settingsOrCloud(opts: SettingsFlags & { fromCloud?: string }): BudgetSettings {
  if (opts.fromCloud === undefined) {
    if (opts.epsilon === undefined) throw new UsageError('give --epsilon (or --from-cloud <file>)');
    return settingsFrom(inputFrom(opts));
  }
  if (opts.epsilon !== undefined || opts.delta !== undefined || opts.usersNoise !== undefined || opts.refresh !== undefined) {
    throw new UsageError('--from-cloud takes the whole budget from the file: leave out --epsilon, --delta, --users-noise and --refresh');
  }
  let document: unknown;
  try {
    document = JSON.parse(readFileSync(opts.fromCloud, 'utf8'));
  } catch (e) {
    throw new UsageError(`cannot read ${opts.fromCloud} as JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  const imported = fromCloudParameters(document);
  if (!imported.ok) throw new CleanroomError('invalid', imported.error);
  return imported.value;
}

function num(x: number): string {
  return Number(x.toPrecision(4)).toString();
}

function describeSettings(s: BudgetSettings): string {
  return `epsilon ${s.epsilon}, delta ${s.delta}, ${s.usersNoisePerQuery} users of noise per query, refresh ${s.refresh}`;
}

function kindsTable(queries: Record<AggregateKind, number>): string {
  return toTable(['kind', 'queries'], AGGREGATE_KINDS.map((k) => [k, queries[k]]));
}

const QUERY_SHAPE = 'queries of one aggregate with private group keys (GROUP BY)';

function ledgerTable(entries: readonly LedgerEntry[]): string {
  if (entries.length === 0) return 'ledger: no queries yet\n';
  return `ledger (every collaboration):\n${toTable(
    ['query', 'collaboration', 'runner', 'epsilon', 'delta', 'status', 'aggregates', 'when'],
    entries.map((e) => [
      e.queryId,
      e.collaboration ?? '',
      e.runner,
      Number(e.epsilon.toPrecision(4)),
      Number(e.delta.toPrecision(3)),
      e.status,
      [...e.kinds, ...(e.partitionSelection ? ['partition selection'] : [])].join(' + '),
      e.createdAt,
    ]),
  )}`;
}

function ownedText(t: OwnedTableBudget): string {
  const head = `table ${t.table} (yours: ${t.configuredTable})`;
  if (!t.settings) {
    return `${head}: no budget set, so it cannot be queried; set one with: cleanroom privacy set-budget ${t.configuredTable} --as <you> --epsilon <E>\n`;
  }
  return (
    `${head}: ${describeSettings(t.settings)}\n` +
    `period ${t.period ?? 'all'}: spent epsilon ${num(t.spentEpsilon)}, delta ${num(t.spentDelta)}; remaining epsilon ${num(t.remainingEpsilon)}\n` +
    `${QUERY_SHAPE} still allowed:\n${kindsTable(t.queriesRemaining)}${ledgerTable(t.ledger)}`
  );
}

function othersText(tables: readonly MemberTableBudget[]): string {
  if (tables.length === 0) return '';
  const rows = tables.map((t) => [t.table + (t.budgetSet ? '' : ' (no budget set)'), ...AGGREGATE_KINDS.map((k) => t.queriesRemaining[k])]);
  return `${QUERY_SHAPE} you may still run:\n${toTable(['table', ...AGGREGATE_KINDS], rows)}`;
}

function reportText(report: BudgetReport): string {
  if (report.tables.length === 0) return `collaboration ${report.collaboration} has no differentially private tables\n`;
  const owned = report.tables.filter((t): t is OwnedTableBudget => t.view === 'owner');
  const others = report.tables.filter((t): t is MemberTableBudget => t.view === 'member');
  return [...owned.map(ownedText), othersText(others)].filter((s) => s !== '').join('\n');
}

interface SettingsFlags {
  epsilon?: string;
  delta?: string;
  usersNoise?: string;
  refresh?: string;
}

function inputFrom(opts: SettingsFlags): BudgetSettingsInput {
  return {
    ...(opts.epsilon !== undefined ? { epsilon: opts.epsilon } : {}),
    ...(opts.delta !== undefined ? { delta: opts.delta } : {}),
    ...(opts.usersNoise !== undefined ? { usersNoisePerQuery: opts.usersNoise } : {}),
    ...(opts.refresh !== undefined ? { refresh: opts.refresh } : {}),
  };
}

export function registerPrivacyCommands(program: Command): void {
  const privacy = program
    .command('privacy')
    .description('differential privacy: budgets of DP tables, what is left, what a budget would allow (docs/privacy.md)');
  privacy
    .command('set-budget <table>')
    .description(
      'set or change the privacy budget of your configured table; it is shared by every collaboration\n' +
        'the table is in, and changing it never resets what was already spent\n' +
        'example: cleanroom privacy set-budget impressions --as platform --epsilon 3\n' +
        'example: cleanroom privacy set-budget impressions --as platform --epsilon 1 --users-noise 50 --refresh monthly\n' +
        'example: cleanroom privacy set-budget impressions --as platform --from-cloud budget.json   (the cloud service\'s parameters)',
    )
    .requiredOption('--as <owner>', 'the owner of the table')
    .option('--epsilon <E>', 'total epsilon per period, 0.01 to 20 (smaller is more private)')
    .option('--from-cloud <file>', 'the cloud service\'s privacy budget parameters as JSON ({"epsilon": E, "usersNoisePerQuery": N} or its template shape) instead of the flags')
    .option('--delta <D>', 'total delta per period, above 0 and at most 1e-3 (default 1e-6)')
    .option('--users-noise <N>', '95% error of one distinct-user count, in users, 10 to 100 (default 30)')
    .option('--refresh <none|monthly>', 'none (default) or monthly: a monthly budget leaks more over time')
    .option('--format <format>', 'table|json')
    .action(async (table: string, opts: SettingsFlags & { as?: string; format?: string; fromCloud?: string }, cmd: Command) => {
      const f = format(opts.format);
      const settings = settingsOrCloud(opts);
      const outcome = await withBackend(cmd, async (b) => b.privacy.setBudget(await b.actor(opts.as), table, settings));
      const queries = previewBudget(outcome.settings);
      const unit = epsilonUnit(outcome.settings.usersNoisePerQuery);
      if (f === 'json') {
        printJson({ owner: outcome.owner, table: outcome.table, settings: outcome.settings, unit, queries, warnings: outcome.warnings });
        return;
      }
      process.stdout.write(
        `set the privacy budget of ${outcome.owner}/${outcome.table}: ${describeSettings(outcome.settings)}\n` +
          `one unit is epsilon ${num(unit)}; ${QUERY_SHAPE} a fresh budget allows:\n${kindsTable(queries)}` +
          outcome.warnings.map((w) => `warning: ${w}\n`).join(''),
      );
    });
  privacy
    .command('budget <collaboration>')
    .description(
      "show the budgets of the collaboration's differentially private tables: an owner sees its tables'\n" +
        'settings, spending and ledger (across all collaborations); other members see how many queries\n' +
        'of each kind they may still run\n' +
        'example: cleanroom privacy budget media --as brand --format json',
    )
    .requiredOption('--as <member>', 'acting member')
    .option('--format <format>', 'table|json')
    .action(async (collaboration: string, opts: { as?: string; format?: string }, cmd: Command) => {
      const f = format(opts.format);
      const report = await withBackend(cmd, async (b) => b.privacy.report(collaboration, await b.actor(opts.as)));
      if (f === 'json') printJson(report);
      else process.stdout.write(reportText(report));
    });
  privacy
    .command('preview <collaboration>')
    .description(
      'show how many queries of each aggregate kind a budget would allow; spends nothing\n' +
        'example: cleanroom privacy preview media --as brand --epsilon 3 --users-noise 30',
    )
    .requiredOption('--as <member>', 'acting member')
    .requiredOption('--epsilon <E>', 'total epsilon, 0.01 to 20')
    .requiredOption('--users-noise <N>', '95% error of one distinct-user count, in users, 10 to 100')
    .option('--delta <D>', 'total delta (default 1e-6)')
    .option('--format <format>', 'table|json')
    .action(async (collaboration: string, opts: SettingsFlags & { as?: string; format?: string }, cmd: Command) => {
      const f = format(opts.format);
      const settings = settingsFrom(inputFrom(opts));
      const preview = await withBackend(cmd, async (b) => b.privacy.preview(collaboration, await b.actor(opts.as), settings));
      if (f === 'json') {
        printJson(preview);
        return;
      }
      process.stdout.write(
        `epsilon ${settings.epsilon} with ${settings.usersNoisePerQuery} users of noise per query (one unit is epsilon ${num(preview.unit)}) allows ` +
          `these ${QUERY_SHAPE}:\n${kindsTable(preview.queries)}`,
      );
    });
}
