import { DuckDBInstance } from '@duckdb/node-api';
import { lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDataset } from '../src/collaboration/datasets.ts';
import { createMember } from '../src/collaboration/members.ts';
import { Workspace } from '../src/collaboration/workspace.ts';
import { MAGIC } from '../src/storage/encryption/object-format.ts';
import { PrivateScratch } from '../src/storage/private-scratch.ts';
import { runCli } from './support/run-cli.ts';

/**
 * Encryption at rest, end to end: the demo runs into a fresh home through the real CLI,
 * then every byte of every file under the home (metadata.db and its -wal/-shm, the
 * store, tmp, the key file, all of it) is searched for identifiers taken from the
 * generator's output. The demo's input folder (`<home>/demo-data`, the members' own
 * files before ingest) is the one thing left out, and it is the first control: the same
 * scan finds the identifiers there. The second control: a workspace with encryption
 * switched off, scanned the same way, gives them away.
 */

const SCALE = 3000;
const SEED = 11;
/** The generator's identifier shapes (src/synthetic/media-sql.ts): emails and transaction ids. */
const IDENTIFIER = /user\d{9}@[a-z0-9.-]+\.[a-z]{2,}|txn-[0-9a-f]{16}/g;

interface Found {
  readonly file: string;
  readonly identifier: string;
}

/** Every regular file under `dir` (links are not followed), skipping `skip` folders. */
function filesUnder(dir: string, skip: readonly string[] = []): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (skip.includes(full)) continue;
    if (entry.isDirectory()) out.push(...filesUnder(full, skip));
    else if (lstatSync(full).isFile()) out.push(full);
  }
  return out;
}

/**
 * The known identifiers that occur byte for byte in the files. Each file is read whole
 * and every identifier-shaped run is looked up, so thousands of identifiers cost one pass.
 */
function scan(files: readonly string[], identifiers: ReadonlySet<string>): Found[] {
  const found: Found[] = [];
  for (const file of files) {
    const text = readFileSync(file).toString('latin1');
    for (const match of text.matchAll(IDENTIFIER)) {
      if (identifiers.has(match[0])) found.push({ file, identifier: match[0] });
    }
  }
  return found;
}

/** Identifiers read from the generator's Parquet with DuckDB, independently of Cleanroom. */
async function identifiersOf(dataDir: string): Promise<Set<string>> {
  const duck = await DuckDBInstance.create(':memory:');
  const c = await duck.connect();
  try {
    const glob = (role: string, table: string) => `read_parquet('${join(dataDir, role, table)}/*.parquet')`;
    const reader = await c.runAndReadAll(
      `SELECT email_address FROM ${glob('brand', 'customers')}
       UNION SELECT email_address FROM ${glob('platform1', 'impressions')}
       UNION SELECT email_address FROM ${glob('brand', 'conversions')}
       UNION SELECT transaction_id FROM ${glob('brand', 'conversions')}`,
    );
    return new Set(reader.getRowsJson().map((r) => String(r[0])));
  } finally {
    c.closeSync();
    duck.closeSync();
  }
}

describe('encryption at rest: no plaintext identifier anywhere in the workspace', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cr-scan-'));
  const home = join(dir, 'home');
  const dataDir = join(home, 'demo-data', `scale-${SCALE}-seed-${SEED}-platforms-2`);
  let identifiers = new Set<string>();

  beforeAll(async () => {
    // The real CLI in its own process, with no master key configured: the laptop default.
    const env = { CLEANROOM_MASTER_KEY: '', CLEANROOM_MASTER_KEY_FILE: '', CLEANROOM_STORE: '' };
    const demo = runCli(home, ['demo', '--scale', String(SCALE), '--seed', String(SEED), '--format', 'json'], env);
    expect(demo.code, demo.stderr).toBe(0);
    const report = JSON.parse(demo.stdout) as { queries: { status: string }[] };
    expect(report.queries.filter((q) => q.status === 'succeeded').length).toBeGreaterThan(0);
    // Exercise the remaining readers of encrypted data once more: the owner's catalog
    // statistics, the query log, the results list.
    for (const args of [['dataset', 'show', 'brand', 'customers'], ['query', 'logs', 'media-demo', '--as', 'brand'], ['results', 'list', '--as', 'brand']]) {
      const r = runCli(home, args, env);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    }
    identifiers = await identifiersOf(dataDir);
  }, 300_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the scan works: it finds the identifiers in the plaintext input', () => {
    expect(identifiers.size).toBeGreaterThan(100);
    const inInput = scan(filesUnder(dataDir), identifiers);
    // Parquet compresses its pages, so not every identifier shows byte for byte; the
    // column statistics in each file's footer always do.
    expect(new Set(inInput.map((f) => f.identifier)).size).toBeGreaterThan(0);
  });

  it('finds none in any file of the workspace: metadata.db (+ -wal/-shm), store, tmp, key file', () => {
    const files = filesUnder(home, [join(home, 'demo-data')]);
    const names = files.map((f) => relative(home, f));
    // What is being scanned really is the workspace.
    expect(names).toContain('metadata.db');
    expect(names).toContain('master.key');
    expect(names.filter((n) => n.startsWith('store/members/brand/datasets/')).length).toBeGreaterThan(0);
    expect(names.filter((n) => n.startsWith('store/members/brand/results/')).length).toBeGreaterThan(0);
    expect(scan(files, identifiers)).toEqual([]);
  });

  it('every stored object is in the encrypted format', () => {
    const objects = filesUnder(join(home, 'store'));
    expect(objects.length).toBeGreaterThan(4);
    for (const file of objects) expect(readFileSync(file).subarray(0, 8).equals(MAGIC), file).toBe(true);
  });

  it('leaves no plaintext in the private scratch (memory-backed) or tmp after the commands', async () => {
    const scratch = await PrivateScratch.open({ home, fallbackParent: join(home, 'tmp') });
    expect(readdirSync(scratch.root)).toEqual([]);
    expect(filesUnder(join(home, 'tmp'))).toEqual([]);
    rmSync(scratch.root, { recursive: true, force: true });
  });

  it('control: the same scan of a workspace with encryption switched off finds them', async () => {
    const plainHome = join(dir, 'plaintext-home');
    const ws = await Workspace.open(plainHome, { threads: 1, memoryLimit: '1GB', encryptionAtRest: false, env: {} });
    try {
      await createMember(ws.db, 'brand');
      await createDataset(ws, 'brand', 'customers', [join(dataDir, 'brand', 'customers')]);
    } finally {
      await ws.close();
    }
    const found = scan(filesUnder(plainHome), identifiers);
    const where = new Set(found.map((f) => relative(plainHome, f.file).split('/')[0] ?? ''));
    // In the stored Parquet and in the catalog statistics (min/max) of metadata.db.
    expect(where).toContain('store');
    expect([...where].some((w) => w.startsWith('metadata.db'))).toBe(true);
  });
});
