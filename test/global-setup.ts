/**
 * Runs once before every test file: builds web/dist from web/src, so the browser tests
 * (several files, run in parallel workers) share one fresh bundle instead of each
 * deleting and rewriting the folder another is serving.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const root = fileURLToPath(new URL('../', import.meta.url));
  execFileSync(process.execPath, [join(root, 'scripts', 'build-web.mjs')], { stdio: 'inherit' });
}
