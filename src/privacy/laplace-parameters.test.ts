import { describe, expect, it } from 'vitest';
import { laplaceEpsilon, laplaceScale } from './laplace-parameters.ts';
import { rational } from './rational.ts';

describe('laplaceScale', () => {
  it('is Delta / epsilon, exact', () => {
    // A count (Delta 1) at epsilon 1/2: scale 2.
    expect(laplaceScale(1n, rational(1n, 2n))).toEqual(rational(2n));
    // A sum clamped to [0, 1.00] in cents (Delta 100) at epsilon 0.3: 1000/3.
    expect(laplaceScale(100n, rational(3n, 10n))).toEqual(rational(1000n, 3n));
    // Large epsilon gives a scale below one unit: 1 / (7/3) = 3/7.
    expect(laplaceScale(1n, rational(7n, 3n))).toEqual(rational(3n, 7n));
  });
  it('inverts to the epsilon spent', () => {
    expect(laplaceEpsilon(100n, rational(1000n, 3n))).toEqual(rational(3n, 10n));
    expect(laplaceEpsilon(5n, laplaceScale(5n, rational(11n, 13n)))).toEqual(rational(11n, 13n));
  });
  it('refuses non-positive inputs', () => {
    expect(() => laplaceScale(0n, rational(1n))).toThrow(/sensitivity/);
    expect(() => laplaceScale(1n, rational(0n))).toThrow(/epsilon/);
    expect(() => laplaceScale(1n, rational(-1n))).toThrow(/epsilon/);
    expect(() => laplaceEpsilon(1n, rational(0n))).toThrow(/scale/);
  });
});
