/**
 * The OpenDP library (PyPI package `opendp`, pinned in requirements.txt beside this
 * file) as a test peer: a Python virtual environment created on first use under
 * node_modules/.cache/cleanroom-opendp/, reused by later runs until `npm ci` wipes
 * node_modules or the pin or the Python changes, and `opendp_peer.py` run in it.
 * Tests only: nothing in src/ depends on Python.
 *
 * A missing Python, venv module, network or wheel is an environment failure the test
 * must report (not skip): every failure here throws with what went wrong and how to fix it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..', '..', '..');
const REQUIREMENTS = join(HERE, 'requirements.txt');
const PEER = join(HERE, 'opendp_peer.py');

/** The pinned version, e.g. '0.16.0'. */
export const OPENDP_VERSION = (() => {
  const m = /^opendp==(\S+)$/m.exec(readFileSync(REQUIREMENTS, 'utf8'));
  if (!m?.[1]) throw new Error(`Internal error: ${REQUIREMENTS} must pin opendp==<version>`);
  return m[1];
})();

function fail(step: string, detail: string, hint: string): never {
  throw new Error(`OpenDP test peer: ${step} failed.\n${detail.trim()}\nHint: ${hint}`);
}

function run(command: string, args: readonly string[], step: string, hint: string, timeoutMs: number): string {
  const r = spawnSync(command, args, {
    encoding: 'utf8',
    timeout: timeoutMs,
    env: { ...process.env, PIP_DISABLE_PIP_VERSION_CHECK: '1', PIP_NO_INPUT: '1', PYTHONDONTWRITEBYTECODE: '1' },
  });
  if (r.error) fail(step, `${command} ${args.join(' ')}: ${r.error.message}`, hint);
  if (r.status !== 0) fail(step, `${command} ${args.join(' ')} exited with ${r.status}:\n${r.stderr}\n${r.stdout}`.slice(-4000), hint);
  return r.stdout;
}

function pythonIn(venv: string): string {
  return join(venv, 'bin', 'python');
}

function installedVersion(venv: string): string | undefined {
  if (!existsSync(join(venv, 'ready'))) return undefined;
  const r = spawnSync(pythonIn(venv), ['-c', 'from importlib.metadata import version; print(version("opendp"))'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

let cached: string | undefined;

/**
 * The venv's python, creating the venv and installing the pin if needed (about 10 s,
 * a 47 MB wheel). Concurrent callers each build in their own folder and rename it into
 * place; whoever loses the race uses the winner's.
 */
export function opendpPython(): string {
  if (cached !== undefined) return cached;
  const pythonVersion = run('python3', ['--version'], 'finding python3', 'install Python 3 (3.10 or later) as python3', 30_000).trim();
  const key = createHash('sha256').update(readFileSync(REQUIREMENTS)).update(pythonVersion).digest('hex').slice(0, 12);
  const base = join(ROOT, 'node_modules', '.cache', 'cleanroom-opendp');
  const venv = join(base, key);
  if (installedVersion(venv) !== OPENDP_VERSION) {
    mkdirSync(base, { recursive: true });
    const building = `${venv}.building-${process.pid}`;
    rmSync(building, { recursive: true, force: true });
    try {
      run('python3', ['-m', 'venv', building], 'creating a Python virtual environment', 'on Debian/Ubuntu: apt-get install python3-venv (the CI script does this)', 120_000);
      run(pythonIn(building), ['-m', 'pip', 'install', '--quiet', '--only-binary=:all:', '-r', REQUIREMENTS], `pip install opendp==${OPENDP_VERSION} from PyPI`, 'PyPI must be reachable and serve a wheel of this version for this platform and Python', 600_000);
      writeFileSync(join(building, 'ready'), `${OPENDP_VERSION}\n`);
      rmSync(venv, { recursive: true, force: true });
      renameSync(building, venv);
    } catch (e) {
      rmSync(building, { recursive: true, force: true });
      // Losing the rename to a concurrent run is fine; any other failure is reported.
      if (installedVersion(venv) !== OPENDP_VERSION) throw e;
    }
    const got = installedVersion(venv);
    if (got !== OPENDP_VERSION) fail('checking the installed opendp', `expected ${OPENDP_VERSION}, found ${got ?? 'nothing'} in ${venv}`, `delete ${base} and run again`);
  }
  cached = pythonIn(venv);
  return cached;
}

/** Runs opendp_peer.py with one request; returns its parsed answer. */
export function askOpenDp<T>(queries: readonly unknown[]): { readonly opendp: string; readonly results: T } {
  const python = opendpPython();
  let out: string;
  try {
    out = execFileSync(python, [PEER], { input: JSON.stringify({ queries }), encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, timeout: 300_000 });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    return fail('running opendp_peer.py', err.stderr ?? err.message, 'see the Python traceback above');
  }
  return JSON.parse(out) as { opendp: string; results: T };
}
