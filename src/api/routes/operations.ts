import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';
import { renderReferencePage } from '../openapi-page.ts';
import { requireAdmin } from '../principal.ts';
import type { ApiContext } from './context.ts';

const PUBLIC = { security: [] as { bearer: string[] }[] };

/** Health, readiness, metrics and the API's own description. */
export function registerOperationRoutes(app: FastifyInstance, context: ApiContext): void {
  app.get('/healthz', { schema: { ...PUBLIC, tags: ['operations'], summary: 'the process is up' } }, async () => ({ status: 'ok' }));

  app.get('/readyz', { schema: { ...PUBLIC, tags: ['operations'], summary: 'metadata and store answer' } }, async (_request, reply) => {
    try {
      await sql`SELECT 1`.execute(context.workspace.db);
      // A key that never exists: the store answers 'absent' without reading data.
      await context.workspace.store.stat('readyz/probe');
      return { status: 'ready' };
    } catch (e) {
      app.log.warn({ err: e }, 'not ready');
      return reply.code(503).send({ status: 'not-ready' });
    }
  });

  if (context.metricsOnMainListener) {
    app.get(
      '/metrics',
      { schema: { tags: ['operations'], summary: 'Prometheus metrics (administrator key only)' } },
      async (request, reply) => {
        requireAdmin(request);
        return reply.type(context.metrics.contentType).send(await context.metrics.text());
      },
    );
  }

  app.get('/openapi.json', { schema: { ...PUBLIC, hide: true } }, async () => app.swagger());
  app.get('/docs', { schema: { ...PUBLIC, hide: true } }, async (_request, reply) =>
    reply.type('text/html; charset=utf-8').send(renderReferencePage(app.swagger() as unknown as OpenApiDocumentShape)),
  );
}

/** The part of an OpenAPI document the reference page reads. */
export interface OpenApiDocumentShape {
  readonly info: { readonly title: string; readonly description?: string };
  readonly paths: Readonly<Record<string, Readonly<Record<string, OpenApiOperationShape>>>>;
}

export interface OpenApiOperationShape {
  readonly summary?: string;
  readonly description?: string;
  readonly tags?: readonly string[];
  readonly parameters?: readonly { readonly name: string; readonly in: string; readonly required?: boolean; readonly description?: string }[];
  readonly requestBody?: unknown;
  readonly security?: readonly unknown[];
}
