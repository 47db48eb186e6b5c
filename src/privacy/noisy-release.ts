/**
 * The release step of a user-level DP aggregate: the exact per-group totals (after the
 * planner bounded each user's contribution) get discrete Laplace noise, and a group is
 * released only if its noisy count of users passes a threshold chosen from delta
 * (private partition selection: Korolova et al. 2009; Desfontaines, Voss, Gipson, Mandayam
 * 2022, "Differentially private partition selection", Laplace thresholding).
 *
 * Sensitivities: one user changes at most `maxGroupsPerUser` (C) groups, and in each a
 * column by at most its `perGroupBound`; so a column's L1 sensitivity is C × bound, and
 * scale t = C × bound / epsilonUnit gives each column epsilonUnit-DP (the geometric
 * mechanism, exact in integers). The users count of partition selection has bound 1.
 */
import { laplaceErrorBound } from './laplace-error-bound.ts';
import { laplaceScale } from './laplace-parameters.ts';
import type { RandomSource } from './random-source.ts';
import type { Rational } from './rational.ts';
import { sampleDiscreteLaplace } from './discrete-laplace.ts';

export interface ReleaseColumnSpec {
  /** The most one user adds to this column in one group, in the column's integer units. */
  readonly perGroupBound: bigint;
}

export interface ReleaseSpec {
  /** C: how many groups one user's rows may reach. */
  readonly maxGroupsPerUser: bigint;
  /** The epsilon each noisy column (and partition selection) spends. */
  readonly epsilonUnit: Rational;
  /**
   * Private partition selection with this delta; undefined when the groups are public
   * (no GROUP BY: the one total row always exists).
   */
  readonly partitionDelta?: number;
  /**
   * An owner's minimum of distinct users per released group (aggregation noise mode):
   * applied to the noisy users count, never to the exact one; with partition selection
   * the higher of the two thresholds applies.
   */
  readonly minimumUsers?: bigint;
  readonly columns: readonly ReleaseColumnSpec[];
}

export interface ExactGroup {
  /** Distinct users in the group after contribution bounding. */
  readonly users: bigint;
  /** Exact totals, one per spec column, in its integer units. */
  readonly values: readonly bigint[];
}

export interface ReleasedGroup {
  /** Position of the group in the input. */
  readonly index: number;
  readonly values: readonly bigint[];
}

export interface ReleaseReport {
  readonly groups: readonly ReleasedGroup[];
  /** Scale of each column's noise (and of the users count when selecting partitions). */
  readonly scales: readonly Rational[];
  /** 95% half-width of each column's noise, in its units. */
  readonly errorBounds: readonly bigint[];
  readonly partition?: { readonly scale: Rational; readonly threshold: bigint };
}

/**
 * The smallest threshold τ such that a group created by one user alone (users = 1) is
 * released with probability at most delta / C, so that all C groups a user can create
 * are together released with probability at most delta. For discrete Laplace with
 * scale t, P(X ≥ k) = e^(−k/t) / (1 + e^(−1/t)) for k ≥ 1; released iff 1 + X ≥ τ.
 *
 * @example partitionThreshold(30, 1n, 1e-6) // 1 + ceil(30 × (ln(1e6) − ln(1 + e^(−1/30)))) = 1 + 395 = 396
 */
export function partitionThreshold(scale: number, maxGroupsPerUser: bigint, delta: number): bigint {
  if (!(scale > 0) || !(delta > 0 && delta < 1) || maxGroupsPerUser < 1n) {
    throw new Error('Internal error: partition threshold needs a positive scale, delta in (0, 1) and C >= 1');
  }
  const target = Math.log(Number(maxGroupsPerUser) / delta) - Math.log1p(Math.exp(-1 / scale));
  // The margin absorbs floating-point error: it can only raise the threshold (safer).
  const k = Math.max(1, Math.ceil(scale * target + 1e-9));
  return BigInt(k) + 1n;
}

/** Released values are written as 64-bit integers (counts) or doubles (sums): both stay exact within this. */
export const MAX_RELEASED = 2n ** 53n;

/** The noisy value, or a refusal to release a value that would not be stored exactly (never wrapped). */
function checked(v: bigint): bigint {
  if (v > MAX_RELEASED || v < -MAX_RELEASED) throw new Error('Internal error: a noisy total is beyond 2^53 and cannot be released exactly');
  return v;
}

function toNumber(r: Rational): number {
  return Number(r.num) / Number(r.den);
}

/**
 * Adds noise to every column of every group and keeps the groups whose noisy users
 * count reaches the threshold (all groups when the groups are public). Values stay
 * integers; the caller post-processes (rescaling, clamping counts at zero, ratios),
 * which cannot weaken the guarantee.
 */
export function releaseGroups(exact: readonly ExactGroup[], spec: ReleaseSpec, source: RandomSource): ReleaseReport {
  const c = spec.maxGroupsPerUser;
  const scales = spec.columns.map((col) => laplaceScale(c * col.perGroupBound, spec.epsilonUnit));
  const errorBounds = scales.map((s) => laplaceErrorBound(s, 0.95).halfWidth);
  let partition: ReleaseReport['partition'];
  if (spec.partitionDelta !== undefined || spec.minimumUsers !== undefined) {
    const scale = laplaceScale(c, spec.epsilonUnit);
    const selection = spec.partitionDelta === undefined ? 0n : partitionThreshold(toNumber(scale), c, spec.partitionDelta);
    const minimum = spec.minimumUsers ?? 0n;
    partition = { scale, threshold: selection > minimum ? selection : minimum };
  }
  const groups: ReleasedGroup[] = [];
  exact.forEach((g, index) => {
    if (g.values.length !== scales.length) throw new Error('Internal error: a group has the wrong number of values');
    if (partition !== undefined) {
      // Noise is drawn for every group, released or not, so timing does not depend on the threshold.
      const noisyUsers = g.users + sampleDiscreteLaplace(source, partition.scale);
      const values = g.values.map((v, i) => checked(v + sampleDiscreteLaplace(source, scales[i] as Rational)));
      if (noisyUsers >= partition.threshold) groups.push({ index, values });
      return;
    }
    groups.push({ index, values: g.values.map((v, i) => checked(v + sampleDiscreteLaplace(source, scales[i] as Rational))) });
  });
  return { groups, scales, errorBounds, ...(partition !== undefined ? { partition } : {}) };
}
