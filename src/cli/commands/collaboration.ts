import type { Command } from 'commander';
import type { MemberAbilities } from '../../collaboration/collaborations.ts';
import { commaList, withBackend } from '../context.ts';
import { pickFormat, printJson, printRecords, UsageError } from '../output.ts';

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** `brand:query,receive` | `brand:query` | `brand:receive` | `brand:none`. */
export function parseMemberSpec(spec: string): MemberAbilities {
  const [member, abilities] = spec.split(':');
  if (!member || abilities === undefined) throw new UsageError(`--member takes <member>:<abilities>, not '${spec}'`);
  const list = abilities.split(',').map((a) => a.trim());
  const valid = list.every((a) => a === 'query' || a === 'receive') || (list.length === 1 && list[0] === 'none');
  if (!valid) throw new UsageError(`abilities are query,receive | query | receive | none, not '${abilities}'`);
  return { member, query: list.includes('query'), receive: list.includes('receive') };
}

export function registerCollaborationCommands(program: Command): void {
  const c = program.command('collaboration').description('collaborations: members, abilities and associated tables');
  c.command('create <collaboration>')
    .description(
      'create a collaboration; list every member, the creator included\n' +
        'example: cleanroom collaboration create media --creator brand --member brand:query,receive --member platform:none',
    )
    .requiredOption('--creator <member>', 'the creating member')
    .requiredOption('--member <member:abilities>', 'a member and its abilities (repeatable)', collect)
    .option('--no-query-logs', 'do not show the query log to table owners')
    .option('--difference-checks', 'answer an aggregation row whose users differ from an earlier row\'s by fewer than k with the earlier answer (docs/privacy.md)')
    .option('--as <member>', 'acting member (defaults to --creator)')
    .option('--format <format>', 'table|json')
    .action(
      async (
        name: string,
        opts: { creator: string; member: string[]; queryLogs: boolean; differenceChecks?: boolean; as?: string; format?: string },
        cmd: Command,
      ) => {
        const members = opts.member.map(parseMemberSpec);
        const created = await withBackend(cmd, async (b) =>
          b.collaborations.create(await b.actor(opts.as, opts.creator), name, members, opts.queryLogs, opts.differenceChecks === true));
        if (pickFormat(opts.format) === 'json') printJson(created);
        else {
          process.stdout.write(`created collaboration ${name}; invited members accept with: cleanroom collaboration accept ${name} --as <member>\n`);
        }
      },
    );
  c.command('update <collaboration>')
    .description(
      'change a collaboration\'s settings (the creator); difference checks can be turned on, never off\n' +
        'example: cleanroom collaboration update media --difference-checks --as brand',
    )
    .requiredOption('--as <member>', 'acting member (the creator)')
    .option('--difference-checks', 'turn on difference checks for aggregation queries (docs/privacy.md)')
    .action(async (name: string, opts: { as?: string; differenceChecks?: boolean }, cmd: Command) => {
      if (opts.differenceChecks !== true) throw new UsageError('say what to change, e.g. --difference-checks');
      await withBackend(cmd, async (b) => b.collaborations.enableDifferenceChecks(await b.actor(opts.as), name));
      process.stdout.write(`difference checks are on in ${name}\n`);
    });
  c.command('accept <collaboration>')
    .description('accept an invitation')
    .requiredOption('--as <member>', 'acting member')
    .action(async (name: string, opts: { as?: string }, cmd: Command) => {
      const who = await withBackend(cmd, async (b) => {
        const acting = await b.actor(opts.as);
        await b.collaborations.accept(acting, name);
        return acting;
      });
      process.stdout.write(`${who} accepted collaboration ${name}\n`);
    });
  c.command('associate <collaboration>')
    .description(
      'bring your configured table into a collaboration under an SQL name\n' +
        'example: cleanroom collaboration associate media --member platform --table impressions --receivers brand',
    )
    .requiredOption('--member <member>', 'the owning member')
    .requiredOption('--table <table>', 'the configured table')
    .option('--name <sql-name>', 'table name in SQL (default: the table name)')
    .option('--receivers <m1,m2>', 'members allowed to receive results over this table (default: all with receive)')
    .option('--as <member>', 'acting member (defaults to --member)')
    .action(async (name: string, opts: { member: string; table: string; name?: string; receivers?: string; as?: string }, cmd: Command) => {
      const [who, created] = await withBackend(cmd, async (b) => {
        const acting = await b.actor(opts.as, opts.member);
        return [acting, await b.collaborations.associate(name, acting, opts.table, opts.name, commaList(opts.receivers))] as const;
      });
      process.stdout.write(`associated ${who}/${opts.table} into ${name} as ${created.sqlName}\n`);
    });
  c.command('disassociate <collaboration>')
    .description('remove your table from a collaboration')
    .requiredOption('--member <member>', 'the owning member')
    .requiredOption('--name <sql-name>', 'the table name in the collaboration')
    .option('--as <member>', 'acting member (defaults to --member)')
    .action(async (name: string, opts: { member: string; name: string; as?: string }, cmd: Command) => {
      await withBackend(cmd, async (b) => b.collaborations.disassociate(name, await b.actor(opts.as, opts.member), opts.name));
      process.stdout.write(`removed ${opts.name} from ${name}\n`);
    });
  c.command('leave <collaboration>')
    .requiredOption('--as <member>', 'acting member')
    .action(async (name: string, opts: { as?: string }, cmd: Command) => {
      const who = await withBackend(cmd, async (b) => {
        const acting = await b.actor(opts.as);
        await b.collaborations.leave(acting, name);
        return acting;
      });
      process.stdout.write(`${who} left ${name}\n`);
    });
  c.command('delete <collaboration>')
    .description('the creator deletes a collaboration (results already delivered stay with their receivers)')
    .requiredOption('--as <member>', 'acting member (the creator)')
    .action(async (name: string, opts: { as?: string }, cmd: Command) => {
      await withBackend(cmd, async (b) => b.collaborations.delete(await b.actor(opts.as), name));
      process.stdout.write(`deleted collaboration ${name}\n`);
    });
  c.command('show <collaboration>')
    .description('members, abilities, and the schemas and rules of associated tables (never data)')
    .requiredOption('--as <member>', 'acting member')
    .option('--format <format>', 'table|json')
    .action(async (name: string, opts: { as?: string; format?: string }, cmd: Command) => {
      const d = await withBackend(cmd, async (b) => b.collaborations.show(name, await b.actor(opts.as)));
      const differenceChecks = d.differenceChecks;
      if (pickFormat(opts.format) === 'json') {
        printJson(d);
        return;
      }
      process.stdout.write(
        `collaboration ${d.name} (creator ${d.creator}, query logs ${d.queryLogs ? 'on' : 'off'}, difference checks ${differenceChecks ? 'on' : 'off'})\n`,
      );
      printRecords(
        'table',
        d.members.map((m) => ({ ...m, status: m.left ? 'left' : m.accepted ? 'active' : 'invited' })),
        ['member', 'query', 'receive', 'status'],
      );
      for (const t of d.tables) {
        process.stdout.write(`\n${t.name} (owner ${t.owner}, ${t.ruleKind} rule)\n  columns: ${t.columns.map((x) => `${x.name} ${x.type}`).join(', ')}\n  rule: ${JSON.stringify(t.rule)}\n`);
      }
    });
  c.command('list')
    .requiredOption('--as <member>', 'acting member')
    .option('--format <format>', 'table|json|csv')
    .action(async (opts: { as?: string; format?: string }, cmd: Command) => {
      const list = await withBackend(cmd, async (b) => b.collaborations.list(await b.actor(opts.as)));
      printRecords(pickFormat(opts.format), list.map((x) => ({ ...x })), ['name', 'creator', 'queryLogs', 'differenceChecks']);
    });
}
