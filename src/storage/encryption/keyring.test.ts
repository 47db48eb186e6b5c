import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { WrappedDataKey } from './data-key.ts';
import { unwrapDataKey } from './data-key.ts';
import { Keyring, type WrappedKeyRecords } from './keyring.ts';
import { LocalKeyProvider } from './local-key-provider.ts';

function records(): WrappedKeyRecords & { inserts: number } {
  const rows: { version: number; record: WrappedDataKey }[] = [];
  const store = {
    inserts: 0,
    async latest(member: string) {
      return rows.filter((r) => r.record.member === member).sort((a, b) => b.version - a.version)[0];
    },
    async find(member: string, keyId: string) {
      return rows.find((r) => r.record.member === member && r.record.id === keyId)?.record;
    },
    async insert(version: number, record: WrappedDataKey) {
      // A unique (member, version), as the member_keys primary key.
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (rows.some((r) => r.record.member === record.member && r.version === version)) return false;
      rows.push({ version, record });
      store.inserts += 1;
      return true;
    },
  };
  return store;
}

describe('Keyring', () => {
  const master = LocalKeyProvider.fromBytes(randomBytes(32));

  it('creates version 1 on first use, wrapped by the master key, and keeps returning it', async () => {
    const r = records();
    const ring = new Keyring(master, r);
    const key = await ring.current('acme');
    expect(key.id).toBe('acme/v1');
    const stored = await r.find('acme', 'acme/v1');
    if (!stored) throw new Error('no record');
    // Independently unwrapped from the record: the same bytes.
    expect(Buffer.from((await unwrapDataKey(master, 'acme', stored)).bytes).equals(Buffer.from(key.bytes))).toBe(true);
    expect((await ring.current('acme')).bytes).toEqual(key.bytes);
  });

  it('two processes creating a member key at once end up with one key', async () => {
    const r = records();
    const [a, b] = await Promise.all([new Keyring(master, r).current('acme'), new Keyring(master, r).current('acme')]);
    expect(r.inserts).toBe(1);
    expect(Buffer.from(a.bytes).equals(Buffer.from(b.bytes))).toBe(true);
  });

  it('finds keys by member first: another member\'s key id is unknown', async () => {
    const r = records();
    const ring = new Keyring(master, r);
    await ring.current('acme');
    await ring.current('globex');
    expect((await ring.find('acme', 'acme/v1'))?.id).toBe('acme/v1');
    expect(await ring.find('acme', 'globex/v1')).toBeUndefined();
    expect(await ring.find('acme', 'acme/v2')).toBeUndefined();
  });
});
