/**
 * The dashboard charts' arithmetic and row shaping (web/src/charts), without a browser:
 * expected values worked out by hand.
 */
import { describe, expect, it } from 'vitest';
import { compact, linear, niceTicks, numeric } from '../../web/src/charts/scale.ts';
import { chartModel, kpiTiles, overlapRows, vennDistance } from '../../web/src/charts/series.ts';

const lensArea = (r1: number, r2: number, d: number): number => {
  const a = r1 * r1 * Math.acos((d * d + r1 * r1 - r2 * r2) / (2 * d * r1));
  const b = r2 * r2 * Math.acos((d * d + r2 * r2 - r1 * r1) / (2 * d * r2));
  const c = 0.5 * Math.sqrt((-d + r1 + r2) * (d + r1 - r2) * (d - r1 + r2) * (d + r1 + r2));
  return a + b - c;
};

describe('scale', () => {
  it('picks round ticks covering the range, from zero', () => {
    expect(niceTicks(0, 93, 5)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    // 42 over 4 steps is 10.5 a step, rounded up to the next 1-2-5 step: 20.
    expect(niceTicks(-12, 30, 4)).toEqual([-20, 0, 20, 40]);
    expect(niceTicks(0, 0)).toEqual([0, 1]);
    expect(niceTicks(5, 5)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(niceTicks(Number.NaN, 3)).toEqual([0, 1]);
  });

  it('maps linearly and labels compactly', () => {
    const y = linear(0, 100, 200, 0);
    expect(y(0)).toBe(200);
    expect(y(25)).toBe(150);
    expect(y(100)).toBe(0);
    expect(compact(1_234_567)).toBe('1.23M');
    expect(compact(45_600)).toBe('45.6k');
    expect(compact(2_500_000_000)).toBe('2.5B');
    expect(compact(1234)).toBe('1234');
    expect(compact(0.012345)).toBe('0.0123');
    expect(compact(-3)).toBe('-3');
  });

  it('reads numbers from cells, DECIMAL text included', () => {
    expect(numeric(3)).toBe(3);
    expect(numeric('12.50')).toBe(12.5);
    expect(numeric('')).toBeNull();
    expect(numeric('c1')).toBeNull();
    expect(numeric(null)).toBeNull();
    expect(numeric(true)).toBeNull();
  });
});

describe('chartModel', () => {
  const columns = [{ name: 'campaign' }, { name: 'device' }, { name: 'users' }, { name: 'spend' }, { name: 'lo' }, { name: 'hi' }];
  const rows = [
    ['c1', 'mobile', 10, '2.50', 8, 12],
    ['c2', 'mobile', 4, '1.00', 3, 5],
    ['c1', 'desktop', 6, '0.50', 5, 7],
  ];

  it('makes one series per y column, adding up rows of the same category, in row order', () => {
    expect(chartModel(columns, rows, { x: 'campaign', y: ['users', 'spend'] })).toEqual({
      categories: ['c1', 'c2'],
      series: [
        { name: 'users', values: [16, 4] },
        { name: 'spend', values: [3, 1] },
      ],
      // c1 twice: one row added to another.
      merged: 1,
    });
  });

  it('pivots on a series column', () => {
    expect(chartModel(columns, rows, { x: 'campaign', y: ['users'], series: 'device' })).toEqual({
      categories: ['c1', 'c2'],
      series: [
        { name: 'mobile', values: [10, 4] },
        { name: 'desktop', values: [6, null] },
      ],
      merged: 0,
    });
  });

  it('keeps an interval for the first measure', () => {
    const m = chartModel(columns, rows.slice(0, 2), { x: 'campaign', y: ['users'], low: 'lo', high: 'hi' });
    expect(m.series[0]).toEqual({ name: 'users', values: [10, 4], low: [8, 3], high: [12, 5] });
  });

  it('drops the interval of an x value whose rows were added up (it belongs to no single bar)', () => {
    const m = chartModel(columns, rows, { x: 'campaign', y: ['users'], low: 'lo', high: 'hi' });
    expect(m.series[0]).toEqual({ name: 'users', values: [16, 4], low: [null, 3], high: [null, 5] });
    expect(m.merged).toBe(1);
  });

  it('shows null categories as a dash and skips non-numbers', () => {
    expect(chartModel([{ name: 'x' }, { name: 'y' }], [[null, 'n/a'], ['a', 2]], { x: 'x', y: ['y'] })).toEqual({
      categories: ['—', 'a'],
      series: [{ name: 'y', values: [null, 2] }],
      merged: 0,
    });
  });
});

describe('kpiTiles and overlapRows', () => {
  it('makes a tile per row with its label and interval', () => {
    const cols = [{ name: 'campaign_id' }, { name: 'lift' }, { name: 'l' }, { name: 'h' }];
    expect(kpiTiles(cols, [['c1', 0.02, 0.01, 0.03]], { value: 'lift', label: 'campaign_id', low: 'l', high: 'h' })).toEqual([{ label: 'c1', value: 0.02, low: 0.01, high: 0.03 }]);
    expect(kpiTiles(cols, [['c1', 5, null, null]], { value: 'lift' })).toEqual([{ label: null, value: 5, low: null, high: null }]);
  });

  it('reads each set size and the intersection per row, leaving out rows without numbers', () => {
    const cols = [{ name: 'segment' }, { name: 'brand' }, { name: 'platform' }, { name: 'both' }];
    expect(overlapRows(cols, [['gold', 120, '300', 40], ['silver', null, 10, 2]], { sets: ['brand', 'platform'], value: 'both', label: 'segment' })).toEqual([
      { label: 'gold', sets: [{ name: 'brand', size: 120 }, { name: 'platform', size: 300 }], both: 40 },
    ]);
  });
});

describe('vennDistance', () => {
  it('places two circles so that their lens has the asked area', () => {
    for (const [r1, r2, share] of [[100, 60, 0.3], [80, 80, 0.5], [50, 90, 0.9], [100, 20, 0.1]] as const) {
      const target = share * Math.PI * Math.min(r1, r2) ** 2;
      const d = vennDistance(r1, r2, target);
      expect(lensArea(r1, r2, d) / target).toBeCloseTo(1, 6);
    }
  });

  it('separates disjoint sets and nests a subset', () => {
    expect(vennDistance(50, 30, 0)).toBe(80);
    expect(vennDistance(50, 30, Math.PI * 30 * 30)).toBe(20);
  });
});
