import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { invalid, refused } from '../../collaboration/errors.ts';
import { formatParameterSpec, parseParameterSpec } from '../../sql/template-spec.ts';
import { withBackend } from '../context.ts';
import { pickFormat, printJson, printRecords } from '../output.ts';
import { formatDiagnostic } from '../diagnostics.ts';

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function readSqlFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw invalid('sql-file-unreadable', `cannot read SQL file ${path}: ${(e as Error).message}`);
  }
}

export function registerTemplateCommands(program: Command): void {
  const t = program.command('template').description('analysis templates: parameterised SQL that table owners approve (custom rule)');
  t.command('create <collaboration>')
    .description(
      'create an immutable analysis template\n' +
        "example: cleanroom template create media --as brand --name lift --sql-file lift.sql --param days:INTEGER=7:range=1..90",
    )
    .requiredOption('--as <member>', 'acting member (needs the query ability)')
    .requiredOption('--name <name>', 'template name, unique in the collaboration')
    .requiredOption('--sql-file <file>', 'the SQL, with :name parameters')
    .option('--description <text>', 'what it answers', '')
    .option('--param <spec>', 'name:TYPE[=default][:in=a|b|c][:range=lo..hi] (repeatable)', collect)
    .option('--format <format>', 'table|json')
    .action(
      async (name: string, opts: { as?: string; name: string; sqlFile: string; description: string; param?: string[]; format?: string }, cmd: Command) => {
        // Checked here, before anything is sent or opened: a bad spec is a refusal (exit 3).
        const parameters = opts.param ?? [];
        for (const spec of parameters) {
          const parsed = parseParameterSpec(spec);
          if (!parsed.ok) throw refused(parsed.error);
        }
        const created = await withBackend(cmd, async (b) =>
          b.templates.create(name, await b.actor(opts.as), { name: opts.name, description: opts.description, sql: readSqlFile(opts.sqlFile), parameters }),
        );
        if (pickFormat(opts.format) === 'json') printJson(created);
        else {
          process.stdout.write(
            `created template ${created.name} (${created.id}) reading ${created.tables.join(', ')}\n` +
              `owners approve it with: cleanroom template approve ${name} ${created.name} --as <owner> --table <table>\n`,
          );
        }
      },
    );
  t.command('list <collaboration>')
    .requiredOption('--as <member>', 'acting member')
    .option('--format <format>', 'table|json|csv')
    .action(async (name: string, opts: { as?: string; format?: string }, cmd: Command) => {
      const list = await withBackend(cmd, async (b) => b.templates.list(name, await b.actor(opts.as)));
      printRecords(
        pickFormat(opts.format),
        list.map((x) => ({ ...x, tables: x.tables.join(','), parameters: x.parameters.map(formatParameterSpec).join(' ') })),
        ['name', 'id', 'creator', 'tables', 'parameters'],
      );
    });
  t.command('show <collaboration> <template>')
    .description('for reviewers: the SQL that will run, the tables and columns it reads, its outputs, approvals')
    .requiredOption('--as <member>', 'acting member')
    .option('--format <format>', 'table|json')
    .action(async (name: string, template: string, opts: { as?: string; format?: string }, cmd: Command) => {
      const review = await withBackend(cmd, async (b) => b.templates.show(name, await b.actor(opts.as), template));
      if (pickFormat(opts.format) === 'json') {
        printJson(review);
        return;
      }
      process.stdout.write(
        `template ${review.template.name} (${review.template.id}) by ${review.template.creator}\n${review.template.description}\n\n` +
          `SQL as written:\n${review.template.sql.trim()}\n\nSQL that runs (parameters bound as typed values):\n${review.runSql}\n\n` +
          `parameters: ${review.template.parameters.map(formatParameterSpec).join(' ') || 'none'}\n` +
          `reads: ${Object.entries(review.reads).map(([table, cols]) => `${table}(${cols.join(', ')})`).join('; ')}\n` +
          `outputs: ${review.outputs.join(', ')}\n` +
          `approved by: ${Object.entries(review.approvals).map(([table, yes]) => `${table}=${yes ? 'yes' : 'no'}`).join(', ')}\n` +
          (review.refusal ? `would be refused even once approved: ${formatDiagnostic(review.refusal)}\n` : ''),
      );
    });
  for (const verb of ['approve', 'revoke'] as const) {
    t.command(`${verb} <collaboration> <template>`)
      .description(`${verb} a template over your table (lists or unlists its id in the custom rule's allowedAnalyses)`)
      .requiredOption('--as <member>', 'acting member (the table owner)')
      .requiredOption('--table <table>', 'your table, by its name in the collaboration')
      .action(async (name: string, template: string, opts: { as?: string; table: string }, cmd: Command) => {
        const change = await withBackend(cmd, async (b) => b.templates.setApproval(name, template, await b.actor(opts.as), opts.table, verb === 'approve'));
        process.stdout.write(
          `${verb === 'approve' ? 'approved' : 'revoked'} template ${change.template.name} (${change.template.id}) on ${change.table} (rule version ${change.ruleVersion})\n`,
        );
      });
  }
}
