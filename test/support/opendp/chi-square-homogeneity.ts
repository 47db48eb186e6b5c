/**
 * Pearson's chi-square test of homogeneity for two samples of integers: are they drawn
 * from the same distribution? Cells are runs of adjacent values merged until the pooled
 * count is at least `minPooled` (so every expected count is at least 5 for samples of
 * similar size), the leftover tail joining the last cell. Tests only.
 */
import { chiSquarePValue } from '../../../src/privacy/verify/incomplete-gamma.ts';

export interface HomogeneityResult {
  readonly statistic: number;
  readonly dof: number;
  readonly pValue: number;
  readonly cells: number;
}

function histogram(xs: readonly number[]): Map<number, number> {
  const h = new Map<number, number>();
  for (const x of xs) h.set(x, (h.get(x) ?? 0) + 1);
  return h;
}

/** @example chiSquareHomogeneity(ours, theirs).pValue > 1e-4 */
export function chiSquareHomogeneity(a: readonly number[], b: readonly number[], minPooled = 20): HomogeneityResult {
  if (a.length === 0 || b.length === 0) throw new Error('Internal error: homogeneity needs two non-empty samples');
  const [ha, hb] = [histogram(a), histogram(b)];
  const values = [...new Set([...ha.keys(), ...hb.keys()])].sort((x, y) => x - y);
  const cells: [number, number][] = [];
  let [ca, cb] = [0, 0];
  for (const v of values) {
    ca += ha.get(v) ?? 0;
    cb += hb.get(v) ?? 0;
    if (ca + cb >= minPooled) {
      cells.push([ca, cb]);
      [ca, cb] = [0, 0];
    }
  }
  const last = cells[cells.length - 1];
  if (last === undefined || cells.length < 2) throw new Error('Internal error: too few samples for a homogeneity test');
  last[0] += ca;
  last[1] += cb;
  const [na, nb] = [a.length, b.length];
  const n = na + nb;
  let statistic = 0;
  for (const [oa, ob] of cells) {
    const pooled = oa + ob;
    const [ea, eb] = [(na * pooled) / n, (nb * pooled) / n];
    statistic += (oa - ea) ** 2 / ea + (ob - eb) ** 2 / eb;
  }
  const dof = cells.length - 1;
  return { statistic, dof, pValue: chiSquarePValue(statistic, dof), cells: cells.length };
}
