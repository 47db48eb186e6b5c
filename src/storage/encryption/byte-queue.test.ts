import { describe, expect, it } from 'vitest';
import { ByteQueue } from './byte-queue.ts';

describe('ByteQueue', () => {
  it('takes across buffer boundaries in order', () => {
    const q = new ByteQueue();
    q.push(Buffer.from('abc'));
    q.push(Buffer.alloc(0));
    q.push(Buffer.from('defgh'));
    q.push(Buffer.from('ij'));
    expect(q.length).toBe(10);
    expect(q.peek(4).toString()).toBe('abcd');
    expect(q.take(2).toString()).toBe('ab');
    expect(q.take(5).toString()).toBe('cdefg');
    expect(q.take(0).toString()).toBe('');
    expect(q.take(3).toString()).toBe('hij');
    expect(q.length).toBe(0);
    expect(() => q.take(1)).toThrow(/Internal error/);
  });
});
