/**
 * What an upload may send: a browser Blob or File, bytes, a web ReadableStream, or any
 * async iterable of byte chunks (a Node `Readable` is one: `fs.createReadStream(path)`).
 * Streams go out as they are read, so a large file is never held in memory.
 */
export type UploadBody = Blob | ArrayBuffer | Uint8Array | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;

function isAsyncIterable(value: unknown): value is AsyncIterable<Uint8Array> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

/** An async iterable as a web stream, read only as fast as fetch sends. */
function streamOf(source: AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> {
  const iterator = source[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await iterator.next();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    async cancel(reason) {
      await iterator.return?.(reason);
    },
  });
}

/** The fetch body for an upload, and whether it streams (fetch then needs `duplex`). */
export function toFetchBody(body: UploadBody): { body: BodyInit; streaming: boolean } {
  if (body instanceof ReadableStream) return { body, streaming: true };
  if (typeof Blob !== 'undefined' && body instanceof Blob) return { body, streaming: false };
  if (body instanceof ArrayBuffer || body instanceof Uint8Array) return { body: body as BodyInit, streaming: false };
  // A web ReadableStream is async-iterable in Node too, so this test comes after it.
  if (isAsyncIterable(body)) return { body: streamOf(body), streaming: true };
  throw new TypeError('Internal error: an upload body must be a Blob, bytes, a ReadableStream or an async iterable of bytes');
}
