import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import type { Download } from './types.ts';

/**
 * Writes a download to a file as it arrives (Node only).
 *
 * @example
 *   await saveDownload(await client.results.download(resultId, 'parquet'), './campaigns.parquet');
 */
export async function saveDownload(download: Download, path: string): Promise<void> {
  // The global ReadableStream and node:stream/web's are one class at run time; their
  // TypeScript declarations differ in generics only.
  const body = download.body as unknown as NodeReadableStream<Uint8Array>;
  await pipeline(Readable.fromWeb(body), createWriteStream(path));
}
