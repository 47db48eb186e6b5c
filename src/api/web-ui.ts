import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';

/**
 * Only this origin: the bundle is one file of our own, no inline script or style, and
 * the API is the same origin. `blob:` images are exports made in the page.
 */
export const WEB_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; " +
  "font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const TYPES: Readonly<Record<string, string>> = {
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
  png: 'image/png',
  map: 'application/json; charset=utf-8',
};

/** An asset name as the build writes it (`main-ABC123.js`): never a path. */
const ASSET = /^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*\.(js|css|svg|png|map)$/;

const NOT_BUILT =
  'The Cleanroom web UI is not built.\n\n' +
  'Build it in the Cleanroom folder with `npm run build:web` (or `npm run build`, which `npm ci` runs), then reload this page.\n' +
  'The HTTP API works without it: see /docs.\n';

/** web/dist beside the sources (src/api/) or beside the CLI bundle (dist/). */
export function defaultWebRoot(): string {
  const candidates = [fileURLToPath(new URL('../../web/dist/', import.meta.url)), fileURLToPath(new URL('../web/dist/', import.meta.url))];
  return candidates.find((c) => existsSync(join(c, 'index.html'))) ?? candidates[0]!;
}

function secured(reply: FastifyReply): FastifyReply {
  return reply
    .header('content-security-policy', WEB_CSP)
    .header('x-content-type-options', 'nosniff')
    .header('x-frame-options', 'DENY')
    .header('referrer-policy', 'no-referrer');
}

/**
 * The browser UI (web/): `/` and `/app/*` answer the single page (it routes on the
 * client), `/assets/*` the hashed bundle files. Read from disk per request, so a
 * rebuild needs no restart; a missing build answers how to make it.
 */
export function registerWebUi(app: FastifyInstance, webRoot: string): void {
  const hidden = { schema: { hide: true, security: [] as { bearer: string[] }[] } };
  const page = async (_request: unknown, reply: FastifyReply): Promise<FastifyReply> => {
    let html: Buffer;
    try {
      html = await readFile(join(webRoot, 'index.html'));
    } catch {
      return secured(reply).code(503).header('cache-control', 'no-store').type('text/plain; charset=utf-8').send(NOT_BUILT);
    }
    return secured(reply).header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(html);
  };
  app.get('/', hidden, page);
  app.get('/app', hidden, page);
  app.get('/app/*', hidden, page);
  app.get<{ Params: { file: string } }>('/assets/:file', hidden, async (request, reply) => {
    const match = ASSET.exec(request.params.file);
    let body: Buffer | undefined;
    if (match) body = await readFile(join(webRoot, 'assets', request.params.file)).catch(() => undefined);
    if (!match || body === undefined) {
      return secured(reply).code(404).send({ error: { code: 'unknown-asset', message: `no web UI asset '${request.params.file}'` } });
    }
    // Hashed names never change content; the favicon keeps its name, so it is revalidated daily.
    const immutable = /-[A-Z0-9]{8,}\./.test(request.params.file);
    return secured(reply)
      .header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'public, max-age=86400')
      .type(TYPES[match[1]!]!)
      .send(body);
  });
}
