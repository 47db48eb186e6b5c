import type { Command } from 'commander';
import { withBackend } from '../context.ts';
import { pickFormat, printJson, printRecords } from '../output.ts';

export function registerMemberCommands(program: Command): void {
  const member = program.command('member').description('members: the parties of collaborations');
  member
    .command('create <member>')
    .description('create a member (example: cleanroom member create brand; with --server, an administrator key)')
    .option('--format <format>', 'table|json')
    .action(async (name: string, opts: { format?: string }, cmd: Command) => {
      const created = await withBackend(cmd, (b) => b.members.create(name));
      if (pickFormat(opts.format) === 'json') printJson(created);
      else process.stdout.write(`created member ${created.name}\n`);
    });
  member
    .command('list')
    .description('list members (with --server, an administrator key)')
    .option('--format <format>', 'table|json|csv')
    .action(async (opts: { format?: string }, cmd: Command) => {
      const members = await withBackend(cmd, (b) => b.members.list());
      printRecords(pickFormat(opts.format), members as unknown as Record<string, unknown>[], ['name', 'createdAt']);
    });
}
