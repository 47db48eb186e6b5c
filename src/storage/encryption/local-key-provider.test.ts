import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateMasterKeyText, LocalKeyProvider } from './local-key-provider.ts';

describe('master key from a file or the environment', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'cr-mk-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const raw = randomBytes(32);
  const expectedId = LocalKeyProvider.fromBytes(raw).masterKeyId;

  it('reads base64, base64url and hex, with surrounding white space', async () => {
    const texts = [raw.toString('base64'), raw.toString('base64url'), raw.toString('hex'), raw.toString('hex').toUpperCase()];
    for (const [i, text] of texts.entries()) {
      const file = path.join(dir, `key${i}`);
      await writeFile(file, `  ${text}\n`);
      await chmod(file, 0o600);
      const loaded = await LocalKeyProvider.fromFile(file);
      expect(loaded.ok && loaded.value.masterKeyId).toBe(expectedId);
      const env = LocalKeyProvider.fromEnv('CLEANROOM_MASTER_KEY', { CLEANROOM_MASTER_KEY: text });
      expect(env.ok && env.value.masterKeyId).toBe(expectedId);
    }
    expect(expectedId).toMatch(/^local:[0-9a-f]{16}$/);
  });

  it('refuses missing, unreadable and malformed keys without echoing the text', async () => {
    const missing = LocalKeyProvider.fromEnv('CLEANROOM_MASTER_KEY', {});
    expect(missing.ok || missing.error.code).toBe('master-key-missing');
    const unreadable = await LocalKeyProvider.fromFile(path.join(dir, 'nope'));
    expect(unreadable.ok || unreadable.error).toMatchObject({ code: 'master-key-unreadable', message: expect.stringContaining('ENOENT') });
    const secretish = randomBytes(31).toString('base64'); // 31 bytes: one short
    for (const text of [secretish, randomBytes(16).toString('hex'), 'correct horse battery staple', raw.toString('hex') + 'ab']) {
      const bad = LocalKeyProvider.parse(text);
      expect(bad.ok).toBe(false);
      if (!bad.ok) {
        expect(bad.error.code).toBe('master-key-invalid');
        expect(bad.error.message).not.toContain(text);
        expect(bad.error.hint).toContain('openssl rand');
      }
    }
    expect(() => LocalKeyProvider.fromBytes(randomBytes(16))).toThrow(/Internal error/);
  });

  it('generateMasterKeyText gives a key that loads; ids differ per key', () => {
    const a = LocalKeyProvider.parse(generateMasterKeyText());
    const b = LocalKeyProvider.parse(generateMasterKeyText());
    expect(a.ok && b.ok && a.value.masterKeyId !== b.value.masterKeyId).toBe(true);
  });

  it('wraps with a fresh nonce each time and binds the context', async () => {
    const provider = LocalKeyProvider.fromBytes(raw);
    const dataKey = randomBytes(32);
    const ctx = { member: 'acme', dataKeyId: 'acme/v1' };
    const w1 = await provider.wrap(dataKey, ctx);
    const w2 = await provider.wrap(dataKey, ctx);
    expect(w1).toHaveLength(61);
    expect(Buffer.from(w1).equals(Buffer.from(w2))).toBe(false);
    expect(Buffer.from(await provider.unwrap(w1, ctx)).equals(dataKey)).toBe(true);
    // Length-prefixed context: moving characters between fields changes it.
    await expect(provider.unwrap(w1, { member: 'acme/', dataKeyId: 'v1' })).rejects.toThrow(/Internal error/);
    await expect(provider.unwrap(w1, { member: 'acmf', dataKeyId: 'acme/v1' })).rejects.toThrow(/Internal error/);
  });
});
