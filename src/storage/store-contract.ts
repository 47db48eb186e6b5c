import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ObjectStore } from './object-store.ts';

/** A fresh, empty store for one test, and how to dispose of it. */
export interface ContractStore {
  readonly store: ObjectStore;
  dispose(): Promise<void>;
}

const text = (s: string) => new TextEncoder().encode(s);
const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/**
 * The behaviour every ObjectStore backend promises (object-store.ts), declared as vitest
 * tests. Each backend's test file calls it with a factory that gives an empty store per
 * test. Backend-specific details (folders, temporary file names, S3 requests) are tested
 * beside each backend.
 */
export function storeContract(name: string, makeStore: () => Promise<ContractStore>): void {
  describe(`ObjectStore contract: ${name}`, () => {
    let current: ContractStore | undefined;
    let scratch: string;
    let store: ObjectStore;

    beforeEach(async () => {
      scratch = await mkdtemp(path.join(tmpdir(), 'cr-contract-'));
      current = await makeStore();
      store = current.store;
    });
    afterEach(async () => {
      await current?.dispose();
      current = undefined;
      await rm(scratch, { recursive: true, force: true });
    });

    it('puts bytes and files, reads, stats, streams and stages them', async () => {
      const before = Date.now();
      const info = await store.putBytes('members/a/results/r1.csv', text('x,y\n'));
      expect(info).toMatchObject({ key: 'members/a/results/r1.csv', size: 4 });
      // Some stores keep whole seconds.
      expect(info.modified.getTime()).toBeGreaterThanOrEqual(before - 2000);
      expect(info.modified.getTime()).toBeLessThanOrEqual(Date.now() + 2000);
      expect(new TextDecoder().decode(await store.read('members/a/results/r1.csv'))).toBe('x,y\n');

      const local = path.join(scratch, 'in.parquet');
      await writeFile(local, 'PAR1....PAR1');
      const put = await store.putFile('members/a/datasets/d/v1/part-0.parquet', local);
      expect(put).toMatchObject({ key: 'members/a/datasets/d/v1/part-0.parquet', size: 12 });
      expect((await store.stat('members/a/datasets/d/v1/part-0.parquet'))?.size).toBe(12);
      const staged = await store.stage('members/a/datasets/d/v1/part-0.parquet');
      expect(staged).toBeDefined();
      // Engines pick the reader from the extension, so the staged file keeps the key's name.
      expect(path.basename(staged?.path ?? '')).toBe('part-0.parquet');
      expect(await readFile(staged?.path ?? '', 'utf8')).toBe('PAR1....PAR1');
      await staged?.release();

      const stream = await store.openRead('members/a/results/r1.csv');
      const chunks: Buffer[] = [];
      for await (const chunk of stream ?? []) chunks.push(chunk as Buffer);
      expect(Buffer.concat(chunks).toString()).toBe('x,y\n');
    });

    it('keeps every byte value, empty objects and a larger object intact', async () => {
      const all = Uint8Array.from({ length: 256 }, (_, i) => i);
      await store.putBytes('members/a/results/bytes.json', all);
      expect(Array.from((await store.read('members/a/results/bytes.json')) ?? [])).toEqual(Array.from(all));

      const empty = await store.putBytes('members/a/results/empty.csv', new Uint8Array(0));
      expect(empty.size).toBe(0);
      expect((await store.read('members/a/results/empty.csv'))?.byteLength).toBe(0);

      const big = randomBytes(3 * 1024 * 1024 + 17);
      const local = path.join(scratch, 'big.parquet');
      await writeFile(local, big);
      expect((await store.putFile('members/a/results/big.parquet', local)).size).toBe(big.length);
      const chunks: Buffer[] = [];
      for await (const chunk of (await store.openRead('members/a/results/big.parquet')) ?? []) chunks.push(chunk as Buffer);
      expect(sha(Buffer.concat(chunks))).toBe(sha(big));
    });

    it('puts a stream, and stores nothing when the stream fails', async () => {
      const parts = [text('a,b\n'), text('1,2\n'), new Uint8Array(70_000).fill(120)];
      const info = await store.putStream('members/a/results/s.csv', Readable.from(parts.map((p) => Buffer.from(p))));
      expect(info.size).toBe(8 + 70_000);
      expect(sha((await store.read('members/a/results/s.csv')) ?? new Uint8Array())).toBe(sha(Buffer.concat(parts)));
      async function* failing(): AsyncGenerator<Buffer> {
        yield Buffer.from('partial');
        throw new Error('source broke');
      }
      await expect(store.putStream('members/a/results/broken.csv', Readable.from(failing()))).rejects.toThrow(/source broke/);
      expect(await store.stat('members/a/results/broken.csv')).toBeUndefined();
      expect((await store.list('members/a/')).map((o) => o.key)).toEqual(['members/a/results/s.csv']);
    });

    it('replaces an object whole', async () => {
      await store.putBytes('members/a/results/r1.json', text('old'));
      await store.putBytes('members/a/results/r1.json', text('new!'));
      expect(await store.stat('members/a/results/r1.json')).toMatchObject({ size: 4 });
      expect(new TextDecoder().decode(await store.read('members/a/results/r1.json'))).toBe('new!');
      expect((await store.list('members/a/')).map((o) => [o.key, o.size])).toEqual([['members/a/results/r1.json', 4]]);
    });

    it('answers undefined / false for missing keys', async () => {
      expect(await store.read('members/x/results/no.csv')).toBeUndefined();
      expect(await store.stat('members/x/results/no.csv')).toBeUndefined();
      expect(await store.stage('members/x/results/no.csv')).toBeUndefined();
      expect(await store.openRead('members/x/results/no.csv')).toBeUndefined();
      expect(await store.delete('members/x/results/no.csv')).toBe(false);
      expect(await store.list('members/x/')).toEqual([]);
      await store.putBytes('members/x/results/r.csv', text('1'));
      // A folder is not an object.
      expect(await store.stat('members/x/results')).toBeUndefined();
      expect(await store.read('members/x/results')).toBeUndefined();
      expect(await store.delete('members/x/results/r.csv')).toBe(true);
      expect(await store.delete('members/x/results/r.csv')).toBe(false);
      expect(await store.stat('members/x/results/r.csv')).toBeUndefined();
    });

    it('lists by string prefix, sorted, and deletes by prefix', async () => {
      for (const key of ['members/b/results/2.csv', 'members/a/results/1.csv', 'members/ab/results/3.csv', 'tmp/w']) {
        await store.putBytes(key, text(key));
      }
      expect((await store.list('members/a')).map((o) => o.key)).toEqual(['members/a/results/1.csv', 'members/ab/results/3.csv']);
      expect((await store.list('members/a/')).map((o) => o.key)).toEqual(['members/a/results/1.csv']);
      expect((await store.list('members/a/')).map((o) => o.size)).toEqual(['members/a/results/1.csv'.length]);
      expect((await store.list('')).map((o) => o.key)).toEqual([
        'members/a/results/1.csv',
        'members/ab/results/3.csv',
        'members/b/results/2.csv',
        'tmp/w',
      ]);
      expect(await store.deletePrefix('members/a/')).toBe(1);
      expect((await store.list('members/')).map((o) => o.key)).toEqual(['members/ab/results/3.csv', 'members/b/results/2.csv']);
      expect(await store.deletePrefix('members/zz/')).toBe(0);
      await expect(store.deletePrefix('')).rejects.toThrow(/Internal error/);
      expect((await store.list('')).length).toBe(3);
    });

    it('refuses keys that would escape the store', async () => {
      const local = path.join(scratch, 'f');
      await writeFile(local, 'x');
      for (const key of ['../escape', '/etc/passwd', 'members/../../x', 'a\\..\\b', '', 'a//b', 'members/a b']) {
        await expect(store.putBytes(key, text('x'))).rejects.toThrow(/Internal error: unsafe object key/);
        await expect(store.putFile(key, local)).rejects.toThrow(/Internal error: unsafe object key/);
        await expect(store.read(key)).rejects.toThrow(/Internal error/);
        await expect(store.openRead(key)).rejects.toThrow(/Internal error/);
        await expect(store.stage(key)).rejects.toThrow(/Internal error/);
        await expect(store.stat(key)).rejects.toThrow(/Internal error/);
        await expect(store.delete(key)).rejects.toThrow(/Internal error/);
      }
      await expect(store.list('../')).rejects.toThrow(/Internal error/);
      await expect(store.deletePrefix('../')).rejects.toThrow(/Internal error/);
    });

    it('sweeps stale tmp/ objects, never fresh ones or other objects', async () => {
      await store.putBytes('members/a/results/keep.csv', text('k'));
      await store.putBytes('tmp/work', text('w'));
      expect(await store.sweepTemporary()).toBe(0);
      expect((await store.list('')).map((o) => o.key)).toEqual(['members/a/results/keep.csv', 'tmp/work']);
      expect(await store.sweepTemporary(0)).toBe(1);
      expect((await store.list('')).map((o) => o.key)).toEqual(['members/a/results/keep.csv']);
    });
  });
}
