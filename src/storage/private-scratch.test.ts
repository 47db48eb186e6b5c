import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PrivateScratch } from './private-scratch.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'cr-scratch-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('PrivateScratch', () => {
  it('uses the memory-backed folder when it is writable, with 0700 folders per operation', async () => {
    const shm = path.join(dir, 'shm');
    mkdirSync(shm, { mode: 0o1777 });
    const scratch = await PrivateScratch.open({ home: path.join(dir, 'home'), fallbackParent: path.join(dir, 'tmp'), memoryParent: shm });
    expect(scratch.memoryBacked).toBe(true);
    expect(scratch.root.startsWith(path.join(shm, 'cleanroom-'))).toBe(true);
    const op = await scratch.create('query');
    expect(path.basename(op)).toMatch(new RegExp(`^op-${process.pid}-query-`));
    expect(statSync(op).mode & 0o777).toBe(0o700);
    expect(statSync(path.dirname(scratch.root)).mode & 0o777).toBe(0o700);
  });

  it('the real default is /dev/shm when this machine has it', async () => {
    const scratch = await PrivateScratch.open({ home: path.join(dir, 'home'), fallbackParent: path.join(dir, 'tmp') });
    let shm = false;
    try {
      shm = statSync('/dev/shm').isDirectory();
    } catch {
      shm = false;
    }
    expect(scratch.memoryBacked).toBe(shm);
    rmSync(scratch.root, { recursive: true, force: true });
  });

  it('falls back to <home>/tmp/private when there is no memory-backed folder, or it is not ours', async () => {
    const missing = await PrivateScratch.open({ home: dir, fallbackParent: path.join(dir, 'tmp'), memoryParent: path.join(dir, 'none') });
    expect(missing.memoryBacked).toBe(false);
    expect(missing.root).toBe(path.join(dir, 'tmp', 'private'));
    expect(statSync(missing.root).mode & 0o777).toBe(0o700);
    // Someone planted a link where our folder goes: not used.
    const shm = path.join(dir, 'shm2');
    mkdirSync(shm);
    mkdirSync(path.join(dir, 'elsewhere'));
    const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
    symlinkSync(path.join(dir, 'elsewhere'), path.join(shm, `cleanroom-${uid}`));
    const planted = await PrivateScratch.open({ home: dir, fallbackParent: path.join(dir, 'tmp'), memoryParent: shm });
    expect(planted.memoryBacked).toBe(false);
    // A folder open to others: not used either.
    const shm3 = path.join(dir, 'shm3');
    mkdirSync(path.join(shm3, `cleanroom-${uid}`), { recursive: true });
    chmodSync(path.join(shm3, `cleanroom-${uid}`), 0o755);
    expect((await PrivateScratch.open({ home: dir, fallbackParent: path.join(dir, 'tmp'), memoryParent: shm3 })).memoryBacked).toBe(false);
  });

  it('sweeps the folders of processes that are gone, never its own', async () => {
    const scratch = await PrivateScratch.open({ home: dir, fallbackParent: path.join(dir, 'tmp'), memoryParent: path.join(dir, 'none') });
    const mine = await scratch.create('query');
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    mkdirSync(path.join(scratch.root, `op-${dead}-query-x`), { mode: 0o700 });
    expect(await scratch.sweep()).toBe(1);
    expect(readdirSync(scratch.root)).toEqual([path.basename(mine)]);
  });
});
