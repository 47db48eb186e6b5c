import { describe, expect, it } from 'vitest';
import { Z_95, erfc, normalCdf, twoProportion, twoSidedPValue } from './statistics.ts';

describe('normal distribution (Numerical Recipes erfcc, relative error < 1.2e-7)', () => {
  it('matches high-precision reference values', () => {
    // Reference values of Φ and erfc (e.g. R: pnorm(), or any 15-digit table).
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(Z_95)).toBeCloseTo(0.975, 7);
    expect(normalCdf(-1)).toBeCloseTo(0.15865525393145707, 7);
    expect(erfc(1)).toBeCloseTo(0.15729920705028513, 7);
    expect(twoSidedPValue(3)).toBeCloseTo(0.0026997960632601866, 8);
    // Tiny p-values keep their relative accuracy (an absolute-error approximation would not).
    expect(Math.abs(twoSidedPValue(5) / 5.733031437583878e-7 - 1)).toBeLessThan(1.2e-7);
    expect(Math.abs(twoSidedPValue(8) / 1.2441921148543571e-15 - 1)).toBeLessThan(1.2e-7);
    expect(twoSidedPValue(-2)).toBe(twoSidedPValue(2));
  });
});

describe('two-proportion interval and z-test, textbook worked examples', () => {
  it('confidence interval: CPR and blood thinner (OpenIntro Statistics / Introduction to Modern Statistics)', () => {
    // Diez, Çetinkaya-Rundel, Barr, "OpenIntro Statistics" (section on the difference of two proportions;
    // also Introduction to Modern Statistics ch. "Inference for comparing two proportions"): treatment
    // 14 of 40 survived (0.35), control 11 of 50 (0.22); point estimate 0.35 - 0.22 = 0.13;
    // SE = sqrt(0.35*0.65/40 + 0.22*0.78/50) = 0.095; 95% CI 0.13 ± 1.96 × 0.095 = (−0.06, 0.32).
    const r = twoProportion({ x1: 14, n1: 40, x2: 11, n2: 50 });
    expect(r).not.toBeNull();
    expect(r?.difference).toBeCloseTo(0.13, 12);
    expect(r?.seUnpooled).toBeCloseTo(0.095, 3);
    expect(r?.ciLow).toBeCloseTo(-0.06, 2);
    expect(r?.ciHigh).toBeCloseTo(0.32, 2);
  });

  it('z-test: mammograms and breast cancer deaths (OpenIntro Statistics, pooled proportion)', () => {
    // OpenIntro Statistics, hypothesis test for the difference of two proportions: 500 of 44,925 in the mammogram
    // group and 505 of 44,910 in the control group died of breast cancer; point estimate 0.01113 − 0.01125 = −0.00012;
    // pooled p = 1005 / 89,835 = 0.0112; SE = 0.00070; Z = −0.00012 / 0.00070 = −0.17; p-value 2 × 0.4325 = 0.8650
    // (published figures are rounded: unrounded z = −0.164, p = 0.870).
    const r = twoProportion({ x1: 500, n1: 44_925, x2: 505, n2: 44_910 });
    expect(r?.sePooled).toBeCloseTo(0.0007, 4);
    expect(Math.abs((r?.z ?? 0) - -0.17)).toBeLessThan(0.01);
    expect(Math.abs((r?.pValue ?? 0) - 0.865)).toBeLessThan(0.01);
  });

  it('z-test with every step at full precision (pooled SE)', () => {
    // 118 of 3303 vs 80 of 3303: difference 0.011505; pooled p = 198 / 6606 = 0.029973;
    // SE = sqrt(0.029973 × 0.970027 × (2/3303)) = 0.0041959; z = 2.74195; two-sided p = 0.00611
    // (worked answer, usablestats.com "ask stats" question 866).
    const r = twoProportion({ x1: 118, n1: 3303, x2: 80, n2: 3303 });
    expect(r?.z).toBeCloseTo(2.74195, 3);
    expect(r?.pValue).toBeCloseTo(0.00611, 4);
  });

  it('degenerate inputs give null instead of NaN', () => {
    expect(twoProportion({ x1: 1, n1: 0, x2: 1, n2: 2 })).toBeNull();
    expect(twoProportion({ x1: 3, n1: 2, x2: 1, n2: 2 })).toBeNull();
    const none = twoProportion({ x1: 0, n1: 5, x2: 0, n2: 5 });
    expect(none?.z).toBeNull();
    expect(none?.pValue).toBeNull();
    expect(none?.relativeDifference).toBeNull();
  });
});
