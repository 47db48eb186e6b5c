import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import multipart from '@fastify/multipart';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import type { Workspace } from '../collaboration/workspace.ts';
import { handleError, HttpProblem } from './http-problem.ts';
import { ServerMetrics } from './metrics.ts';
import { resolvePrincipal } from './principal.ts';
import { DEFAULT_LIMITS, QueryScheduler, type SchedulerLimits } from './query-scheduler.ts';
import { recordFinishedQuery } from './record-finished-query.ts';
import { registerAuditRoutes } from './routes/audit.ts';
import { registerDashboardRoutes } from './routes/dashboards.ts';
import { registerCollaborationRoutes } from './routes/collaborations.ts';
import { registerDatasetRoutes } from './routes/datasets.ts';
import { registerInsightRoutes } from './routes/insights.ts';
import { registerMemberRoutes } from './routes/members.ts';
import { registerOperationRoutes } from './routes/operations.ts';
import { registerPrivacyRoutes } from './routes/privacy.ts';
import { registerQueryRoutes } from './routes/queries.ts';
import { registerResultRoutes } from './routes/results.ts';
import { registerResultsSqlRoutes } from './routes/results-sql.ts';
import { registerTableRoutes } from './routes/tables.ts';
import { registerTemplateRoutes } from './routes/templates.ts';
import type { ApiContext } from './routes/context.ts';
import { defaultWebRoot, registerWebUi } from './web-ui.ts';

export interface ServerOptions {
  readonly workspace: Workspace;
  readonly limits?: Partial<SchedulerLimits>;
  /** Largest dataset upload, in bytes (default 2 GiB: uploads sit in the memory-backed private scratch). */
  readonly maxUploadBytes?: number;
  /** Largest JSON request body, in bytes (default 1 MiB). */
  readonly bodyLimit?: number;
  /** Requests per minute per API key (or per address without one); false turns it off. */
  readonly rateLimitPerMinute?: number | false;
  /** Fastify's logger setting: pino options, or false for none (tests). */
  readonly logger?: FastifyServerOptions['logger'];
  /** TLS key and certificate (PEM); without them the server speaks plain HTTP. */
  readonly tls?: { readonly key: Buffer; readonly cert: Buffer };
  /** Serve /metrics (behind the administrator key) on this listener too (default true). */
  readonly metricsOnMainListener?: boolean;
  /** The built web UI (web/dist); default: beside the sources or the CLI bundle. */
  readonly webRoot?: string;
}

export interface CleanroomServer {
  readonly app: FastifyInstance;
  readonly scheduler: QueryScheduler;
  readonly metrics: ServerMetrics;
  /** Stops taking requests, lets queries finish for `graceMs`, then fails the rest. */
  shutdown(graceMs: number): Promise<void>;
}

const API_DESCRIPTION =
  'Every capability of the Cleanroom CLI over HTTP. Authenticate with `Authorization: Bearer <API key>`. ' +
  'Errors are `{ "error": { "code", "message", "hint"? } }` with the same diagnostics as the CLI.';

/**
 * Builds the HTTP API over one workspace (not yet listening: `app.listen` or
 * `app.inject` in tests).
 *
 * @example
 *   const server = await buildServer({ workspace: await Workspace.open('.cleanroom') });
 *   await server.app.listen({ host: '127.0.0.1', port: 7431 });
 */
export async function buildServer(options: ServerOptions): Promise<CleanroomServer> {
  const { workspace } = options;
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    // Unknown fields are an error the caller should hear about, never silently dropped.
    ajv: { customOptions: { removeAdditional: false, useDefaults: true, coerceTypes: 'array', allErrors: false, allowUnionTypes: true } },
    ...(options.tls ? { https: { key: options.tls.key, cert: options.tls.cert } } : {}),
  }) as unknown as FastifyInstance;
  const limits: SchedulerLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const metrics: ServerMetrics = new ServerMetrics(() => scheduler.active);
  const scheduler: QueryScheduler = new QueryScheduler(
    workspace.db,
    limits,
    (finished) => {
      void recordFinishedQuery(workspace.db, metrics, finished).catch((e: unknown) => app.log.error({ err: e }, 'recording query metrics failed'));
    },
    // The text of an unexpected failure goes to the operator's log only.
    (queryId, error) => app.log.error({ err: error, queryId }, 'a query failed inside the server'),
  );

  app.decorateRequest('principal', undefined);
  app.decorateRequest('authProblem', undefined);
  app.setErrorHandler(handleError);
  app.addHook('onRequest', async (request, reply) => {
    void reply.header('x-request-id', request.id);
    if (request.url.startsWith('/v1/') || request.url.startsWith('/metrics')) {
      try {
        request.principal = await resolvePrincipal(workspace.db, request);
      } catch (e) {
        if (!(e instanceof HttpProblem)) throw e;
        request.authProblem = e;
      }
    }
  });
  // A refused key is answered only now, after the rate limiter (an onRequest hook of the
  // routes) has counted the request against the caller's address: key guessing and
  // lookup floods are limited like everything else.
  app.addHook('preParsing', async (request) => {
    if (request.authProblem) throw request.authProblem;
  });
  app.addHook('onResponse', async (request, reply) => {
    metrics.httpRequests.inc({ method: request.method, route: request.routeOptions.url ?? 'unmatched', code: String(reply.statusCode) });
  });
  // Uploads stream through untouched (datasets.ts counts and limits the bytes itself).
  app.addContentTypeParser(['application/octet-stream', 'text/csv', 'text/tab-separated-values', 'application/gzip', 'application/x-ndjson', 'application/vnd.apache.parquet', 'application/zstd'], (_request, payload, done) => done(null, payload));

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'Cleanroom API', version: '1', description: API_DESCRIPTION },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'an API key (`crk_...`)' } } },
      security: [{ bearer: [] }],
    },
  });
  // Several files in one upload (datasets.ts): paths kept (partition folders), each checked there.
  await app.register(multipart, { preservePath: true, limits: { files: 10_000, fields: 16, fieldSize: 64 * 1024 } });
  if (options.rateLimitPerMinute !== false) {
    await app.register(rateLimit, {
      max: options.rateLimitPerMinute ?? 1200,
      timeWindow: 60_000,
      keyGenerator: (request) => (request.principal ? `key:${request.principal.keyId}` : `ip:${request.ip}`),
      errorResponseBuilder: (_request, context) =>
        new HttpProblem(429, { code: 'rate-limited', message: `more than ${context.max} requests in a minute`, hint: `retry after ${context.after}` }),
    });
  }

  const context: ApiContext = {
    workspace,
    scheduler,
    metrics,
    maxUploadBytes: options.maxUploadBytes ?? 2 * 1024 ** 3,
    metricsOnMainListener: options.metricsOnMainListener ?? true,
  };
  await app.register(async (scope) => {
    registerOperationRoutes(scope, context);
    registerAuditRoutes(scope, context);
    registerMemberRoutes(scope, context);
    registerDatasetRoutes(scope, context);
    registerTableRoutes(scope, context);
    registerCollaborationRoutes(scope, context);
    registerTemplateRoutes(scope, context);
    registerQueryRoutes(scope, context);
    registerInsightRoutes(scope, context);
    registerResultRoutes(scope, context);
    registerResultsSqlRoutes(scope, context);
    registerDashboardRoutes(scope, context);
    registerPrivacyRoutes(scope, context);
  });
  // The browser UI (web/): `/`, `/app/*` and `/assets/*`, same origin as the API.
  registerWebUi(app, options.webRoot ?? defaultWebRoot());
  await app.ready();

  return {
    app,
    scheduler,
    metrics,
    async shutdown(graceMs: number): Promise<void> {
      const closing = app.close();
      await scheduler.drain(graceMs);
      await closing;
    },
  };
}
