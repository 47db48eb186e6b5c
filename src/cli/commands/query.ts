import type { Command } from 'commander';
import type { QueryLogEntry } from '../../collaboration/query-logs.ts';
import type { DeliveryOptions, QueryOutcome } from '../../collaboration/run-query.ts';
import { refused } from '../../collaboration/errors.ts';
import { parseParameterAssignment } from '../../sql/template-spec.ts';
import { withBackend } from '../context.ts';
import { formatDiagnostic } from '../diagnostics.ts';
import { pickFormat, printJson, printRecords, toCsv, toTable, UsageError, type OutputFormat } from '../output.ts';
import { DP_GROUPS_HELP, DP_ROWS_HELP, describeDp, dpOptions } from './dp-options.ts';

function collectParam(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** `--param name=value` pairs; a malformed one is a refusal (exit 3), like a bad value. */
export function parameterValues(pairs: readonly string[]): Record<string, string> {
  const values: Record<string, string> = {};
  for (const pair of pairs) {
    const parsed = parseParameterAssignment(pair);
    if (!parsed.ok) throw refused(parsed.error);
    const name = parsed.value.name.toLowerCase();
    if (name in values) throw refused({ code: 'parameter-duplicate', message: `parameter :${name} is given twice` });
    values[name] = parsed.value.value;
  }
  return values;
}

/**
 * `--normalize <column>` and `--hash <column>=sha256` (both repeatable; `--normalize`
 * also takes a comma list) as delivery options. sha256 is the only algorithm.
 */
export function deliveryOptions(normalize: readonly string[] | undefined, hash: readonly string[] | undefined): DeliveryOptions {
  const normalized = (normalize ?? []).flatMap((n) => n.split(',')).map((n) => n.trim());
  if (normalized.some((n) => n === '')) throw new UsageError('--normalize takes an output column name');
  const hashed: Record<string, 'sha256'> = {};
  for (const pair of hash ?? []) {
    const at = pair.lastIndexOf('=');
    const column = pair.slice(0, Math.max(0, at)).trim();
    const algorithm = pair.slice(at + 1).trim().toLowerCase();
    if (at <= 0 || column === '') {
      throw new UsageError(`--hash takes <column>=sha256 (e.g. --hash email_address=sha256), not '${pair}'`);
    }
    if (algorithm !== 'sha256') throw new UsageError(`--hash supports sha256 only, not '${algorithm}'`);
    if (column.toLowerCase() in hashed) throw new UsageError(`--hash names column '${column}' twice`);
    hashed[column.toLowerCase()] = 'sha256';
  }
  return {
    ...(normalized.length > 0 ? { normalize: normalized } : {}),
    ...(Object.keys(hashed).length > 0 ? { hash: hashed } : {}),
  };
}

/** Help texts of the delivery options, shared by `query run` and `insights run`. */
export const NORMALIZE_HELP = 'list results: trim and lowercase this output column on delivery (repeatable)';
export const HASH_HELP = 'list results: deliver this output column as hex SHA-256, after --normalize if given (repeatable)';

/** Exit status for a query outcome (shared/CLI.md): refusal 3, failure 1. */
export function outcomeExitCode(outcome: QueryOutcome): number {
  if (outcome.status === 'refused') return 3;
  if (outcome.status === 'failed' || outcome.status === 'cancelled') return 1;
  return 0;
}

export function printOutcome(outcome: QueryOutcome, format: OutputFormat): void {
  if (format === 'json') {
    printJson(outcomeJson(outcome));
    return;
  }
  switch (outcome.status) {
    case 'accepted':
      process.stdout.write(`accepted; the SQL that would run:\n${outcome.sql}\n`);
      return;
    case 'refused':
    case 'failed':
    case 'cancelled':
      process.stderr.write(`${outcome.status}: ${formatDiagnostic(outcome.error)}\n`);
      return;
    case 'succeeded': {
      const d = outcome.delivery;
      if (!d) {
        process.stdout.write(`query ${outcome.id} succeeded; the result went to its receiver\n`);
        return;
      }
      const names = d.columns.map((c) => c.name);
      if (format === 'csv') {
        process.stdout.write(toCsv(names, d.rows));
        return;
      }
      process.stdout.write(toTable(names, d.rows.slice(0, 50)));
      const more = d.rowCount > 50 ? ` (first 50 shown)` : '';
      process.stdout.write(`${d.rowCount} row(s)${more} in ${outcome.durationMs ?? '?'} ms; stored at ${d.location}\n`);
      if (outcome.privacy) process.stdout.write(describeDp(outcome.privacy));
    }
  }
}

export function outcomeJson(outcome: QueryOutcome): Record<string, unknown> {
  switch (outcome.status) {
    case 'accepted':
      return { status: 'accepted', sql: outcome.sql };
    case 'refused':
    case 'failed':
    case 'cancelled':
      return { ...(outcome.id ? { id: outcome.id } : {}), status: outcome.status, error: outcome.error };
    case 'succeeded':
      if (!outcome.delivery) return { id: outcome.id, status: outcome.status };
      return {
        id: outcome.id,
        status: outcome.status,
        columns: outcome.delivery.columns.map((c) => c.name),
        rows: outcome.delivery.rows,
        location: outcome.delivery.location,
        ...(outcome.privacy ? { privacy: outcome.privacy } : {}),
      };
  }
}

function logRecords(entries: readonly QueryLogEntry[]): Record<string, unknown>[] {
  return entries.map((e) => ({ ...e, error: e.error?.code, tables: e.tables.join(',') }));
}

function withDp(dp: ReturnType<typeof dpOptions>): { dp?: NonNullable<ReturnType<typeof dpOptions>> } {
  return dp === undefined ? {} : { dp };
}

export function registerQueryCommands(program: Command): void {
  const q = program.command('query').description('protected queries');
  q.command('run <collaboration>')
    .description(
      'run a protected query; results go to the receiver (default: you)\n' +
        "example: cleanroom query run media --as brand --sql 'SELECT COUNT(DISTINCT i.email_address) FROM impressions i INNER JOIN customers c ON i.email_address = c.email_address'",
    )
    .requiredOption('--as <member>', 'acting member (needs the query ability)')
    .option('--sql <sql>', 'one SELECT over associated tables')
    .option('--template <name>', 'run an approved analysis template instead of --sql')
    .option('--param <name=value>', 'a template parameter value (repeatable)', collectParam)
    .option('--receiver <member>', 'who receives the result (needs the receive ability)')
    .option('--normalize <column>', NORMALIZE_HELP, collectParam)
    .option('--hash <column=sha256>', HASH_HELP, collectParam)
    .option('--format <format>', 'table|json|csv')
    .option('--output-format <format>', 'stored result format: parquet|csv', 'parquet')
    .option('--dry-run', 'validate and print the verdict and the SQL that would run')
    .option('--dp-max-groups <n>', DP_GROUPS_HELP)
    .option('--dp-max-rows <n>', DP_ROWS_HELP)
    .action(
      async (
        name: string,
        opts: {
          as?: string;
          sql?: string;
          template?: string;
          param?: string[];
          receiver?: string;
          normalize?: string[];
          hash?: string[];
          format?: string;
          outputFormat: string;
          dryRun?: boolean;
          dpMaxGroups?: string;
          dpMaxRows?: string;
        },
        cmd: Command,
      ) => {
        const format = pickFormat(opts.format);
        if (opts.outputFormat !== 'parquet' && opts.outputFormat !== 'csv') {
          throw new UsageError('--output-format must be parquet or csv');
        }
        // Ctrl-C (or `query cancel` from another shell) stops the query and records it as cancelled.
        const cancel = new AbortController();
        const onSignal = (): void => cancel.abort();
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
        if ((opts.sql === undefined) === (opts.template === undefined)) {
          throw new UsageError('give either --sql or --template');
        }
        if (opts.sql !== undefined && opts.param !== undefined) throw new UsageError('--param goes with --template');
        const values = parameterValues(opts.param ?? []);
        const runOptions = {
          ...(opts.receiver ? { receiver: opts.receiver } : {}),
          delivery: deliveryOptions(opts.normalize, opts.hash),
          format: opts.outputFormat as 'parquet' | 'csv',
          dryRun: opts.dryRun === true,
          signal: cancel.signal,
          ...withDp(dpOptions(opts.dpMaxGroups, opts.dpMaxRows)),
        };
        const source = opts.template !== undefined ? { template: opts.template, values } : { sql: opts.sql ?? '' };
        const outcome = await withBackend(cmd, async (b) => b.queries.run(name, await b.actor(opts.as), source, runOptions)).finally(() => {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
        });
        printOutcome(outcome, format);
        process.exitCode = outcomeExitCode(outcome);
      },
    );
  q.command('cancel <collaboration> <query-id>')
    .description('stop one of your running queries (it is recorded as cancelled)')
    .requiredOption('--as <member>', 'acting member (the runner)')
    .action(async (name: string, id: string, opts: { as?: string }, cmd: Command) => {
      await withBackend(cmd, async (b) => b.queries.cancel(name, await b.actor(opts.as), id));
      process.stdout.write(`asked query ${id} to stop\n`);
    });
  q.command('list <collaboration>')
    .description('your own queries in a collaboration')
    .requiredOption('--as <member>', 'acting member')
    .option('--format <format>', 'table|json|csv')
    .action(async (name: string, opts: { as?: string; format?: string }, cmd: Command) => {
      const entries = await withBackend(cmd, async (b) => b.queries.listOwn(name, await b.actor(opts.as)));
      const format = pickFormat(opts.format);
      if (format === 'json') printJson(entries);
      else printRecords(format, logRecords(entries), ['id', 'submittedAt', 'status', 'error', 'rowCount', 'durationMs', 'tables']);
    });
  q.command('logs <collaboration>')
    .description(
      'the query log entries you may see (as runner, receiver or owner of a referenced table), with the rule version\n' +
        'each table ran under (all tables for the receiver, your own for an owner, none for a runner who is not the receiver)\n' +
        'example: cleanroom query logs media --as platform --format json',
    )
    .requiredOption('--as <member>', 'acting member')
    .option('--format <format>', 'table|json|csv')
    .action(async (name: string, opts: { as?: string; format?: string }, cmd: Command) => {
      const entries = await withBackend(cmd, async (b) => b.queries.logs(name, await b.actor(opts.as)));
      const format = pickFormat(opts.format);
      if (format === 'json') printJson(entries);
      else {
        // `impressions=2,customers=1`: one cell, in the style of --param name=value; absent
        // (NULL, like a withheld rowCount) when the viewer may not see any.
        const records = logRecords(entries).map((r, i) => {
          const versions = entries[i]?.ruleVersions;
          const epsilon = entries[i]?.privacy?.epsilon;
          return {
            ...r,
            ...(versions ? { ruleVersions: Object.entries(versions).map(([table, v]) => `${table}=${v}`).join(',') } : {}),
            ...(epsilon !== undefined ? { epsilon } : {}),
          };
        });
        printRecords(format, records, ['id', 'submittedAt', 'runner', 'receiver', 'status', 'error', 'rowCount', 'tables', 'ruleVersions', 'epsilon', 'sql']);
      }
    });
}
