/**
 * Bytes waiting to fill a chunk. Keeps the incoming buffers as they are and copies only
 * when a chunk spans two of them, so streaming stays close to the cipher's speed.
 */
export class ByteQueue {
  private parts: Buffer[] = [];
  private total = 0;

  get length(): number {
    return this.total;
  }

  push(bytes: Buffer): void {
    if (bytes.length === 0) return;
    this.parts.push(bytes);
    this.total += bytes.length;
  }

  /** The first `n` bytes without removing them (n <= length). */
  peek(n: number): Buffer {
    const first = this.parts[0];
    if (first !== undefined && first.length >= n) return first.subarray(0, n);
    return Buffer.concat(this.parts, this.total).subarray(0, n);
  }

  /** Removes and returns the first `n` bytes (n <= length). */
  take(n: number): Buffer {
    if (n > this.total) throw new Error('Internal error: ByteQueue.take past the end');
    const first = this.parts[0];
    if (first !== undefined && first.length >= n) {
      const out = first.subarray(0, n);
      if (first.length === n) this.parts.shift();
      else this.parts[0] = first.subarray(n);
      this.total -= n;
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const part = this.parts[0];
      if (part === undefined) throw new Error('Internal error: ByteQueue out of parts');
      const use = Math.min(part.length, n - filled);
      part.copy(out, filled, 0, use);
      filled += use;
      if (use === part.length) this.parts.shift();
      else this.parts[0] = part.subarray(use);
    }
    this.total -= n;
    return out;
  }
}
