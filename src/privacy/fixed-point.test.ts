import { describe, expect, it } from 'vitest';
import { addNoise, clampToBounds, formatDecimal, signedRange, unitOf, type FixedPointFormat } from './fixed-point.ts';

const cents: FixedPointFormat = { radix: 10, digits: 2, ...signedRange(64) };

describe('fixed point', () => {
  it('knows its unit and the signed ranges', () => {
    expect(unitOf(cents)).toBe(100n);
    expect(unitOf({ radix: 2, digits: 16, min: 0n, max: 1n })).toBe(65536n);
    expect(signedRange(64)).toEqual({ min: -9223372036854775808n, max: 9223372036854775807n });
    expect(signedRange(8)).toEqual({ min: -128n, max: 127n });
    expect(() => unitOf({ radix: 10, digits: -1, min: 0n, max: 1n })).toThrow(/digits/);
  });

  it('adds noise exactly', () => {
    expect(addNoise(12345n, -46n, cents)).toEqual({ ok: true, value: 12299n });
    expect(formatDecimal(12299n, 2)).toBe('122.99');
    expect(formatDecimal(-5n, 2)).toBe('-0.05');
    expect(formatDecimal(7n, 0)).toBe('7');
  });

  it('refuses to overflow instead of wrapping', () => {
    const { max, min } = signedRange(64);
    const up = addNoise(max - 3n, 4n, cents);
    expect(up).toMatchObject({ ok: false, code: 'noisy-value-out-of-range' });
    expect(addNoise(min + 3n, -4n, cents)).toMatchObject({ ok: false, code: 'noisy-value-out-of-range' });
    // At the edge exactly is fine.
    expect(addNoise(max - 3n, 3n, cents)).toEqual({ ok: true, value: max });
    // An exact value already out of range (an overflowed sum) is refused too.
    expect(addNoise(max + 1n, -10n, cents)).toMatchObject({ ok: false, code: 'value-out-of-range' });
    // The messages carry no values.
    if (!up.ok) expect(up.message).not.toMatch(/\d/);
    const small: FixedPointFormat = { radix: 2, digits: 0, ...signedRange(8) };
    expect(addNoise(100n, 28n, small)).toMatchObject({ ok: false });
    expect(addNoise(100n, 27n, small)).toEqual({ ok: true, value: 127n });
  });

  it('clamps to semantic bounds after the noise', () => {
    expect(clampToBounds(-3n, 0n, 10n)).toBe(0n);
    expect(clampToBounds(11n, 0n, 10n)).toBe(10n);
    expect(clampToBounds(4n, 0n, 10n)).toBe(4n);
    expect(() => clampToBounds(4n, 1n, 0n)).toThrow(/empty/);
  });
});
