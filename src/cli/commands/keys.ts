import type { Command } from 'commander';
import { createApiKey, listApiKeys, revokeApiKey } from '../../api/api-keys.ts';
import { withWorkspace } from '../context.ts';
import { pickFormat, printJson, printRecords, UsageError } from '../output.ts';

/**
 * API keys, made on the server's own machine (the operator bootstraps the first
 * administrator key this way; members then manage theirs over the API).
 */
export function registerKeyCommands(program: Command): void {
  const keys = program.command('keys').description('API keys of the HTTP server (docs/server.md)');
  keys
    .command('create')
    .description(
      'create an API key; the token is printed once and only a salted hash is kept\n' +
        'example: cleanroom keys create --admin            (the operator\'s key)\n' +
        '         cleanroom keys create --member brand --label laptop',
    )
    .option('--admin', 'an administrator key (creates members and their keys, reads metrics)')
    .option('--member <member>', 'a key of this member')
    .option('--label <text>', 'what the key is for', '')
    .option('--format <format>', 'json for the whole record (default: the token alone)')
    .action(async (opts: { admin?: boolean; member?: string; label: string; format?: string }, cmd: Command) => {
      if ((opts.admin === true) === (opts.member !== undefined)) throw new UsageError('give either --admin or --member <member>');
      const created = await withWorkspace(cmd, (ws) =>
        createApiKey(ws.db, { member: opts.member ?? null, label: opts.label, createdBy: 'operator' }),
      );
      // The bare token by default, piped or not, so that `> admin.token` keeps just the key.
      if (opts.format === 'json') printJson(created);
      else {
        process.stdout.write(`${created.token}\n`);
        process.stderr.write(`created ${created.role} key ${created.id}${created.member ? ` for ${created.member}` : ''}; the token above is shown only now\n`);
      }
    });
  keys
    .command('list')
    .description('keys of a member, or the administrator keys; never their secrets')
    .option('--admin', 'the administrator keys')
    .option('--member <member>', 'the keys of this member')
    .option('--format <format>', 'table|json|csv')
    .action(async (opts: { admin?: boolean; member?: string; format?: string }, cmd: Command) => {
      if ((opts.admin === true) === (opts.member !== undefined)) throw new UsageError('give either --admin or --member <member>');
      const list = await withWorkspace(cmd, (ws) => listApiKeys(ws.db, opts.member ?? null));
      printRecords(pickFormat(opts.format), list.map((k) => ({ ...k })), ['id', 'member', 'role', 'label', 'createdAt', 'revokedAt']);
    });
  keys
    .command('revoke <id>')
    .description('revoke a key at once (requests with it get 401 api-key-revoked)')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const revoked = await withWorkspace(cmd, (ws) => revokeApiKey(ws.db, { member: null }, id));
      process.stdout.write(`revoked key ${revoked.id} (${revoked.member ?? 'administrator'}) at ${revoked.revokedAt}\n`);
    });
}
