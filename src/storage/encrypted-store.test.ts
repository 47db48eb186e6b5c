import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { WrappedDataKey } from './encryption/data-key.ts';
import { DecryptionError } from './encryption/decryption-error.ts';
import { Keyring, type WrappedKeyRecords } from './encryption/keyring.ts';
import { LocalKeyProvider } from './encryption/local-key-provider.ts';
import { MAGIC } from './encryption/object-format.ts';
import { EncryptedStore } from './encrypted-store.ts';
import { LocalStore } from './local-store.ts';
import { PrivateScratch } from './private-scratch.ts';

/** In-memory key records: what the metadata database keeps, nothing secret. */
function memoryRecords(): WrappedKeyRecords & { rows: Map<string, { version: number; record: WrappedDataKey }> } {
  const rows = new Map<string, { version: number; record: WrappedDataKey }>();
  return {
    rows,
    async latest(member) {
      return [...rows.values()].filter((r) => r.record.member === member).sort((a, b) => b.version - a.version)[0];
    },
    async find(member, keyId) {
      return [...rows.values()].find((r) => r.record.member === member && r.record.id === keyId)?.record;
    },
    async insert(version, record) {
      if (rows.has(record.id)) return false;
      rows.set(record.id, { version, record });
      return true;
    },
  };
}

const text = (s: string) => new TextEncoder().encode(s);
const ROWS = 'email,visits\nalice@example.com,3\nbob@example.org,5\n'.repeat(2000);

let dir: string;
let backend: LocalStore;
let scratch: PrivateScratch;
let store: EncryptedStore;
let records: ReturnType<typeof memoryRecords>;
const master = LocalKeyProvider.fromBytes(randomBytes(32));

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'cr-encstore-'));
  backend = await LocalStore.open(path.join(dir, 'store'));
  scratch = await PrivateScratch.open({ home: dir, fallbackParent: path.join(dir, 'tmp'), memoryParent: path.join(dir, 'shm') });
  records = memoryRecords();
  store = new EncryptedStore(backend, new Keyring(master, records), scratch);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function expectDecryptionError(run: () => Promise<unknown>, code: string, key: string): Promise<void> {
  const error: unknown = await run().then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(DecryptionError);
  expect((error as DecryptionError).code).toBe(code);
  expect((error as DecryptionError).message).toContain(`Internal error: cannot decrypt object "${key}"`);
}

describe('EncryptedStore', () => {
  it('stores only ciphertext and reads back the plaintext by every route', async () => {
    const key = 'members/acme/datasets/visits/v1/part-0.parquet';
    const local = path.join(dir, 'in.csv');
    await writeFile(local, ROWS);
    await store.putFile(key, local);
    const raw = Buffer.from((await backend.read(key)) ?? new Uint8Array());
    expect(raw.subarray(0, 8).equals(MAGIC)).toBe(true);
    expect(raw.includes(Buffer.from('alice@example.com'))).toBe(false);
    // The header names the member's first data key, created on first use.
    expect(raw.includes(Buffer.from('acme/v1'))).toBe(true);
    expect([...records.rows.keys()]).toEqual(['acme/v1']);

    expect(Buffer.from((await store.read(key)) ?? []).toString()).toBe(ROWS);
    const chunks: Buffer[] = [];
    for await (const chunk of (await store.openRead(key)) ?? []) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe(ROWS);

    const staged = await store.stage(key);
    expect(staged?.path.startsWith(scratch.root)).toBe(true);
    expect(await readFile(staged?.path ?? '', 'utf8')).toBe(ROWS);
    await staged?.release();
    expect(existsSync(path.dirname(staged?.path ?? ''))).toBe(false);

    const into = await mkdtemp(path.join(dir, 'q-'));
    const file = await store.stageInto(key, into, 'in-0-0.parquet');
    expect(file?.path).toBe(path.join(into, 'in-0-0.parquet'));
    expect(await readFile(file?.path ?? '', 'utf8')).toBe(ROWS);
  });

  it('round-trips bytes and streams, and answers undefined for missing keys', async () => {
    await store.putBytes('members/a/results/r.json', text('[1,2]'));
    expect(new TextDecoder().decode(await store.read('members/a/results/r.json'))).toBe('[1,2]');
    expect(await store.read('members/a/results/none.json')).toBeUndefined();
    expect(await store.openRead('members/a/results/none.json')).toBeUndefined();
    expect(await store.stage('members/a/results/none.json')).toBeUndefined();
    expect(await store.stageInto('members/a/results/none.json', dir)).toBeUndefined();
    // A failed stage leaves no scratch folder behind.
    expect(readdirSync(scratch.root)).toEqual([]);
  });

  it('refuses objects outside members/<member>/: no data key protects them', async () => {
    await expect(store.putBytes('tmp/x', text('x'))).rejects.toThrow(/^Internal error: object key "tmp\/x" is not under members/);
  });

  it('a modified object fails by name, and no plaintext file appears', async () => {
    const key = 'members/acme/results/r1.csv';
    await store.putBytes(key, text(ROWS));
    const raw = Buffer.from((await backend.read(key)) ?? new Uint8Array());
    raw[raw.length - 100] = (raw[raw.length - 100] ?? 0) ^ 1;
    await backend.putBytes(key, raw);
    await expectDecryptionError(() => store.read(key), 'chunk-modified', key);
    const into = await mkdtemp(path.join(dir, 'q-'));
    await expectDecryptionError(() => store.stageInto(key, into), 'chunk-modified', key);
    expect(readdirSync(into)).toEqual([]);
    await expectDecryptionError(() => store.stage(key), 'chunk-modified', key);
    expect(readdirSync(scratch.root)).toEqual([]);
  });

  it('an object copied over another key, or another member\'s object, does not open', async () => {
    await store.putBytes('members/acme/results/a.csv', text('secret a'));
    await store.putBytes('members/globex/results/b.csv', text('secret b'));
    await backend.putBytes('members/acme/results/c.csv', (await backend.read('members/acme/results/a.csv')) ?? new Uint8Array());
    await expectDecryptionError(() => store.read('members/acme/results/c.csv'), 'wrong-key-or-header-modified', 'members/acme/results/c.csv');
    // globex's object under acme's prefix names globex's key, which acme does not have.
    await backend.putBytes('members/acme/results/b.csv', (await backend.read('members/globex/results/b.csv')) ?? new Uint8Array());
    await expectDecryptionError(() => store.read('members/acme/results/b.csv'), 'unknown-key', 'members/acme/results/b.csv');
  });

  it('an unencrypted object is refused, never handed on', async () => {
    await backend.putBytes('members/acme/results/plain.csv', text(ROWS));
    await expectDecryptionError(() => store.read('members/acme/results/plain.csv'), 'not-encrypted', 'members/acme/results/plain.csv');
  });

  it('a wrong master key cannot open the data keys', async () => {
    await store.putBytes('members/acme/results/r.csv', text('x'));
    const other = new EncryptedStore(backend, new Keyring(LocalKeyProvider.fromBytes(randomBytes(32)), records), scratch);
    await expect(other.read('members/acme/results/r.csv')).rejects.toThrow(/Internal error: data key "acme\/v1" is wrapped by master key "local:[0-9a-f]{16}", which is not configured/);
  });

  it('a staging scope removes every copy made inside it, released or not', async () => {
    await store.putBytes('members/acme/results/r.csv', text(ROWS));
    let forgotten = '';
    await store.withStagingScope(async () => {
      forgotten = (await store.stage('members/acme/results/r.csv'))?.path ?? '';
      expect(existsSync(forgotten)).toBe(true);
    });
    expect(existsSync(forgotten)).toBe(false);
    const outside = await store.stage('members/acme/results/r.csv');
    await store.releaseAll();
    expect(existsSync(outside?.path ?? '')).toBe(false);
    await outside?.release(); // releasing twice is harmless
  });
});
