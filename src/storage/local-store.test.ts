import { mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalStore } from './local-store.ts';

let dir: string;
let store: LocalStore;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'cr-store-'));
  store = await LocalStore.open(path.join(dir, 'store'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const text = (s: string) => new TextEncoder().encode(s);

describe('LocalStore', () => {
  it('puts bytes and files, reads, stats and stages them', async () => {
    const info = await store.putBytes('members/a/results/r1.csv', text('x,y\n'));
    expect(info).toMatchObject({ key: 'members/a/results/r1.csv', size: 4 });
    expect(new TextDecoder().decode(await store.read('members/a/results/r1.csv'))).toBe('x,y\n');

    const local = path.join(dir, 'in.parquet');
    await writeFile(local, 'PAR1....PAR1');
    await store.putFile('members/a/datasets/d/v1/part-0.parquet', local);
    expect((await store.stat('members/a/datasets/d/v1/part-0.parquet'))?.size).toBe(12);
    const staged = await store.stage('members/a/datasets/d/v1/part-0.parquet');
    expect(staged).toBeDefined();
    expect(await readFile(staged?.path ?? '', 'utf8')).toBe('PAR1....PAR1');
    await staged?.release();

    const stream = await store.openRead('members/a/results/r1.csv');
    const chunks: Buffer[] = [];
    for await (const chunk of stream ?? []) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('x,y\n');
  });

  it('replaces an object and leaves no temporary file behind', async () => {
    await store.putBytes('members/a/results/r1.json', text('old'));
    await store.putBytes('members/a/results/r1.json', text('new!'));
    expect(await store.stat('members/a/results/r1.json')).toMatchObject({ size: 4 });
    expect(await readdir(path.join(store.root, 'members/a/results'))).toEqual(['r1.json']);
  });

  it('answers undefined / false for missing keys', async () => {
    expect(await store.read('members/x/results/no.csv')).toBeUndefined();
    expect(await store.stat('members/x/results/no.csv')).toBeUndefined();
    expect(await store.stage('members/x/results/no.csv')).toBeUndefined();
    expect(await store.openRead('members/x/results/no.csv')).toBeUndefined();
    expect(await store.delete('members/x/results/no.csv')).toBe(false);
    await store.putBytes('members/x/results/r.csv', text('1'));
    // A folder is not an object.
    expect(await store.stat('members/x/results')).toBeUndefined();
  });

  it('lists by string prefix, sorted, and deletes by prefix', async () => {
    for (const key of ['members/b/results/2.csv', 'members/a/results/1.csv', 'members/ab/results/3.csv', 'tmp/w']) {
      await store.putBytes(key, text(key));
    }
    expect((await store.list('members/a')).map((o) => o.key)).toEqual(['members/a/results/1.csv', 'members/ab/results/3.csv']);
    expect((await store.list('members/a/')).map((o) => o.key)).toEqual(['members/a/results/1.csv']);
    expect((await store.list('')).length).toBe(4);
    expect(await store.deletePrefix('members/a/')).toBe(1);
    expect((await store.list('members/')).map((o) => o.key)).toEqual(['members/ab/results/3.csv', 'members/b/results/2.csv']);
    // Empty folders are pruned.
    expect(await readdir(path.join(store.root, 'members'))).toEqual(['ab', 'b']);
    await expect(store.deletePrefix('')).rejects.toThrow(/Internal error/);
  });

  it('refuses keys that would escape the store', async () => {
    for (const key of ['../escape', '/etc/passwd', 'members/../../x', 'a\\..\\b']) {
      await expect(store.putBytes(key, text('x'))).rejects.toThrow(/Internal error: unsafe object key/);
      await expect(store.read(key)).rejects.toThrow(/Internal error/);
    }
    await expect(store.list('../')).rejects.toThrow(/Internal error/);
  });

  it('sweeps stale temporary files and the tmp area, but not fresh ones or objects', async () => {
    await store.putBytes('members/a/results/keep.csv', text('k'));
    await store.putBytes('tmp/old-work', text('o'));
    await store.putBytes('tmp/new-work', text('n'));
    const crashed = path.join(store.root, 'members/a/results/.keep.csv.1234.cr-tmp');
    await writeFile(crashed, 'partial');
    const past = new Date(Date.now() - 2 * 60 * 60 * 1000);
    await utimes(crashed, past, past);
    await utimes(path.join(store.root, 'tmp/old-work'), past, past);
    // The temporary file is never listed as an object.
    expect((await store.list('members/')).map((o) => o.key)).toEqual(['members/a/results/keep.csv']);

    expect(await store.sweepTemporary()).toBe(2);
    expect(await readdir(path.join(store.root, 'members/a/results'))).toEqual(['keep.csv']);
    expect((await store.list('tmp/')).map((o) => o.key)).toEqual(['tmp/new-work']);
    expect(await store.sweepTemporary(0)).toBe(1);
  });
});
