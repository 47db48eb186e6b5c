/**
 * Statistics for the measurement analyses, computed in the receiver's process on rows
 * that already passed the clean room's checks (aggregates only).
 *
 * Normal distribution: the complementary error function is the Chebyshev-fitted
 * approximation `erfcc` of Numerical Recipes (Press, Teukolsky, Vetterling, Flannery,
 * "Numerical Recipes in C", 2nd ed., 1992, section 6.2), whose fractional (relative)
 * error is below 1.2e-7 for every x. Relative rather than absolute accuracy matters
 * here: p-values of large campaigns are tiny, and an approximation with a small
 * absolute error only (such as Abramowitz & Stegun 7.1.26) would report 0 or a
 * negative number for them.
 */

/** The 97.5% quantile of the standard normal distribution (two-sided 95% interval). */
export const Z_95 = 1.959963984540054;

/** erfc(x) = 1 - erf(x), relative error < 1.2e-7 (Numerical Recipes `erfcc`). */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const poly =
    -1.26551223 +
    t * (1.00002368 +
    t * (0.37409196 +
    t * (0.09678418 +
    t * (-0.18628806 +
    t * (0.27886807 +
    t * (-1.13520398 +
    t * (1.48851587 +
    t * (-0.82215223 +
    t * 0.17087277))))))));
  const ans = t * Math.exp(-z * z + poly);
  return x >= 0 ? ans : 2 - ans;
}

/** Standard normal cumulative distribution function Φ(z) = erfc(−z/√2) / 2. */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

/** Two-sided p-value of a standard normal statistic: P(|Z| ≥ |z|) = erfc(|z|/√2). */
export function twoSidedPValue(z: number): number {
  return erfc(Math.abs(z) / Math.SQRT2);
}

export interface TwoProportionInput {
  /** Successes (converters) and trials (users) of group 1 (test, treatment). */
  readonly x1: number;
  readonly n1: number;
  /** Successes and trials of group 2 (control). */
  readonly x2: number;
  readonly n2: number;
}

export interface TwoProportionResult {
  readonly p1: number;
  readonly p2: number;
  /** p1 − p2. */
  readonly difference: number;
  /** (p1 − p2) / p2; null when p2 = 0. */
  readonly relativeDifference: number | null;
  /** Unpooled SE √(p1(1−p1)/n1 + p2(1−p2)/n2), used for the confidence interval. */
  readonly seUnpooled: number;
  /** 95% Wald interval of p1 − p2 with the unpooled SE. */
  readonly ciLow: number;
  readonly ciHigh: number;
  /** Pooled SE √(p(1−p)(1/n1 + 1/n2)), p = (x1+x2)/(n1+n2), used for the test. */
  readonly sePooled: number;
  /** (p1 − p2) / sePooled; null when sePooled = 0 (no variation at all). */
  readonly z: number | null;
  /** Two-sided p-value of the pooled two-proportion z-test; null with z. */
  readonly pValue: number | null;
}

/**
 * Two-proportion comparison as taught in introductory statistics: a Wald confidence
 * interval of the difference with the unpooled standard error, and the z-test of
 * H0: p1 = p2 with the pooled standard error. Returns null when either group is empty
 * or the counts are not sensible (negative, successes above trials, not finite).
 */
export function twoProportion(input: TwoProportionInput): TwoProportionResult | null {
  const { x1, n1, x2, n2 } = input;
  const counts = [x1, n1, x2, n2];
  if (counts.some((v) => !Number.isFinite(v) || v < 0)) return null;
  if (n1 <= 0 || n2 <= 0 || x1 > n1 || x2 > n2) return null;
  const p1 = x1 / n1;
  const p2 = x2 / n2;
  const difference = p1 - p2;
  const seUnpooled = Math.sqrt((p1 * (1 - p1)) / n1 + (p2 * (1 - p2)) / n2);
  const pooled = (x1 + x2) / (n1 + n2);
  const sePooled = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  const z = sePooled > 0 ? difference / sePooled : null;
  return {
    p1,
    p2,
    difference,
    relativeDifference: p2 > 0 ? difference / p2 : null,
    seUnpooled,
    ciLow: difference - Z_95 * seUnpooled,
    ciHigh: difference + Z_95 * seUnpooled,
    sePooled,
    z,
    pValue: z === null ? null : twoSidedPValue(z),
  };
}

/** A cell as a number: numbers as they are, numeric strings (DECIMAL, big integers) parsed, else null. */
export function cellNumber(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}
