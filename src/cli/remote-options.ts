import { Option, type Command } from 'commander';
import { UsageError } from './output.ts';

/** Commands that work on the workspace of the machine they run on (docs/client.md). */
const LOCAL_ONLY: Readonly<Record<string, string>> = {
  serve: 'it starts the server itself',
  keys: 'the operator makes keys on the server machine (a member makes its own over the API: POST /v1/members/{member}/keys)',
  demo: 'it builds its sample workspace locally',
  generate: 'it writes sample files on this machine; upload them with `dataset create`',
  audit: "the audit log is the operator's, read on the server machine",
};

function relaxActingMember(command: Command): void {
  for (const option of command.options) if (option.long === '--as') option.makeOptionMandatory(false);
  for (const sub of command.commands) relaxActingMember(sub);
}

/**
 * `--server <url>` and `--token <key>` (or $CLEANROOM_SERVER and $CLEANROOM_TOKEN) on the
 * root program. With a server, the acting member comes from the token, so `--as` is no
 * longer required; commands that only make sense on the server's machine say so.
 */
export function addRemoteOptions(program: Command): void {
  program
    .addOption(new Option('--server <url>', 'run commands on a Cleanroom server instead of a local workspace (docs/client.md)').env('CLEANROOM_SERVER'))
    .addOption(new Option('--token <key>', 'API key for --server; it says which member acts').env('CLEANROOM_TOKEN'));
  program.hook('preSubcommand', (root, sub) => {
    const server = root.opts<{ server?: string }>().server;
    if (server === undefined || server === '') return;
    const why = LOCAL_ONLY[sub.name()];
    if (why !== undefined) {
      throw new UsageError(`\`cleanroom ${sub.name()}\` runs on the server's own machine, not with --server (${why}); unset --server / CLEANROOM_SERVER to run it here`);
    }
    relaxActingMember(sub);
  });
}
