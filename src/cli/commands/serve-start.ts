/**
 * Starting the HTTP server over an open workspace and stopping it on a signal: shared by
 * `cleanroom serve` and `cleanroom demo --serve`.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { buildServer } from '../../api/server.ts';
import type { Workspace } from '../../collaboration/workspace.ts';

export interface StartOptions {
  readonly workspace: Workspace;
  readonly host: string;
  readonly port: number;
  readonly limits: { readonly perMember: number; readonly running: number; readonly timeoutMs: number };
  readonly maxUploadBytes: number;
  readonly rateLimitPerMinute: number | false;
  readonly logLevel: string;
  readonly tls?: { readonly cert: Buffer; readonly key: Buffer };
  /** Serve /metrics without a key on 127.0.0.1:<port> instead of behind the administrator key. */
  readonly metricsPort?: number;
}

export interface RunningServer {
  /** `http://127.0.0.1:7431`, with the port actually bound. */
  readonly address: string;
  /** Lets running queries finish (up to graceMs), then closes the listeners (not the workspace). */
  readonly stop: (graceMs: number) => Promise<void>;
}

export async function startServer(options: StartOptions): Promise<RunningServer> {
  const server = await buildServer({
    workspace: options.workspace,
    limits: options.limits,
    maxUploadBytes: options.maxUploadBytes,
    rateLimitPerMinute: options.rateLimitPerMinute,
    logger: { level: options.logLevel },
    metricsOnMainListener: options.metricsPort === undefined,
    ...(options.tls ? { tls: options.tls } : {}),
  });
  let metricsApp: FastifyInstance | undefined;
  if (options.metricsPort !== undefined) {
    metricsApp = Fastify({ logger: false });
    metricsApp.get('/metrics', async (_request, reply) => reply.type(server.metrics.contentType).send(await server.metrics.text()));
    await metricsApp.listen({ host: '127.0.0.1', port: options.metricsPort });
  }
  const address = await server.app.listen({ host: options.host, port: options.port });
  return {
    address,
    stop: async (graceMs) => {
      await server.shutdown(graceMs);
      await metricsApp?.close();
    },
  };
}

/** Resolves once SIGTERM or SIGINT arrived and the server stopped (running queries get graceMs). */
export function stopOnSignal(running: RunningServer, graceMs: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const stop = (signal: string): void => {
      process.stderr.write(`${signal}: finishing running queries (up to ${graceMs / 1000} s), then stopping\n`);
      running.stop(graceMs).then(resolve, reject);
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}
