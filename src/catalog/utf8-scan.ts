import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { Compression } from './crawl-types.ts';

export interface Utf8Problem {
  /** 1-based line number. */
  readonly line: number;
  /** 1-based byte position of the first bad byte within the line. */
  readonly character: number;
}

/**
 * Finds the first invalid UTF-8 byte of a file, streaming. Used to give an exact line
 * when DuckDB reports bad encoding (its line numbers are not always right for JSON).
 * zstd cannot be decompressed here: Node 20's zlib has no zstd (added in Node 22.15),
 * so for .zst files this returns undefined and DuckDB's own line is used.
 */
export async function findInvalidUtf8(file: string, compression: Compression): Promise<Utf8Problem | undefined> {
  if (compression === 'zstd') return undefined;
  const raw = createReadStream(file);
  const stream: Readable = compression === 'gzip' ? raw.pipe(createGunzip()) : raw;
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let line = 1;
  let carry: Uint8Array = new Uint8Array(0);
  try {
    for await (const chunk of stream) {
      const bytes = concat(carry, chunk as Uint8Array);
      let start = 0;
      // 0x0A never occurs inside a multi-byte sequence, so lines can be checked alone.
      for (let nl = bytes.indexOf(0x0a, start); nl >= 0; nl = bytes.indexOf(0x0a, start)) {
        const bad = badByteIn(decoder, bytes.subarray(start, nl));
        if (bad !== undefined) return { line, character: bad + 1 };
        line += 1;
        start = nl + 1;
      }
      carry = bytes.slice(start);
    }
    const bad = badByteIn(decoder, carry);
    return bad === undefined ? undefined : { line, character: bad + 1 };
  } finally {
    stream.destroy();
    raw.destroy();
  }
}

/** Index of the first byte that makes `line` invalid UTF-8, or undefined when it is valid. */
function badByteIn(decoder: TextDecoder, line: Uint8Array): number | undefined {
  try {
    decoder.decode(line);
    return undefined;
  } catch {
    // Feed one byte at a time: a streaming fatal decoder throws at the first byte that
    // cannot continue a valid sequence; the fault is then the sequence that was open.
    const stepper = new TextDecoder('utf-8', { fatal: true });
    let sequenceStart = 0;
    let remaining = 0;
    for (let i = 0; i < line.length; i += 1) {
      const byte = line[i] ?? 0;
      try {
        stepper.decode(line.subarray(i, i + 1), { stream: true });
      } catch {
        return remaining > 0 ? sequenceStart : i;
      }
      if (byte >= 0xc0) {
        sequenceStart = i;
        remaining = byte >= 0xf0 ? 3 : byte >= 0xe0 ? 2 : 1;
      } else if (byte >= 0x80) {
        remaining -= 1;
      } else {
        remaining = 0;
      }
    }
    return sequenceStart; // the line ends inside a sequence
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
