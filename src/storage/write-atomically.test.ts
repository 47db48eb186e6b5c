import { mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeAtomically } from './write-atomically.ts';

let dir: string;
let target: string;
const partial = (): string => path.join(dir, '.out.csv.partial');

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'cr-atomic-'));
  target = path.join(dir, 'out.csv');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Yields `chunks`, then fails: a write that breaks half-way. */
async function* failingAfter(chunks: string[]): AsyncGenerator<string> {
  yield* chunks;
  throw new Error('source broke');
}

describe('writeAtomically', () => {
  it('writes bytes, text and streams, leaving only the final file', async () => {
    await writeAtomically(target, new TextEncoder().encode('a,b\n'));
    expect(await readFile(target, 'utf8')).toBe('a,b\n');
    await writeAtomically(target, 'text\n');
    expect(await readFile(target, 'utf8')).toBe('text\n');
    await writeAtomically(target, Readable.from(['1,2\n', '3,4\n']));
    expect(await readFile(target, 'utf8')).toBe('1,2\n3,4\n');
    expect(await readdir(dir)).toEqual(['out.csv']);
  });

  it('takes the content from a producer that writes inside its own scope', async () => {
    let inScope = false;
    await writeAtomically(target, async (write) => {
      inScope = true;
      await write(Readable.from(['scoped\n']));
      inScope = false;
    });
    expect(inScope).toBe(false);
    expect(await readFile(target, 'utf8')).toBe('scoped\n');
  });

  it('leaves neither the final file nor the .partial when the write fails half-way', async () => {
    const error = await writeAtomically(target, Readable.from(failingAfter(['x'.repeat(100_000)]))).catch((e: unknown) => e);
    expect((error as Error).message).toBe('source broke');
    expect(await readdir(dir)).toEqual([]);
  });

  it('keeps the old file whole when a replacement fails, and replaces it whole when one succeeds', async () => {
    await writeFile(target, 'old,content\n'.repeat(1000));
    await expect(writeAtomically(target, Readable.from(failingAfter(['new'])))).rejects.toThrow('source broke');
    expect(await readFile(target, 'utf8')).toBe('old,content\n'.repeat(1000));
    await writeAtomically(target, 'new\n');
    expect(await readFile(target, 'utf8')).toBe('new\n');
    expect(await readdir(dir)).toEqual(['out.csv']);
  });

  it('refuses a producer that writes nothing, leaving nothing', async () => {
    await expect(writeAtomically(target, async () => undefined)).rejects.toThrow('Internal error: nothing was written');
    expect(await readdir(dir)).toEqual([]);
  });

  it('creates the file with mode 0600, also when it replaces a more open one', async () => {
    await writeFile(target, 'old', { mode: 0o644 });
    await writeAtomically(target, 'secret');
    expect((await stat(target)).mode & 0o777).toBe(0o600);
  });

  it('fails on a leftover .partial, removing it so that a retry works', async () => {
    await writeFile(partial(), 'stale');
    await expect(writeAtomically(target, 'data')).rejects.toMatchObject({ code: 'EEXIST' });
    expect(await readdir(dir)).toEqual([]);
    await writeAtomically(target, 'data');
    expect(await readFile(target, 'utf8')).toBe('data');
  });

  it('never writes through a link planted at the .partial name', async () => {
    const planted = path.join(dir, 'elsewhere');
    await writeFile(planted, 'untouched');
    await symlink(planted, partial());
    await expect(writeAtomically(target, 'data')).rejects.toMatchObject({ code: 'EEXIST' });
    expect(await readFile(planted, 'utf8')).toBe('untouched');
    expect(await readdir(dir)).toEqual(['elsewhere']);
  });
});
