import { describe, expect, it } from 'vitest';
import { ceil, compare, divide, floor, format, isqrt, multiply, rational, toNumber } from './rational.ts';

describe('rational', () => {
  it('reduces to lowest terms and keeps the denominator positive', () => {
    expect(rational(6n, 4n)).toEqual({ num: 3n, den: 2n });
    expect(rational(-6n, 4n)).toEqual({ num: -3n, den: 2n });
    expect(rational(0n, 7n)).toEqual({ num: 0n, den: 1n });
    expect(() => rational(1n, 0n)).toThrow(/Internal error/);
    expect(() => rational(1n, -2n)).toThrow(/Internal error/);
  });

  it('multiplies, divides and compares exactly', () => {
    expect(multiply(rational(2n, 3n), rational(9n, 4n))).toEqual({ num: 3n, den: 2n });
    expect(divide(rational(1n), rational(-3n, 10n))).toEqual({ num: -10n, den: 3n });
    expect(compare(rational(1n, 3n), rational(333n, 1000n))).toBe(1);
    expect(compare(rational(2n, 6n), rational(1n, 3n))).toBe(0);
    expect(compare(rational(-1n, 2n), rational(0n))).toBe(-1);
  });

  it('floors and ceils, negatives included', () => {
    expect(floor(rational(7n, 2n))).toBe(3n);
    expect(floor(rational(-7n, 2n))).toBe(-4n);
    expect(floor(rational(-6n, 2n))).toBe(-3n);
    expect(ceil(rational(7n, 2n))).toBe(4n);
    expect(ceil(rational(-7n, 2n))).toBe(-3n);
    expect(ceil(rational(8n, 2n))).toBe(4n);
  });

  it('takes integer square roots', () => {
    for (const [n, r] of [[0n, 0n], [1n, 1n], [3n, 1n], [4n, 2n], [24n, 4n], [25n, 5n], [26n, 5n]] as const) {
      expect(isqrt(n)).toBe(r);
    }
    const big = 12345678901234567890n;
    const r = isqrt(big * big + 5n);
    expect(r).toBe(big);
    expect(isqrt(big * big - 1n)).toBe(big - 1n);
  });

  it('converts to a double, even for huge terms', () => {
    expect(toNumber(rational(1n, 3n))).toBeCloseTo(1 / 3, 15);
    const huge = 10n ** 400n;
    expect(toNumber(rational(3n * huge, 4n * huge + 1n))).toBeCloseTo(0.75, 12);
    expect(format(rational(3n, 1n))).toBe('3');
    expect(format(rational(3n, 7n))).toBe('3/7');
  });
});
