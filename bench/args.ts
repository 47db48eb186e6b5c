import { resolve } from 'node:path';

export interface BenchArgs {
  /** Impressions generated (the demo's `--scale`). */
  readonly scale: number;
  /** Timed runs per query and contender, after one warm-up. */
  readonly repeat: number;
  /** Runs of `cleanroom query run` from the shell. */
  readonly shellRepeat: number;
  /** Cache folder for the generated data and the benchmark's workspace. */
  readonly dataDir: string;
  readonly seed: number;
  readonly threads: number;
  readonly memoryLimit: string;
  /** Write the figures as JSON here as well (optional). */
  readonly jsonOut: string | undefined;
}

const USAGE = `usage: npm run bench -- [--scale N] [--repeat N] [--shell-repeat N] [--data DIR]
                        [--seed N] [--threads N] [--memory 8GB] [--json FILE]
  --scale N          impressions to generate (default 10000000; 200000 for a quick smoke run)
  --repeat N         timed runs per query and contender after one warm-up (default 5)
  --shell-repeat N   runs of 'cleanroom query run' from the shell (default 3)
  --data DIR         cache folder (default bench/out/data-<scale>)
  --threads N        DuckDB threads for every contender (default 2)
  --memory SIZE      DuckDB memory limit for every contender (default 8GB)
  --json FILE        also write the figures as JSON`;

export function parseArgs(argv: readonly string[]): BenchArgs {
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 1) {
    const flag = argv[i] ?? '';
    if (flag === '--help' || flag === '-h') {
      console.log(USAGE);
      process.exit(0);
    }
    const eq = flag.indexOf('=');
    const [name, value] = eq > 0 ? [flag.slice(0, eq), flag.slice(eq + 1)] : [flag, argv[++i]];
    if (!name.startsWith('--') || value === undefined) fail(`bad argument '${flag}'`);
    values.set(name.slice(2), value);
  }
  const known = new Set(['scale', 'repeat', 'shell-repeat', 'data', 'seed', 'threads', 'memory', 'json']);
  for (const name of values.keys()) if (!known.has(name)) fail(`unknown option --${name}`);

  const scale = positiveInt(values.get('scale') ?? '10000000', 'scale');
  return {
    scale,
    repeat: positiveInt(values.get('repeat') ?? '5', 'repeat'),
    shellRepeat: positiveInt(values.get('shell-repeat') ?? '3', 'shell-repeat'),
    dataDir: resolve(values.get('data') ?? `bench/out/data-${scale}`),
    seed: positiveInt(values.get('seed') ?? '42', 'seed'),
    threads: positiveInt(values.get('threads') ?? '2', 'threads'),
    memoryLimit: values.get('memory') ?? '8GB',
    jsonOut: values.get('json'),
  };
}

function positiveInt(text: string, name: string): number {
  const n = Number(text.replaceAll('_', ''));
  if (!Number.isSafeInteger(n) || n < 1) fail(`--${name} needs a positive integer, got '${text}'`);
  return n;
}

function fail(message: string): never {
  console.error(`bench: ${message}\n${USAGE}`);
  process.exit(2);
}
