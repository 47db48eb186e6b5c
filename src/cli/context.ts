import type { Command } from 'commander';
import { CleanroomClient } from '../client/cleanroom-client.ts';
import { defaultHome, Workspace } from '../collaboration/workspace.ts';
import type { Backend } from './backends/backend.ts';
import { embeddedBackend } from './backends/embedded.ts';
import { LazyWorkspace } from './backends/lazy-workspace.ts';
import { asCleanroomError } from './backends/remote-errors.ts';
import { remoteBackend } from './backends/remote.ts';
import { UsageError } from './output.ts';

export { actor } from './actor.ts';

/** Options every command inherits from the root program. */
export interface GlobalOptions {
  readonly home?: string;
  /** A Cleanroom server (`--server`, $CLEANROOM_SERVER): commands run there. */
  readonly server?: string;
  /** Its API key (`--token`, $CLEANROOM_TOKEN). */
  readonly token?: string;
}

/** Opens the workspace named by --home / $CLEANROOM_HOME, runs `work`, closes it. */
export async function withWorkspace<T>(command: Command, work: (workspace: Workspace) => Promise<T>): Promise<T> {
  const globals = command.optsWithGlobals<GlobalOptions>();
  const workspace = await Workspace.open(defaultHome(globals.home));
  try {
    return await work(workspace);
  } finally {
    await workspace.close();
  }
}

/** The server and key to talk to, or undefined for embedded mode. */
export function remoteTarget(command: Command): { readonly server: string; readonly token: string } | undefined {
  const { server, token } = command.optsWithGlobals<GlobalOptions>();
  if (server === undefined || server === '') return undefined;
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new UsageError(`--server takes the server's URL, e.g. https://cleanroom.example.com, not '${server}'`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--server must be an http or https URL, not '${server}'`);
  if (token === undefined || token === '') throw new UsageError('--server needs an API key: give --token <key> or set CLEANROOM_TOKEN');
  return { server, token };
}

/**
 * Runs `work` against the backend this invocation asks for, chosen here once: a Cleanroom
 * server when --server (or $CLEANROOM_SERVER) is given, else the local workspace (opened
 * only if the work needs it, closed after). A server's error answers come out as the
 * embedded errors, so main.ts prints and exits the same way.
 */
export async function withBackend<T>(command: Command, work: (backend: Backend) => Promise<T>): Promise<T> {
  const remote = remoteTarget(command);
  if (remote !== undefined) {
    try {
      return await work(remoteBackend(new CleanroomClient({ baseUrl: remote.server, token: remote.token })));
    } catch (e) {
      throw asCleanroomError(e);
    }
  }
  const workspace = new LazyWorkspace(command.optsWithGlobals<GlobalOptions>().home);
  try {
    return await work(embeddedBackend(workspace));
  } finally {
    await workspace.close();
  }
}

/** `a,b,c` -> ['a','b','c'] (empty items dropped). */
export function commaList(text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
