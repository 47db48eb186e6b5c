import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { Command } from 'commander';
import { defaultHome, Workspace } from '../../collaboration/workspace.ts';
import { UsageError } from '../output.ts';
import { startServer, stopOnSignal } from './serve-start.ts';

interface ServeFlags {
  readonly port: string;
  readonly host: string;
  readonly tlsCert?: string;
  readonly tlsKey?: string;
  readonly insecure?: boolean;
  readonly metricsPort?: string;
  readonly maxQueriesPerMember: string;
  readonly maxRunning: string;
  readonly queryTimeout: string;
  readonly queryMemory?: string;
  readonly queryThreads?: string;
  readonly maxUpload: string;
  readonly rateLimit: string;
  readonly shutdownGrace: string;
}

/** 127.0.0.0/8, ::1 and `localhost`: addresses only this machine can reach. */
export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1' || host === '[::1]';
}

function whole(flag: string, text: string, min: number): number {
  if (!/^\d+$/.test(text) || Number(text) < min) throw new UsageError(`${flag} takes a whole number of at least ${min}, not '${text}'`);
  return Number(text);
}

/** `10GiB`, `500MB`, `1024` (bytes). */
export function parseBytes(flag: string, text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(B|KB|KiB|MB|MiB|GB|GiB|TB|TiB)?$/i.exec(text.trim());
  if (!m) throw new UsageError(`${flag} takes a size such as 500MB or 10GiB, not '${text}'`);
  const units: Record<string, number> = { b: 1, kb: 1e3, kib: 1024, mb: 1e6, mib: 1024 ** 2, gb: 1e9, gib: 1024 ** 3, tb: 1e12, tib: 1024 ** 4 };
  return Math.floor(Number(m[1]) * (units[(m[2] ?? 'b').toLowerCase()] ?? 1));
}

function readPem(flag: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new UsageError(`${flag}: cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description(
      'run the HTTP API for several organisations over this workspace (docs/server.md)\n' +
        'example: cleanroom serve --port 7431\n' +
        '         cleanroom serve --host 0.0.0.0 --tls-cert cert.pem --tls-key key.pem --metrics-port 9464',
    )
    .option('--port <n>', 'port to listen on', '7431')
    .option('--host <address>', 'address to listen on (loopback by default)', '127.0.0.1')
    .option('--tls-cert <file>', 'TLS certificate (PEM)')
    .option('--tls-key <file>', 'TLS private key (PEM)')
    .option('--insecure', 'allow plain HTTP on a non-loopback address (keys would cross the network in clear)')
    .option('--metrics-port <n>', 'serve /metrics without a key on 127.0.0.1:<n> only, instead of behind the administrator key')
    .option('--max-queries-per-member <n>', 'queries one member may have queued or running', '5')
    .option('--max-running <n>', 'queries the engine runs at once (the rest queue)', '2')
    .option('--query-timeout <seconds>', 'longest a query may run', '1800')
    .option('--query-memory <size>', 'DuckDB memory_limit per query (default: $CLEANROOM_MEMORY_LIMIT or 4GB)')
    .option('--query-threads <n>', 'DuckDB threads per query (default: $CLEANROOM_THREADS or 2)')
    .option('--max-upload <size>', 'largest dataset upload (uploads are held in the private memory-backed scratch while they are encrypted)', '2GiB')
    .option('--rate-limit <n>', 'requests per minute per API key (0: off)', '1200')
    .option('--shutdown-grace <seconds>', 'on SIGTERM, how long running queries may take to finish', '30')
    .action(async (flags: ServeFlags, cmd: Command) => {
      const port = whole('--port', flags.port, 0);
      if ((flags.tlsCert === undefined) !== (flags.tlsKey === undefined)) throw new UsageError('give both --tls-cert and --tls-key');
      const tls = flags.tlsCert && flags.tlsKey ? { cert: readPem('--tls-cert', flags.tlsCert), key: readPem('--tls-key', flags.tlsKey) } : undefined;
      if (!tls && !isLoopback(flags.host) && flags.insecure !== true) {
        throw new UsageError(
          `refusing to listen on ${flags.host} without TLS: API keys would cross the network in clear; give --tls-cert and --tls-key (or --insecure behind a TLS proxy)`,
        );
      }
      const globals = cmd.optsWithGlobals<{ home?: string }>();
      const engineRunning = whole('--max-running', flags.maxRunning, 1);
      const workspace = await Workspace.open(defaultHome(globals.home), {
        engineConcurrency: engineRunning,
        ...(flags.queryMemory ? { memoryLimit: flags.queryMemory } : {}),
        ...(flags.queryThreads ? { threads: whole('--query-threads', flags.queryThreads, 1) } : {}),
      });
      const rate = whole('--rate-limit', flags.rateLimit, 0);
      const grace = whole('--shutdown-grace', flags.shutdownGrace, 0) * 1000;
      const running = await startServer({
        workspace,
        host: flags.host,
        port,
        limits: {
          perMember: whole('--max-queries-per-member', flags.maxQueriesPerMember, 1),
          running: engineRunning,
          timeoutMs: whole('--query-timeout', flags.queryTimeout, 1) * 1000,
        },
        maxUploadBytes: parseBytes('--max-upload', flags.maxUpload),
        rateLimitPerMinute: rate === 0 ? false : rate,
        logLevel: process.env['CLEANROOM_LOG_LEVEL'] ?? 'info',
        ...(flags.metricsPort !== undefined ? { metricsPort: whole('--metrics-port', flags.metricsPort, 1) } : {}),
        ...(tls ? { tls } : {}),
      });
      const stopped = stopOnSignal(running, grace);
      process.stderr.write(`cleanroom serving ${workspace.home} at ${running.address} (API reference: ${running.address}/docs)\n`);
      await stopped;
      await workspace.close();
    });
}
