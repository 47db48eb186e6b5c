import { open } from 'node:fs/promises';
import { CrawlRefusal } from './crawl-types.ts';
import type { Compression, FileFormat } from './crawl-types.ts';

export interface DetectedFormat {
  readonly format: FileFormat;
  readonly compression: Compression;
}

const FORMAT_BY_EXTENSION: Readonly<Record<string, FileFormat>> = {
  csv: 'csv',
  tsv: 'tsv',
  tab: 'tsv',
  parquet: 'parquet',
  pq: 'parquet',
  json: 'json',
  ndjson: 'ndjson',
  jsonl: 'ndjson',
};

const COMPRESSION_BY_EXTENSION: Readonly<Record<string, Compression>> = { gz: 'gzip', gzip: 'gzip', zst: 'zstd', zstd: 'zstd' };

const GZIP_MAGIC = [0x1f, 0x8b];
const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd];
const PARQUET_MAGIC = [0x50, 0x41, 0x52, 0x31]; // "PAR1"

/**
 * Format from the file name (`visits.csv.gz`), checked against the first bytes so a
 * mislabelled file gets a clear refusal instead of a confusing reader error. A file
 * without a known extension is accepted only when its bytes say Parquet.
 */
export async function detectFormat(file: string): Promise<DetectedFormat> {
  const head = await readHead(file);
  const parts = file.toLowerCase().split('/').pop()?.split('.') ?? [];
  let last = parts.length > 1 ? parts.pop() : undefined;
  let compression: Compression = 'none';
  const byExtension = last === undefined ? undefined : COMPRESSION_BY_EXTENSION[last];
  if (byExtension !== undefined) {
    compression = byExtension;
    last = parts.length > 1 ? parts.pop() : undefined;
  }
  const format = last === undefined ? undefined : FORMAT_BY_EXTENSION[last];

  const magicCompression = startsWith(head, GZIP_MAGIC) ? 'gzip' : startsWith(head, ZSTD_MAGIC) ? 'zstd' : 'none';
  if (magicCompression !== compression) {
    throw new CrawlRefusal({
      code: 'compression-mismatch',
      message:
        compression === 'none'
          ? `File ${file} is ${magicCompression}-compressed but its name does not say so.`
          : `File ${file} is named as ${compression}-compressed but its content is not.`,
      file,
      hint: 'Name compressed files with .gz (gzip) or .zst (zstd) after the format extension, e.g. visits.csv.gz.',
    });
  }
  if (format === undefined) {
    if (compression === 'none' && startsWith(head, PARQUET_MAGIC)) return { format: 'parquet', compression };
    throw new CrawlRefusal({
      code: 'unknown-format',
      message: `File ${file} is not in a format Cleanroom reads.`,
      file,
      hint: 'Use CSV (.csv), TSV (.tsv), Parquet (.parquet), JSON (.json) or NDJSON (.ndjson, .jsonl), optionally compressed (.gz, .zst).',
    });
  }
  if (format === 'parquet' && compression !== 'none') {
    throw new CrawlRefusal({
      code: 'unknown-format',
      message: `File ${file} is a compressed Parquet file; Parquet compresses its own pages.`,
      file,
      hint: 'Decompress the file first.',
    });
  }
  return { format, compression };
}

async function readHead(file: string): Promise<Uint8Array> {
  const handle = await open(file, 'r');
  try {
    const buffer = new Uint8Array(4);
    const { bytesRead } = await handle.read(buffer, 0, 4, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

function startsWith(bytes: Uint8Array, magic: readonly number[]): boolean {
  return magic.every((b, i) => bytes[i] === b);
}
