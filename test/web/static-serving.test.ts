import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEB_CSP } from '../../src/api/web-ui.ts';
import { ApiWorld } from '../support/api-world.ts';

/** How the server serves the web UI (in process, no browser): routes, headers, a missing build. */
describe('serving the web UI', () => {
  let built: ApiWorld;
  let unbuilt: ApiWorld;
  const dirs: string[] = [];

  beforeAll(async () => {
    const root = mkdtempSync(join(tmpdir(), 'cr-web-'));
    const empty = mkdtempSync(join(tmpdir(), 'cr-web-empty-'));
    dirs.push(root, empty);
    mkdirSync(join(root, 'assets'));
    writeFileSync(join(root, 'index.html'), '<!doctype html><script type="module" src="/assets/main-ABCD1234.js"></script>');
    writeFileSync(join(root, 'assets', 'main-ABCD1234.js'), 'console.log(1)');
    writeFileSync(join(root, 'assets', 'favicon.svg'), '<svg/>');
    built = await ApiWorld.start({ webRoot: root });
    unbuilt = await ApiWorld.start({ webRoot: empty });
  });
  afterAll(async () => {
    await built.close();
    await unbuilt.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('answers the single page at / and under /app/, uncached, with a same-origin-only CSP', async () => {
    for (const url of ['/', '/app', '/app/', '/app/results/some-id', '/app/collaborations/media?x=1']) {
      const r = await built.call(undefined, 'GET', url);
      expect(r.status, url).toBe(200);
      expect(r.headers['content-type']).toMatch(/^text\/html/);
      expect(r.text).toContain('/assets/main-ABCD1234.js');
      expect(r.headers['cache-control']).toBe('no-cache');
      expect(r.headers['content-security-policy']).toBe(WEB_CSP);
      expect(r.headers['x-content-type-options']).toBe('nosniff');
    }
    expect(WEB_CSP).toContain("script-src 'self'");
    expect(WEB_CSP).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
  });

  it('serves hashed assets for a year and other assets for a day; nothing outside the assets folder', async () => {
    const js = await built.call(undefined, 'GET', '/assets/main-ABCD1234.js');
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toMatch(/^text\/javascript/);
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const icon = await built.call(undefined, 'GET', '/assets/favicon.svg');
    expect(icon.headers['cache-control']).toBe('public, max-age=86400');
    for (const url of ['/assets/missing-ABCD1234.js', '/assets/..%2Findex.html', '/assets/index.html', '/assets/%2e%2e%2f%2e%2e%2fpackage.json']) {
      expect((await built.call(undefined, 'GET', url)).status, url).toBe(404);
    }
  });

  it('leaves the API as it was: JSON, keys required', async () => {
    const r = await built.call(undefined, 'GET', '/v1/results');
    expect(r.status).toBe(401);
    expect((r.body as { error: { code: string } }).error.code).toBeTruthy();
    expect((await built.call(undefined, 'GET', '/healthz')).status).toBe(200);
  });

  it('says how to build the UI when web/dist is missing', async () => {
    const r = await unbuilt.call(undefined, 'GET', '/');
    expect(r.status).toBe(503);
    expect(r.text).toContain('The Cleanroom web UI is not built');
    expect(r.text).toContain('npm run build:web');
    expect((await unbuilt.call(undefined, 'GET', '/app/results')).text).toContain('npm run build:web');
  });
});
