import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { access, lstat, mkdir, mkdtemp, readdir, rm, rmdir, stat } from 'node:fs/promises';
import path from 'node:path';

/** Linux's memory-backed file system: files there never reach a disk (unless swapped). */
const MEMORY_FS = '/dev/shm';

export interface PrivateScratchOptions {
  /** The workspace home: names the scratch root, so workspaces do not mix. */
  readonly home: string;
  /** Used when no memory-backed folder is usable: `<home>/tmp`. */
  readonly fallbackParent: string;
  /** Where to look for a memory-backed file system; default `/dev/shm` (tests override). */
  readonly memoryParent?: string;
}

/**
 * Private folders for plaintext member data in use: decrypted query inputs, the engine's
 * spill files and results before they are encrypted, the crawler's output. They live in
 * memory (`/dev/shm/cleanroom-<uid>/ws-<hash of home>/`) when that exists and is
 * writable, else in `<home>/tmp/private/`; every folder is mode 0700 and named
 * `op-<pid>-…` so that a later `sweep()` removes those of a process that died.
 *
 * @example
 *   const scratch = await PrivateScratch.open({ home, fallbackParent: join(home, 'tmp') });
 *   const dir = await scratch.create('query');
 *   try { ... } finally { await rm(dir, { recursive: true, force: true }); }
 */
export class PrivateScratch {
  private constructor(
    /** The folder under which every scratch folder of this workspace is made. */
    readonly root: string,
    /** True when `root` is on a memory-backed file system. */
    readonly memoryBacked: boolean,
  ) {}

  static async open(options: PrivateScratchOptions): Promise<PrivateScratch> {
    const label = `ws-${createHash('sha256').update(path.resolve(options.home)).digest('hex').slice(0, 16)}`;
    const memoryParent = options.memoryParent ?? MEMORY_FS;
    if (await writableFolder(memoryParent)) {
      // /dev/shm is shared by every user (mode 1777): our folder there must be ours alone.
      const mine = path.join(memoryParent, `cleanroom-${userId()}`);
      if (await privateFolder(mine)) {
        const root = path.join(mine, label);
        await mkdir(root, { recursive: true, mode: 0o700 });
        if (await privateFolder(root)) return new PrivateScratch(root, true);
      }
    }
    const root = path.join(options.fallbackParent, 'private');
    if (!(await privateFolder(root))) {
      throw new Error(`Internal error: the private scratch folder ${root} is not a folder of mode 0700 owned by this user`);
    }
    return new PrivateScratch(root, false);
  }

  /** A new, empty folder (mode 0700) for one operation; the caller removes it. */
  async create(purpose: string): Promise<string> {
    // Another process of this workspace may have removed the (empty) root on close; it is
    // re-made inside our checked 0700 parent.
    await mkdir(this.root, { recursive: true, mode: 0o700 });
    return mkdtemp(path.join(this.root, `op-${process.pid}-${purpose}-`));
  }

  /** Removes the workspace's scratch root if it is empty (a busy one stays). */
  async close(): Promise<void> {
    await rmdir(this.root).catch(() => undefined);
  }

  /** Removes the folders of processes that are gone (crash debris); returns how many. */
  async sweep(): Promise<number> {
    let removed = 0;
    for (const entry of await readdir(this.root).catch(() => [] as string[])) {
      const pid = Number(/^op-(\d+)-/.exec(entry)?.[1]);
      if (Number.isInteger(pid) && isAlive(pid)) continue;
      await rm(path.join(this.root, entry), { recursive: true, force: true });
      removed += 1;
    }
    return removed;
  }
}

function userId(): string {
  return typeof process.getuid === 'function' ? String(process.getuid()) : 'user';
}

async function writableFolder(dir: string): Promise<boolean> {
  try {
    if (!(await stat(dir)).isDirectory()) return false;
    await access(dir, constants.W_OK | constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Creates `dir` (mode 0700) if missing, then checks that it is a real folder (not a
 * symbolic link someone planted), owned by this user and closed to everyone else.
 */
async function privateFolder(dir: string): Promise<boolean> {
  await mkdir(dir, { recursive: true, mode: 0o700 }).catch(() => undefined);
  try {
    const s = await lstat(dir);
    const owner = typeof process.getuid === 'function' ? s.uid === process.getuid() : true;
    return s.isDirectory() && !s.isSymbolicLink() && owner && (s.mode & 0o077) === 0;
  } catch {
    return false;
  }
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
