/**
 * Pearson's chi-square goodness-of-fit test of integer samples against a PMF, with
 * cells merged so every expected count is at least `minExpected` (5, Cochran's rule)
 * and the two tails folded into the outermost cells. Used by the sampler tests and by
 * audits; the PMF must come from an independent computation, not from the sampler.
 */
import { chiSquarePValue } from './incomplete-gamma.ts';

export interface FitResult {
  readonly statistic: number;
  readonly dof: number;
  readonly pValue: number;
  /** Cells as [first, last] values (the outermost ones extend to infinity). */
  readonly cells: readonly (readonly [number, number])[];
}

export interface FitOptions {
  /** Where the mass is: cells grow outward from here (the mode of a symmetric law). */
  readonly center?: number;
  readonly minExpected?: number;
  /** Stop extending the range once the PMF falls below this. */
  readonly negligible?: number;
}

/** @example chiSquareFit(counts, (x) => pmf(x)).pValue > 0.001 */
export function chiSquareFit(observed: ReadonlyMap<number, number>, pmf: (x: number) => number, options: FitOptions = {}): FitResult {
  const center = options.center ?? 0;
  const minExpected = options.minExpected ?? 5;
  const negligible = options.negligible ?? 1e-16;
  let n = 0;
  for (const count of observed.values()) n += count;
  if (n === 0) throw new Error('Internal error: no samples to test');

  // Cells on each side, built outward; a leftover with too little mass joins the last cell.
  const side = (step: 1 | -1): [number, number, number][] => {
    const cells: [number, number, number][] = [];
    let start = step === 1 ? center : center - 1;
    let mass = 0;
    for (let x = start; ; x += step) {
      const p = pmf(x);
      mass += p;
      if (p < negligible && Math.abs(x - center) > 2) break;
      if (mass * n >= minExpected) {
        cells.push([start, x, mass]);
        start = x + step;
        mass = 0;
      }
    }
    const last = cells[cells.length - 1];
    if (!last) throw new Error('Internal error: a side of the chi-square test has no cell; move the center');
    last[2] += mass;
    return cells;
  };
  const right = side(1);
  const left = side(-1).map(([a, b, m]): [number, number, number] => [b, a, m]).reverse();
  const cells = [...left, ...right];
  if (cells.length < 2) throw new Error('Internal error: too few samples for a chi-square test');
  const leftmost = cells[0];
  const rightmost = cells[cells.length - 1];
  if (leftmost) leftmost[0] = -Infinity;
  if (rightmost) rightmost[1] = Infinity;

  const counts = cells.map(() => 0);
  for (const [x, count] of observed) {
    const i = cells.findIndex(([lo, hi]) => x >= lo && x <= hi);
    if (i < 0) throw new Error(`Internal error: sample ${x} falls in no cell`);
    counts[i] = (counts[i] ?? 0) + count;
  }
  // The PMF is not renormalised here: a PMF that does not sum to 1 is a bug in the test.
  const total = cells.reduce((s, c) => s + c[2], 0);
  if (Math.abs(total - 1) > 1e-9) throw new Error(`Internal error: the PMF sums to ${total}, not 1`);
  let statistic = 0;
  cells.forEach(([, , mass], i) => {
    const expected = mass * n;
    const diff = (counts[i] ?? 0) - expected;
    statistic += (diff * diff) / expected;
  });
  const dof = cells.length - 1;
  return { statistic, dof, pValue: chiSquarePValue(statistic, dof), cells: cells.map(([lo, hi]) => [lo, hi] as const) };
}
