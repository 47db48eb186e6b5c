import { describe, expect, it } from 'vitest';
import { highlightRange } from '../../web/src/sql-highlight.ts';

describe('the part of a refused query the page marks', () => {
  const sql = 'SELECT state FROM customers GROUP BY state';
  it('takes the position and the fragment when they agree', () => {
    expect(highlightRange(sql, { position: 18, fragment: 'customers' })).toEqual({ start: 18, end: 27 });
  });
  it('takes the word at the position when the fragment is elsewhere or absent', () => {
    expect(highlightRange(sql, { position: 18 })).toEqual({ start: 18, end: 27 });
    expect(highlightRange(sql, { position: 18, fragment: 'FROM customers' })).toEqual({ start: 18, end: 27 });
    expect(highlightRange('SELECT * FROM t WHERE (', { position: 22 })).toEqual({ start: 22, end: 23 });
  });
  it('finds the fragment without a position, and marks nothing when neither points anywhere', () => {
    expect(highlightRange(sql, { fragment: 'GROUP BY state' })).toEqual({ start: 28, end: 42 });
    expect(highlightRange(sql, { fragment: 'nowhere' })).toBeUndefined();
    expect(highlightRange(sql, { position: 999 })).toBeUndefined();
    expect(highlightRange(sql, {})).toBeUndefined();
  });
});
