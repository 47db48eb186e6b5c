// Builds the web UI (web/src/main.tsx) into web/dist: content-hashed assets under
// web/dist/assets/ (served with a year's cache) and web/dist/index.html naming them
// (served uncached), so a new build is picked up at the next page load.
// Usage: node scripts/build-web.mjs [--dev]   (--dev: no minification, source maps)
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'web', 'dist');
const dev = process.argv.includes('--dev');

await rm(out, { recursive: true, force: true });
await mkdir(join(out, 'assets'), { recursive: true });
const result = await build({
  entryPoints: [join(root, 'web', 'src', 'main.tsx')],
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome110', 'firefox110', 'safari16'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  entryNames: '[name]-[hash]',
  outdir: join(out, 'assets'),
  metafile: true,
  minify: !dev,
  sourcemap: dev,
  logLevel: 'warning',
  legalComments: 'none',
});

const outputs = Object.keys(result.metafile.outputs).map((p) => basename(p));
const script = outputs.find((p) => p.endsWith('.js'));
const style = outputs.find((p) => p.endsWith('.css'));
if (!script || !style) throw new Error(`Internal error: the web build produced ${outputs.join(', ')}`);
const template = await readFile(join(root, 'web', 'index.html'), 'utf8');
const html = template.replace('%SCRIPT%', `/assets/${script}`).replace('%STYLE%', `/assets/${style}`);
await writeFile(join(out, 'index.html'), html);
await writeFile(join(out, 'assets', 'favicon.svg'), await readFile(join(root, 'web', 'favicon.svg')));
