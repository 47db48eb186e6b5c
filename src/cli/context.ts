import type { Command } from 'commander';
import { forbidden } from '../collaboration/errors.ts';
import { defaultHome, Workspace } from '../collaboration/workspace.ts';

/** Options every command inherits from the root program. */
export interface GlobalOptions {
  readonly home?: string;
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

/**
 * Who acts (shared/CLI.md): `--as`, else the member the command names. A named member
 * other than the actor is refused.
 */
export function actor(as: string | undefined, named: string | undefined): string {
  const who = as ?? named;
  if (who === undefined) throw forbidden('say who acts with --as <member>');
  if (named !== undefined && named !== who) {
    throw forbidden(`member '${who}' cannot act for member '${named}'`, `run the command --as ${named}`);
  }
  return who;
}

/** `a,b,c` -> ['a','b','c'] (empty items dropped). */
export function commaList(text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
