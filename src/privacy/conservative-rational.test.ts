import { describe, expect, it } from 'vitest';
import {
  exactDouble,
  nextDouble,
  noiseScaleFromDecimal,
  parseDecimal,
  privacyParameterFromDecimal,
  roundDownTo,
  roundUpTo,
} from './conservative-rational.ts';
import { compare, rational } from './rational.ts';

describe('parseDecimal', () => {
  it('reads decimal text exactly', () => {
    expect(parseDecimal('0.1')).toEqual(rational(1n, 10n));
    expect(parseDecimal('12')).toEqual(rational(12n));
    expect(parseDecimal('-2.50')).toEqual(rational(-5n, 2n));
    expect(parseDecimal('2.5e-3')).toEqual(rational(1n, 400n));
    expect(parseDecimal('1E6')).toEqual(rational(1000000n));
    expect(parseDecimal('.25')).toEqual(rational(1n, 4n));
  });
  it('refuses what is not a decimal', () => {
    for (const bad of ['', 'abc', '1/3', '0x10', '1.2.3', 'NaN', 'Infinity']) {
      expect(() => parseDecimal(bad)).toThrow(/not a decimal/);
    }
  });
});

describe('exactDouble', () => {
  it('gives the exact binary value of a double', () => {
    expect(exactDouble(0.5)).toEqual(rational(1n, 2n));
    expect(exactDouble(3)).toEqual(rational(3n));
    expect(exactDouble(-0.75)).toEqual(rational(-3n, 4n));
    // 0.1 is 3602879701896397 / 2^55, a hair above one tenth.
    expect(exactDouble(0.1)).toEqual(rational(3602879701896397n, 2n ** 55n));
    expect(exactDouble(Number.MIN_VALUE)).toEqual(rational(1n, 2n ** 1074n));
    expect(exactDouble(2 ** 60)).toEqual(rational(2n ** 60n));
  });
  it('steps one ulp either way', () => {
    expect(nextDouble(1, true)).toBe(1 + Number.EPSILON);
    expect(nextDouble(1, false)).toBe(1 - Number.EPSILON / 2);
    expect(nextDouble(-1, true)).toBe(-1 + Number.EPSILON / 2);
    expect(nextDouble(0, true)).toBe(Number.MIN_VALUE);
  });
});

describe('conservative rounding', () => {
  it('rounds to a denominator up or down', () => {
    expect(roundUpTo(rational(1n, 3n), 100n)).toEqual(rational(34n, 100n));
    expect(roundDownTo(rational(1n, 3n), 100n)).toEqual(rational(33n, 100n));
    expect(roundUpTo(rational(1n, 4n), 100n)).toEqual(rational(1n, 4n));
  });

  it('never lets a noise scale shrink', () => {
    // Decimal text: exact, then up to 1e-9.
    expect(noiseScaleFromDecimal('3.3333333333')).toEqual(rational(3333333334n, 1000000000n));
    expect(noiseScaleFromDecimal('2.5')).toEqual(rational(5n, 2n));
    // A float result of 1/0.3 may sit below 10/3; the rational must not.
    const scale = noiseScaleFromDecimal(1 / 0.3);
    expect(compare(scale, rational(10n, 3n))).toBe(1);
    expect(compare(scale, exactDouble(1 / 0.3))).toBe(1);
    // An exactly representable number still moves up one step, then to the grid.
    expect(noiseScaleFromDecimal(2, 10n)).toEqual(rational(21n, 10n));
    expect(() => noiseScaleFromDecimal('0')).toThrow(/positive/);
    expect(() => noiseScaleFromDecimal('-1')).toThrow(/positive/);
  });

  it('never lets epsilon or delta grow', () => {
    expect(privacyParameterFromDecimal('0.1')).toEqual(rational(1n, 10n));
    expect(privacyParameterFromDecimal('1e-6', 10n ** 12n)).toEqual(rational(1n, 1000000n));
    // A number moves one ulp down first (it may be a rounded float result), so the
    // double 0.1 lands one grid step below 1/10: decimal text is the precise form.
    expect(privacyParameterFromDecimal(0.1)).toEqual(rational(99999999n, 1000000000n));
    expect(() => privacyParameterFromDecimal('1e-12')).toThrow(/positive/);
  });
});
