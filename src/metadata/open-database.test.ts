import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from './open-database.ts';

describe('openDatabase', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('creates the schema once and reopens an existing database without re-running migrations', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cr-meta-'));
    dirs.push(dir);
    const file = join(dir, 'meta.db');
    const db = await openDatabase(file);
    await db.insertInto('members').values({ name: 'brand', created_at: '2024-01-01T00:00:00Z' }).execute();
    await db.destroy();
    const again = await openDatabase(file);
    const rows = await again.selectFrom('members').selectAll().execute();
    expect(rows.map((r) => r.name)).toEqual(['brand']);
    await again.destroy();
  });

  it('enforces foreign keys', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cr-meta-'));
    dirs.push(dir);
    const db = await openDatabase(join(dir, 'meta.db'));
    await expect(
      db.insertInto('datasets').values({ member: 'nobody', name: 'x', created_at: 'now' }).execute(),
    ).rejects.toThrow(/FOREIGN KEY/);
    await db.destroy();
  });
});
