import { Command, CommanderError } from 'commander';
import { CleanroomError } from '../collaboration/errors.ts';
import { registerAuditCommands } from './commands/audit.ts';
import { registerCollaborationCommands } from './commands/collaboration.ts';
import { registerDashboardCommands } from './commands/dashboard.ts';
import { registerDatasetCommands } from './commands/dataset.ts';
import { registerDemoCommand } from './commands/demo.ts';
import { registerGenerateCommand } from './commands/generate.ts';
import { registerInsightsCommands } from './commands/insights.ts';
import { registerKeyCommands } from './commands/keys.ts';
import { registerMemberCommands } from './commands/member.ts';
import { registerPrivacyCommands } from './commands/privacy.ts';
import { registerQueryCommands } from './commands/query.ts';
import { registerResultsCommands } from './commands/results.ts';
import { registerServeCommand } from './commands/serve.ts';
import { registerTableCommands } from './commands/table.ts';
import { registerTemplateCommands } from './commands/template.ts';
import { formatDiagnostic } from './diagnostics.ts';
import { addRemoteOptions } from './remote-options.ts';
import { UsageError } from './output.ts';

/** Exit codes (shared/CLI.md): 0 ok, 1 failure, 2 usage, 3 refusal. */
const EXIT_FAILURE = 1;
const EXIT_USAGE = 2;
const EXIT_REFUSED = 3;

export function buildProgram(): Command {
  const program = new Command('cleanroom')
    .description('Cleanroom: an open, self-hosted data clean room for media planning, activation and measurement')
    .option('--home <dir>', 'workspace folder (default: $CLEANROOM_HOME, else ./.cleanroom)')
    .option('--metadata <file-or-url>', 'control-plane database: a SQLite file or postgres://... (default: $CLEANROOM_METADATA, else <home>/metadata.db)')
    .showHelpAfterError()
    .exitOverride()
    // Every way of opening the workspace reads it from there (Workspace.open).
    .hook('preAction', (root) => {
      const metadata = root.opts<{ metadata?: string }>().metadata;
      if (metadata !== undefined) process.env['CLEANROOM_METADATA'] = metadata;
    });
  addRemoteOptions(program);
  registerMemberCommands(program);
  registerDatasetCommands(program);
  registerTableCommands(program);
  registerCollaborationCommands(program);
  registerTemplateCommands(program);
  registerQueryCommands(program);
  registerResultsCommands(program);
  registerInsightsCommands(program);
  registerDashboardCommands(program);
  registerPrivacyCommands(program);
  registerAuditCommands(program);
  registerServeCommand(program);
  registerKeyCommands(program);
  registerGenerateCommand(program);
  registerDemoCommand(program);
  for (const command of program.commands) {
    command.exitOverride();
    for (const sub of command.commands) sub.exitOverride();
  }
  return program;
}

function wantsJson(argv: readonly string[]): boolean {
  const i = argv.indexOf('--format');
  return (i >= 0 && argv[i + 1] === 'json') || argv.includes('--format=json');
}

export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version are not errors.
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
      return EXIT_USAGE;
    }
    if (e instanceof UsageError) {
      process.stderr.write(`error: ${e.message}\n`);
      return EXIT_USAGE;
    }
    if (e instanceof CleanroomError) {
      if (wantsJson(argv)) process.stdout.write(`${JSON.stringify({ status: 'error', error: e.diagnostic }, null, 2)}\n`);
      process.stderr.write(`error: ${formatDiagnostic(e.diagnostic)}\n`);
      return e.kind === 'refused' ? EXIT_REFUSED : EXIT_FAILURE;
    }
    const message = e instanceof Error ? e.message : String(e);
    process.stderr.write(`${message.startsWith('Internal error') ? '' : 'Internal error: '}${message}\n`);
    if (process.env['CLEANROOM_DEBUG'] && e instanceof Error) process.stderr.write(`${e.stack ?? ''}\n`);
    return EXIT_FAILURE;
  }
}

/**
 * A reader that stops early (`cleanroom ... --format json | head -1`) closes the pipe, and
 * Node, which ignores the SIGPIPE that ends a C tool quietly, reports the next write as
 * an unhandled EPIPE error with a stack trace. Nobody reads any more, so the output is
 * dropped (writes to the closed stream then fail silently) and the command finishes with
 * its own exit code: work already begun (a query, an ingest) is not cut off half-way, and
 * a refusal still exits 3 under `set -o pipefail`.
 */
function dropOutputWhenReaderLeaves(stream: NodeJS.WriteStream): void {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
  });
}

dropOutputWhenReaderLeaves(process.stdout);
dropOutputWhenReaderLeaves(process.stderr);
process.exitCode = await main(process.argv.slice(2));
