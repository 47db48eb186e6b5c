import { describe, expect, it } from 'vitest';
import { DataKeyError, dataKeyId, generateDataKey, rewrapDataKey, unwrapDataKey, wrapDataKey } from './data-key.ts';
import type { KeyProvider, WrapContext } from './key-provider.ts';
import { LocalKeyProvider } from './local-key-provider.ts';
import { randomBytes } from 'node:crypto';

const master = LocalKeyProvider.fromBytes(randomBytes(32));
const otherMaster = LocalKeyProvider.fromBytes(randomBytes(32));

async function refusal(run: () => Promise<unknown>): Promise<DataKeyError> {
  const e: unknown = await run().then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(DataKeyError);
  return e as DataKeyError;
}

describe('data keys wrapped by a master key', () => {
  it('generates distinct 32-byte keys', () => {
    const a = generateDataKey(dataKeyId('acme', 1));
    const b = generateDataKey(dataKeyId('acme', 1));
    expect(a.id).toBe('acme/v1');
    expect(a.bytes).toHaveLength(32);
    expect(Buffer.from(a.bytes).equals(Buffer.from(b.bytes))).toBe(false);
  });

  it('wraps and unwraps; the record holds no key material in the clear', async () => {
    const key = generateDataKey('acme/v1');
    const record = await wrapDataKey(master, 'acme', key);
    expect(record).toMatchObject({ id: 'acme/v1', member: 'acme', masterKeyId: master.masterKeyId });
    expect(Buffer.from(record.wrapped, 'base64').includes(Buffer.from(key.bytes))).toBe(false);
    const back = await unwrapDataKey(master, 'acme', record);
    expect(Buffer.from(back.bytes).equals(Buffer.from(key.bytes))).toBe(true);
    expect(back.id).toBe('acme/v1');
  });

  it('a key wrapped for one member does not unwrap for another, even with the record relabelled', async () => {
    const record = await wrapDataKey(master, 'acme', generateDataKey('acme/v1'));
    expect((await refusal(() => unwrapDataKey(master, 'globex', record))).code).toBe('member-mismatch');
    const relabelled = { ...record, member: 'globex' };
    const e = await refusal(() => unwrapDataKey(master, 'globex', relabelled));
    expect(e.code).toBe('unwrap-failed');
    expect(e.message).toMatch(/^Internal error: data key "acme\/v1" of member "globex" does not unwrap/);
  });

  it('a wrapped key does not unwrap under another key id or a modified blob', async () => {
    const record = await wrapDataKey(master, 'acme', generateDataKey('acme/v1'));
    expect((await refusal(() => unwrapDataKey(master, 'acme', { ...record, id: 'acme/v2' }))).code).toBe('unwrap-failed');
    const blob = Buffer.from(record.wrapped, 'base64');
    blob[20] = (blob[20] ?? 0) ^ 1;
    expect((await refusal(() => unwrapDataKey(master, 'acme', { ...record, wrapped: blob.toString('base64') }))).code).toBe('unwrap-failed');
  });

  it('the wrong master key: by id, and with a forged id', async () => {
    const record = await wrapDataKey(master, 'acme', generateDataKey('acme/v1'));
    const e = await refusal(() => unwrapDataKey(otherMaster, 'acme', record));
    expect(e.code).toBe('unknown-master-key');
    expect(e.message).toContain(record.masterKeyId);
    const forged = { ...record, masterKeyId: otherMaster.masterKeyId };
    expect((await refusal(() => unwrapDataKey(otherMaster, 'acme', forged))).code).toBe('unwrap-failed');
  });

  it('rotation re-wraps under the new master key; the data key is unchanged', async () => {
    const key = generateDataKey('acme/v1');
    const old = await wrapDataKey(master, 'acme', key);
    const rotated = await rewrapDataKey(old, 'acme', master, otherMaster);
    expect(rotated.masterKeyId).toBe(otherMaster.masterKeyId);
    expect(rotated.wrapped).not.toBe(old.wrapped);
    const back = await unwrapDataKey([otherMaster], 'acme', rotated);
    expect(Buffer.from(back.bytes).equals(Buffer.from(key.bytes))).toBe(true);
    // The old master key no longer opens the new record; rotating twice is a no-op.
    expect((await refusal(() => unwrapDataKey(master, 'acme', rotated))).code).toBe('unknown-master-key');
    expect(await rewrapDataKey(rotated, 'acme', [master, otherMaster], otherMaster)).toBe(rotated);
    // Mid-rotation, a reader with both providers opens old and new records.
    for (const r of [old, rotated]) await unwrapDataKey([master, otherMaster], 'acme', r);
  });

  it('any provider behind the interface works (a stand-in for a KMS)', async () => {
    const calls: WrapContext[] = [];
    const kms: KeyProvider = {
      masterKeyId: 'arn:aws:kms:eu-west-1:111122223333:key/test',
      async wrap(dataKey, context) {
        calls.push(context);
        return master.wrap(dataKey, context);
      },
      async unwrap(wrapped, context) {
        calls.push(context);
        return master.unwrap(wrapped, context);
      },
    };
    const key = generateDataKey('acme/v3');
    const record = await wrapDataKey(kms, 'acme', key);
    await unwrapDataKey(kms, 'acme', record);
    expect(calls).toEqual([
      { member: 'acme', dataKeyId: 'acme/v3' },
      { member: 'acme', dataKeyId: 'acme/v3' },
    ]);
  });
});
