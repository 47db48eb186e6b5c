// Test helpers for the crawler tests: tiny input files whose facts are known by hand.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

export async function makeDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'cr-crawl-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export async function put(dir: string, name: string, content: string | Uint8Array): Promise<string> {
  const file = path.join(dir, name);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, content);
  return file;
}

/**
 * A zstd frame holding `content` as one raw (stored) block, built by hand from RFC 8878
 * so the test does not depend on a zstd encoder: magic, frame header descriptor 0x20
 * (single segment, 1-byte content size), content size, block header (last, raw, size).
 */
export function zstdStored(content: string): Uint8Array {
  const body = Buffer.from(content);
  if (body.length > 255) throw new Error('zstdStored handles up to 255 bytes');
  const header = (body.length << 3) | 1;
  return Buffer.concat([
    Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x20, body.length, header & 0xff, (header >> 8) & 0xff, (header >> 16) & 0xff]),
    body,
  ]);
}

/** Rows of a Parquet file, read with a separate DuckDB instance. */
export async function readParquet(file: string, sql = 'SELECT * FROM t'): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '1', memory_limit: '256MB' });
  const connection = await instance.connect();
  try {
    await connection.run(`CREATE VIEW t AS SELECT * FROM read_parquet('${file.replace(/'/g, "''")}')`);
    return (await connection.runAndReadAll(sql)).getRowObjectsJS();
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** Writes a Parquet fixture with DuckDB from a SELECT. */
export async function writeParquetFixture(file: string, select: string): Promise<void> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '1', memory_limit: '256MB' });
  const connection = await instance.connect();
  try {
    await connection.run(`COPY (${select}) TO '${file.replace(/'/g, "''")}' (FORMAT parquet)`);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
