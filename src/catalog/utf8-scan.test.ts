import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findInvalidUtf8 } from './utf8-scan.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'cr-utf8-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function scan(bytes: Uint8Array, gzip = false) {
  const file = path.join(dir, `f${Math.random()}`);
  await writeFile(file, gzip ? gzipSync(bytes) : bytes);
  return findInvalidUtf8(file, gzip ? 'gzip' : 'none');
}

describe('findInvalidUtf8', () => {
  it('accepts valid multi-byte text', async () => {
    expect(await scan(Buffer.from('a,b\nçé,日本\n🙂\n'))).toBeUndefined();
  });
  it('finds a stray byte: line and 1-based byte', async () => {
    // line 3 is "xy" then 0xFF
    expect(await scan(Buffer.from([0x61, 0x0a, 0x62, 0x0a, 0x78, 0x79, 0xff, 0x0a]))).toEqual({ line: 3, character: 3 });
  });
  it('blames the start of a sequence with a bad continuation', async () => {
    // "é" is C3 A9; C3 followed by "(" is invalid at byte 2 of line 1
    expect(await scan(Buffer.from([0x61, 0xc3, 0x28, 0x0a]))).toEqual({ line: 1, character: 2 });
  });
  it('finds a sequence cut short by the end of the file', async () => {
    expect(await scan(Buffer.from([0x0a, 0x61, 0xe6, 0x97]))).toEqual({ line: 2, character: 2 });
  });
  it('reads gzip', async () => {
    expect(await scan(Buffer.from([0x61, 0x0a, 0xc0, 0x80, 0x0a]), true)).toEqual({ line: 2, character: 1 });
  });
});
