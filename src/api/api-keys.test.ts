import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMember } from '../collaboration/members.ts';
import { Workspace } from '../collaboration/workspace.ts';
import { authenticate, createApiKey, listApiKeys, revokeApiKey } from './api-keys.ts';

describe('API keys', () => {
  let home: string;
  let ws: Workspace;
  beforeEach(async () => {
    home = mkdtempSync(join(tmpdir(), 'cr-keys-'));
    ws = await Workspace.open(home);
    await createMember(ws.db, 'brand');
    await createMember(ws.db, 'platform');
  });
  afterEach(async () => {
    await ws.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('stores only a salted hash: the secret is nowhere in the database file', async () => {
    const key = await createApiKey(ws.db, { member: 'brand', label: 'laptop', createdBy: 'admin' });
    const [, id, secret] = /^crk_([0-9a-f]{16})_(.{43})$/.exec(key.token) ?? [];
    expect(id).toBe(key.id);
    const row = await ws.db.selectFrom('api_keys').selectAll().where('id', '=', key.id).executeTakeFirstOrThrow();
    // The hash recomputed independently from the stored salt.
    expect(row.secret_hash).toBe(createHash('sha256').update(`${row.salt}:${secret}`).digest('hex'));
    expect(JSON.stringify(row)).not.toContain(secret!);
    await ws.close();
    for (const file of ['metadata.db', 'metadata.db-wal']) {
      try {
        expect(readFileSync(join(home, file)).includes(Buffer.from(secret!))).toBe(false);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
    }
    ws = await Workspace.open(home);
  });

  it('authenticates the right token, refuses a changed, unknown, malformed or revoked one', async () => {
    const key = await createApiKey(ws.db, { member: 'brand', createdBy: 'admin' });
    expect(await authenticate(ws.db, key.token)).toMatchObject({ ok: true, key: { member: 'brand', role: 'member' } });
    const last = key.token.at(-1) === 'A' ? 'B' : 'A';
    expect(await authenticate(ws.db, key.token.slice(0, -1) + last)).toEqual({ ok: false, reason: 'unknown' });
    expect(await authenticate(ws.db, `crk_0000000000000000_${'a'.repeat(43)}`)).toEqual({ ok: false, reason: 'unknown' });
    expect(await authenticate(ws.db, 'hello')).toEqual({ ok: false, reason: 'malformed' });
    await revokeApiKey(ws.db, { member: 'brand' }, key.id);
    expect(await authenticate(ws.db, key.token)).toEqual({ ok: false, reason: 'revoked' });
  });

  it('lets a member revoke only its own keys, the administrator any; revoking twice keeps the first time', async () => {
    const brand = await createApiKey(ws.db, { member: 'brand', createdBy: 'admin' });
    await expect(revokeApiKey(ws.db, { member: 'platform' }, brand.id)).rejects.toMatchObject({ kind: 'not-found' });
    const first = await revokeApiKey(ws.db, { member: null }, brand.id);
    const second = await revokeApiKey(ws.db, { member: 'brand' }, brand.id);
    expect(second.revokedAt).toBe(first.revokedAt);
  });

  it('lists keys without secrets; administrator keys apart from members\' keys', async () => {
    await createApiKey(ws.db, { member: 'brand', label: 'one', createdBy: 'admin' });
    await createApiKey(ws.db, { member: null, label: 'ops', createdBy: 'operator' });
    const brandKeys = await listApiKeys(ws.db, 'brand');
    expect(brandKeys.map((k) => k.label)).toEqual(['one']);
    expect(JSON.stringify(brandKeys)).not.toMatch(/crk_|salt|hash/);
    expect((await listApiKeys(ws.db, null)).map((k) => k.role)).toEqual(['admin']);
    await expect(createApiKey(ws.db, { member: 'nobody', createdBy: 'admin' })).rejects.toMatchObject({ kind: 'not-found' });
  });
});
