import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { copyFile, mkdir, open, readdir, readFile, rename, rmdir, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { assertSafeKey, assertSafePrefix, TMP_PREFIX } from './layout.ts';
import type { ObjectInfo, ObjectStore, StagedObject } from './object-store.ts';

/** Suffix of in-progress files. Keys cannot start with `.`, so these never clash with keys. */
const TEMP_SUFFIX = '.cr-tmp';
const HOUR_MS = 60 * 60 * 1000;

/**
 * An object store in a local folder: one file per key. Writes go to a temporary file
 * in the destination folder (same file system, so rename is atomic), are fsynced, then
 * renamed over the destination, and the folder is fsynced so the rename survives a
 * power cut.
 */
export class LocalStore implements ObjectStore {
  private constructor(readonly root: string) {}

  static async open(root: string): Promise<LocalStore> {
    const resolved = path.resolve(root);
    await mkdir(resolved, { recursive: true });
    return new LocalStore(resolved);
  }

  /** The file behind `key`. Also checked after resolving, in case the key rules ever loosen. */
  private pathOf(key: string): string {
    assertSafeKey(key);
    const full = path.join(this.root, ...key.split('/'));
    if (!full.startsWith(this.root + path.sep)) throw new Error('Internal error: object key resolves outside the store');
    return full;
  }

  async putFile(key: string, localPath: string): Promise<ObjectInfo> {
    return this.writeAtomically(key, async (tmp) => {
      await copyFile(localPath, tmp);
      const handle = await open(tmp, 'r+');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    });
  }

  async putBytes(key: string, bytes: Uint8Array): Promise<ObjectInfo> {
    return this.writeAtomically(key, async (tmp) => {
      const handle = await open(tmp, 'wx');
      try {
        await handle.writeFile(bytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
    });
  }

  async putStream(key: string, body: Readable): Promise<ObjectInfo> {
    return this.writeAtomically(key, async (tmp) => {
      await pipeline(body, createWriteStream(tmp, { flags: 'wx', mode: 0o600 }));
      const handle = await open(tmp, 'r+');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    });
  }

  private async writeAtomically(key: string, write: (tmp: string) => Promise<void>): Promise<ObjectInfo> {
    const target = this.pathOf(key);
    const dir = path.dirname(target);
    await mkdir(dir, { recursive: true });
    const tmp = path.join(dir, `.${path.basename(target)}.${randomUUID()}${TEMP_SUFFIX}`);
    try {
      await write(tmp);
      await rename(tmp, target);
    } catch (e) {
      await unlink(tmp).catch(() => undefined);
      throw e;
    }
    await syncDirectory(dir);
    const info = await this.stat(key);
    if (info === undefined) throw new Error('Internal error: object vanished right after it was written');
    return info;
  }

  async read(key: string): Promise<Uint8Array | undefined> {
    try {
      return await readFile(this.pathOf(key));
    } catch (e) {
      if (isMissing(e)) return undefined;
      throw e;
    }
  }

  async openRead(key: string): Promise<Readable | undefined> {
    // Open first so a missing key is an undefined here, not an error event later.
    try {
      const handle = await open(this.pathOf(key), 'r');
      return handle.createReadStream({ autoClose: true });
    } catch (e) {
      if (isMissing(e)) return undefined;
      throw e;
    }
  }

  async stage(key: string): Promise<StagedObject | undefined> {
    const info = await this.stat(key);
    if (info === undefined) return undefined;
    return { path: this.pathOf(key), release: async () => undefined };
  }

  async stat(key: string): Promise<ObjectInfo | undefined> {
    try {
      const s = await stat(this.pathOf(key));
      return s.isFile() ? { key, size: s.size, modified: s.mtime } : undefined;
    } catch (e) {
      if (isMissing(e)) return undefined;
      throw e;
    }
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    assertSafePrefix(prefix);
    // Walk only the deepest folder the prefix names completely, then filter by string.
    const slash = prefix.lastIndexOf('/');
    const baseKey = slash < 0 ? '' : prefix.slice(0, slash);
    const found: ObjectInfo[] = [];
    for await (const file of walk(this.root, baseKey)) {
      if (file.key.startsWith(prefix) && !isTemporaryName(file.key)) found.push(file);
    }
    return found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async delete(key: string): Promise<boolean> {
    const file = this.pathOf(key);
    try {
      await unlink(file);
    } catch (e) {
      if (isMissing(e)) return false;
      throw e;
    }
    await this.pruneEmptyFolders(path.dirname(file));
    return true;
  }

  async deletePrefix(prefix: string): Promise<number> {
    // An empty prefix would wipe every member's data: never what a caller means.
    if (prefix === '') throw new Error('Internal error: deletePrefix needs a non-empty prefix');
    let removed = 0;
    for (const info of await this.list(prefix)) {
      if (await this.delete(info.key)) removed += 1;
    }
    return removed;
  }

  async sweepTemporary(olderThanMs: number = HOUR_MS): Promise<number> {
    const cutoff = Date.now() - olderThanMs;
    let removed = 0;
    for await (const file of walk(this.root, '')) {
      const stale = file.modified.getTime() <= cutoff;
      if (stale && (isTemporaryName(file.key) || file.key.startsWith(TMP_PREFIX))) {
        const full = path.join(this.root, ...file.key.split('/'));
        await unlink(full).catch((e: unknown) => {
          if (!isMissing(e)) throw e;
        });
        await this.pruneEmptyFolders(path.dirname(full));
        removed += 1;
      }
    }
    return removed;
  }

  /** Keeps deleted datasets from leaving a trail of empty folders; stops at the root. */
  private async pruneEmptyFolders(dir: string): Promise<void> {
    let current = dir;
    while (current.startsWith(this.root + path.sep)) {
      try {
        await rmdir(current);
      } catch {
        return; // not empty, or already gone
      }
      current = path.dirname(current);
    }
  }
}

/** Every regular file under root/baseKey (symlinks are not followed), as store keys. */
async function* walk(root: string, baseKey: string): AsyncGenerator<ObjectInfo> {
  const dir = baseKey === '' ? root : path.join(root, ...baseKey.split('/'));
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (e) {
    if (isMissing(e) || isNotDirectory(e)) return;
    throw e;
  }
  for (const entry of entries) {
    const key = baseKey === '' ? entry.name : `${baseKey}/${entry.name}`;
    if (entry.isDirectory()) {
      yield* walk(root, key);
    } else if (entry.isFile()) {
      try {
        const s = await stat(path.join(dir, entry.name));
        yield { key, size: s.size, modified: s.mtime };
      } catch (e) {
        if (!isMissing(e)) throw e; // removed while we walked
      }
    }
  }
}

function isTemporaryName(key: string): boolean {
  const name = key.slice(key.lastIndexOf('/') + 1);
  return name.startsWith('.') && name.endsWith(TEMP_SUFFIX);
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function errorCode(e: unknown): unknown {
  return typeof e === 'object' && e !== null && 'code' in e ? e.code : undefined;
}

function isMissing(e: unknown): boolean {
  const code = errorCode(e);
  return code === 'ENOENT' || code === 'EISDIR';
}

function isNotDirectory(e: unknown): boolean {
  return errorCode(e) === 'ENOTDIR';
}
