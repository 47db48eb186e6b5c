import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/cleanroom.js', import.meta.url));

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the real CLI as a user would (a separate process), with its own home folder. */
export function runCli(home: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): CliRun {
  const out = spawnSync(process.execPath, [BIN, '--home', home, ...args], {
    encoding: 'utf8',
    env: { ...process.env, CLEANROOM_THREADS: '1', CLEANROOM_MEMORY_LIMIT: '1GB', ...env },
    timeout: 120_000,
  });
  return { code: out.status ?? -1, stdout: out.stdout, stderr: out.stderr };
}
