import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

export interface ShellTiming {
  readonly ms: readonly number[];
  /** `cleanroom --help`: Node start plus loading the TypeScript sources, no work. */
  readonly startupMs: readonly number[];
}

const CLI = resolve('bin/cleanroom.js');

/**
 * Wall time of `cleanroom query run ... --format json` as a user types it, with the
 * same engine threads and memory as the in-process runs (given through the
 * environment, as the CLI reads them).
 */
export function timeShellQuery(
  home: string,
  collaboration: string,
  runner: string,
  sql: string,
  repeat: number,
  engine: { threads: number; memoryLimit: string },
): ShellTiming {
  const env = { ...process.env, CLEANROOM_THREADS: String(engine.threads), CLEANROOM_MEMORY_LIMIT: engine.memoryLimit };
  const once = (args: readonly string[], check: (stdout: string) => void): number => {
    const started = performance.now();
    const child = spawnSync(process.execPath, [CLI, ...args], { env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    const elapsed = performance.now() - started;
    if (child.status !== 0) {
      throw new Error(`cleanroom ${args.join(' ')} exited ${String(child.status)}:\n${child.stderr}\n${child.stdout}`);
    }
    check(child.stdout);
    return elapsed;
  };
  const queryArgs = ['--home', home, 'query', 'run', collaboration, '--as', runner, '--sql', sql, '--format', 'json'];
  const checkQuery = (stdout: string): void => {
    const parsed = JSON.parse(stdout) as { status?: unknown };
    if (parsed.status !== 'succeeded') throw new Error(`cleanroom query run did not succeed: ${stdout}`);
  };
  const msList: number[] = [];
  const startupMs: number[] = [];
  once(queryArgs, checkQuery); // warm-up: file cache, tsx cache
  for (let i = 0; i < repeat; i += 1) {
    msList.push(once(queryArgs, checkQuery));
    startupMs.push(once(['--help'], () => undefined));
  }
  return { ms: msList, startupMs };
}
