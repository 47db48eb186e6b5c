import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { showDataset } from '../src/collaboration/datasets.ts';
import { Workspace } from '../src/collaboration/workspace.ts';
import { openDatabase } from '../src/metadata/open-database.ts';
import { generateMasterKeyText } from '../src/storage/encryption/local-key-provider.ts';
import { MAGIC } from '../src/storage/encryption/object-format.ts';

/**
 * A home written before encryption at rest (plaintext objects and statistics, no data
 * keys) is encrypted in place on its first open; after that an unencrypted object is
 * refused as tampering.
 */
describe('a home from before encryption at rest', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cr-upgrade-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is encrypted in place on its first open, once', async () => {
    const home = join(dir, 'home');
    mkdirSync(join(home, 'tmp'), { recursive: true });
    const key = 'members/acme/datasets/visits/v1/part-0.parquet';
    const stats = JSON.stringify({ email: { nullCount: 0, min: 'old.secret@victim.example', max: 'zz@victim.example', approxDistinct: 2 } });
    // What an older Cleanroom left: rows written directly, a plaintext object in the store.
    const db = await openDatabase(join(home, 'metadata.db'));
    await db.insertInto('members').values({ name: 'acme', created_at: '2024-01-01T00:00:00Z' }).execute();
    const { id } = await db.insertInto('datasets').values({ member: 'acme', name: 'visits', created_at: '2024-01-01T00:00:00Z' }).returning('id').executeTakeFirstOrThrow();
    await db.insertInto('dataset_versions').values({
      dataset_id: id, version: 1, files_json: JSON.stringify([key]), columns_json: JSON.stringify([{ name: 'email', type: 'VARCHAR', originalName: 'email' }]),
      stats_json: stats, sources_json: '[]', row_count: 2, bytes: 24, created_at: '2024-01-01T00:00:00Z',
    }).execute();
    await db.destroy();
    const file = join(home, 'store', ...key.split('/'));
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, 'PAR1 old.secret@victim.example PAR1');

    const env = { CLEANROOM_MASTER_KEY: generateMasterKeyText() };
    const ws = await Workspace.open(home, { env });
    try {
      expect(readFileSync(file).subarray(0, 8).equals(MAGIC)).toBe(true);
      expect(readFileSync(file).includes(Buffer.from('old.secret'))).toBe(false);
      expect(Buffer.from((await ws.store.read(key)) ?? []).toString()).toBe('PAR1 old.secret@victim.example PAR1');
      const row = await ws.db.selectFrom('dataset_versions').select('stats_json').executeTakeFirstOrThrow();
      expect(row.stats_json).toMatch(/^crenc1:acme\/v1:/);
      expect((await showDataset(ws, 'acme', 'visits')).versions[0]?.stats['email']?.min).toBe('old.secret@victim.example');
    } finally {
      await ws.close();
    }
    // Later, a plaintext object put in its place is tampering, not a legacy object.
    writeFileSync(file, 'PAR1 planted PAR1');
    const again = await Workspace.open(home, { env });
    try {
      await expect(again.store.read(key)).rejects.toThrow(`Internal error: cannot decrypt object "${key}"`);
    } finally {
      await again.close();
    }
  });
});
