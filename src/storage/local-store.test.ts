import { mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalStore } from './local-store.ts';
import { storeContract } from './store-contract.ts';

storeContract('LocalStore', async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'cr-store-'));
  return { store: await LocalStore.open(path.join(root, 'store')), dispose: () => rm(root, { recursive: true, force: true }) };
});

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

// What the contract cannot see: the files and folders behind the objects.
describe('LocalStore files', () => {
  it('stages the stored file itself, and release keeps it', async () => {
    await store.putBytes('members/a/datasets/d/v1/part-0.parquet', text('PAR1'));
    const staged = await store.stage('members/a/datasets/d/v1/part-0.parquet');
    expect(staged?.path).toBe(path.join(store.root, 'members/a/datasets/d/v1/part-0.parquet'));
    await staged?.release();
    expect(await store.stat('members/a/datasets/d/v1/part-0.parquet')).toMatchObject({ size: 4 });
  });

  it('replaces an object and leaves no temporary file behind', async () => {
    await store.putBytes('members/a/results/r1.json', text('old'));
    await store.putBytes('members/a/results/r1.json', text('new!'));
    expect(await readdir(path.join(store.root, 'members/a/results'))).toEqual(['r1.json']);
  });

  it('prunes empty folders when deleting', async () => {
    for (const key of ['members/b/results/2.csv', 'members/a/results/1.csv', 'members/ab/results/3.csv']) {
      await store.putBytes(key, text(key));
    }
    expect(await store.deletePrefix('members/a/')).toBe(1);
    expect(await readdir(path.join(store.root, 'members'))).toEqual(['ab', 'b']);
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
