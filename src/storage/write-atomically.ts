import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export type AtomicContent = Uint8Array | string | Readable;

/**
 * Produces the content inside a scope of its own (a staged copy that only lives during a
 * callback): calls `write` once, before it returns.
 */
export type AtomicProducer = (write: (content: AtomicContent) => Promise<void>) => Promise<void>;

/**
 * Writes `destination` whole or not at all: the content goes to `.<name>.partial` beside
 * it (same folder, so the rename is atomic), created exclusively with mode 0600 (it may
 * be plaintext of encrypted data), then renamed over `destination`, replacing any file
 * there. An error removes the `.partial` and leaves `destination` as it was; a killed
 * process leaves at most the `.partial`. No fsync, so a power cut may still lose the
 * file (these are local copies; `LocalStore` fsyncs stored objects).
 *
 * A `.partial` left by a killed process makes the next write fail (`EEXIST`, so a
 * planted file or link is never written through) and is removed with it, so a retry works.
 *
 * @example
 *   await writeAtomically('./overlap.parquet', stream);
 *   await writeAtomically(out, (write) => withStaged(key, (file) => write(convert(file))));
 */
export async function writeAtomically(destination: string, content: AtomicContent | AtomicProducer): Promise<void> {
  const partial = path.join(path.dirname(destination), `.${path.basename(destination)}.partial`);
  let written = false;
  const write = async (body: AtomicContent): Promise<void> => {
    written = true;
    const source = typeof body === 'string' || body instanceof Uint8Array ? Readable.from([body]) : body;
    await pipeline(source, createWriteStream(partial, { flags: 'wx', mode: 0o600 }));
  };
  try {
    if (typeof content === 'function') await content(write);
    else await write(content);
    if (!written) throw new Error(`Internal error: nothing was written for ${destination}`);
    await rename(partial, destination);
  } catch (e) {
    await rm(partial, { force: true });
    throw e;
  }
}
