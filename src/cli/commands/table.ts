import type { Command } from 'commander';
import type { RuleCheck } from '../../collaboration/check-rule.ts';
import type { TableView } from '../backends/backend.ts';
import type { TableProposal } from '../../collaboration/tables.ts';
import { commaList, withBackend } from '../context.ts';
import { formatDiagnostic } from '../diagnostics.ts';
import { pickFormat, printJson, printRecords, UsageError, type OutputFormat } from '../output.ts';
import { readRuleFile } from '../read-rule.ts';

/** The JSON a table command prints: the table without its rule kind (the rule says it). */
function describe(table: TableView): Record<string, unknown> {
  return {
    member: table.member,
    table: table.table,
    dataset: table.dataset,
    version: table.version,
    columns: table.columns.map((c) => ({ name: c.name, type: c.type })),
    rule: table.rule,
  };
}

function show(format: string | undefined, table: TableView, verb: string): void {
  if (pickFormat(format) === 'json') {
    printJson(describe(table));
    return;
  }
  process.stdout.write(
    `${verb} table ${table.member}/${table.table} (rule version ${table.version}, ${table.kind} rule) over dataset ${table.dataset}\n` +
      `allowed columns: ${table.columns.map((c) => c.name).join(', ')}\n` +
      `rule: ${JSON.stringify(table.rule)}\n`,
  );
  if (table.kind === 'list') {
    process.stdout.write(
      'note: a list rule delivers row-level values: whoever may query this table learns the values of its list columns for the overlap.\n',
    );
  }
}

/** Prints a rule check like a dry run's verdict; a refusal exits 3, as every refusal does. */
function printCheck(format: OutputFormat, member: string, name: string, check: RuleCheck): void {
  process.exitCode = check.allowed ? 0 : 3;
  if (format === 'json') {
    printJson(check);
    return;
  }
  if (check.allowed) process.stdout.write(`allowed by the rule of ${member}/${name}; the SQL that would run:\n${check.sql}\n`);
  else process.stderr.write(`refused: ${formatDiagnostic(check.error)}\n`);
  process.stderr.write("note: checked against this table alone; other members' tables and the collaboration's settings can add refusals.\n");
}

/** A dry run's answer: what would be stored, and that nothing was. */
function showProposal(format: string | undefined, proposal: TableProposal): void {
  if (pickFormat(format) === 'json') {
    printJson({ dryRun: true, ...proposal });
    return;
  }
  process.stdout.write(`would store table ${proposal.table} as rule version ${proposal.version} (nothing was saved)\ncolumns: ${proposal.columns.join(', ')}\nrule: ${JSON.stringify(proposal.rule)}\n`);
}

export function registerTableCommands(program: Command): void {
  const table = program.command('table').description('configured tables: a dataset exposed with allowed columns and one analysis rule');
  table
    .command('create <member> <table>')
    .description(
      'expose a dataset under an analysis rule (JSON as AWS Clean Rooms writes it)\n' +
        'example: cleanroom table create platform impressions --dataset impressions --rule rules/impressions.json',
    )
    .requiredOption('--dataset <dataset>', 'the dataset to expose')
    .requiredOption('--rule <file>', 'analysis rule document (JSON)')
    .option('--columns <c1,c2,...>', 'allowed columns (default: the columns the rule names)')
    .option('--dry-run', 'check the table as creating it would, and create nothing')
    .option('--as <member>', 'acting member (defaults to <member>)')
    .option('--format <format>', 'table|json')
    .action(
      async (member: string, name: string, opts: { dataset: string; rule: string; columns?: string; dryRun?: boolean; as?: string; format?: string }, cmd: Command) => {
        const document = readRuleFile(opts.rule);
        const columns = commaList(opts.columns);
        if (opts.dryRun === true) {
          const proposal = await withBackend(cmd, async (b) =>
            b.tables.propose(await b.actor(opts.as, member), { name, dataset: opts.dataset, rule: document, ...(columns !== undefined ? { columns } : {}) }),
          );
          showProposal(opts.format, proposal);
          return;
        }
        const created = await withBackend(cmd, async (b) => b.tables.create(await b.actor(opts.as, member), name, opts.dataset, columns, document));
        show(opts.format, created, 'created');
      },
    );
  table
    .command('update <member> <table>')
    .description('replace the rule and/or the allowed columns (a new rule version; logged)')
    .option('--rule <file>', 'new analysis rule document (JSON)')
    .option('--columns <c1,c2,...>', 'new allowed columns')
    .option('--dry-run', 'check the change as saving it would, and save nothing')
    .option('--as <member>', 'acting member (defaults to <member>)')
    .option('--format <format>', 'table|json')
    .action(async (member: string, name: string, opts: { rule?: string; columns?: string; dryRun?: boolean; as?: string; format?: string }, cmd: Command) => {
      const document = opts.rule === undefined ? undefined : readRuleFile(opts.rule);
      const columns = commaList(opts.columns);
      if (opts.dryRun === true) {
        const proposal = await withBackend(cmd, async (b) =>
          b.tables.propose(await b.actor(opts.as, member), { name, ...(columns !== undefined ? { columns } : {}), ...(document !== undefined ? { rule: document } : {}) }),
        );
        showProposal(opts.format, proposal);
        return;
      }
      const updated = await withBackend(cmd, async (b) => b.tables.update(await b.actor(opts.as, member), name, columns, document));
      show(opts.format, updated, 'updated');
    });
  table
    .command('show <member> <table>')
    .option('--as <member>', 'acting member (defaults to <member>)')
    .option('--format <format>', 'table|json')
    .action(async (member: string, name: string, opts: { as?: string; format?: string }, cmd: Command) => {
      const shown = await withBackend(cmd, async (b) => b.tables.show(await b.actor(opts.as, member), name));
      show(opts.format, shown, 'configured');
    });
  table
    .command('list <member>')
    .option('--as <member>', 'acting member (defaults to <member>)')
    .option('--format <format>', 'table|json|csv')
    .action(async (member: string, opts: { as?: string; format?: string }, cmd: Command) => {
      const tables = await withBackend(cmd, async (b) => b.tables.list(await b.actor(opts.as, member)));
      printRecords(
        pickFormat(opts.format),
        tables.map((t) => ({ ...describe(t), kind: t.kind })),
        ['table', 'dataset', 'version', 'kind'],
      );
    });
  table
    .command('check <member> <table>')
    .description(
      "test a sample query against the table's rule: allowed (with the SQL that would run) or the refusal (exit 3); nothing runs.\n" +
        'The table is checked alone, as if associated under --name (default: its name) in a collaboration of its owner only.\n' +
        "example: cleanroom table check platform impressions --sql 'SELECT campaign_id, COUNT(DISTINCT email_address) AS users FROM impressions GROUP BY campaign_id'",
    )
    .requiredOption('--sql <sql>', 'one SELECT over the table')
    .option('--name <sql-name>', "the table's name in the SQL (default: the table's name)")
    .option('--as <member>', 'acting member (defaults to <member>)')
    .option('--format <format>', 'table|json')
    .action(async (member: string, name: string, opts: { sql: string; name?: string; as?: string; format?: string }, cmd: Command) => {
      if (opts.sql.trim() === '') throw new UsageError('--sql takes a query');
      const format = pickFormat(opts.format);
      const check = await withBackend(cmd, async (b) => b.tables.check(await b.actor(opts.as, member), name, opts.sql, opts.name));
      printCheck(format, member, name, check);
    });
  table
    .command('delete <member> <table>')
    .description('delete a configured table; refused while it is associated into a collaboration')
    .option('--as <member>', 'acting member (defaults to <member>)')
    .action(async (member: string, name: string, opts: { as?: string }, cmd: Command) => {
      await withBackend(cmd, async (b) => b.tables.delete(await b.actor(opts.as, member), name));
      process.stdout.write(`deleted table ${member}/${name}\n`);
    });
}
