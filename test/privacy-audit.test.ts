/**
 * Empirical privacy audit of the release step (src/privacy/noisy-release.ts), at the
 * mechanism level: the exact per-group totals of two neighbouring datasets are fixed
 * once and `releaseGroups` (the function the DP query path calls) draws their noise
 * many times, so the audit fits in CI and no answer cache gets in the way.
 *
 * Method (Ding, Wang, Wang, Zhang, Kifer 2018, "Detecting Violations of Differential
 * Privacy"; Jagielski, Ullman, Oprea 2020, "Auditing Differentially Private Machine
 * Learning"): any output event S gives ln(P[M(D) ∈ S] / P[M(D') ∈ S]) <= epsilon for an
 * epsilon-DP mechanism. Phase 1 picks the event with the largest apparent ratio among
 * threshold events on a few statistics of the release; phase 2 measures that one event
 * on fresh draws, and Clopper–Pearson bounds on both probabilities (each at 1 - ALPHA/2)
 * give a lower confidence bound on the privacy loss. The tolerance is that bound: a
 * correct mechanism fails the test with probability at most ALPHA = 0.001 over the seeds
 * (the seeds are fixed, so a run is reproducible), and a mechanism whose loss is clearly
 * above its promise has a lower bound above it, which the test asserts.
 *
 * Worst case: the added user contributes the maximum (its per-group bound, in every
 * column) to every one of the C groups it may reach.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { releaseGroups, type ExactGroup, type ReleaseReport, type ReleaseSpec } from '../src/privacy/noisy-release.ts';
import type { RandomSource } from '../src/privacy/random-source.ts';
import { multiply, rational, toNumber } from '../src/privacy/rational.ts';
import { seededRandomSource } from '../src/privacy/seeded-random-source.ts';
import { clopperPearsonLower, clopperPearsonUpper } from './support/opendp/binomial-bounds.ts';

/** Confidence of every audit bound: a correct mechanism fails with probability <= ALPHA. */
const ALPHA = 1e-3;

// ---- The audit ---------------------------------------------------------------------

type Release = (exact: readonly ExactGroup[], source: RandomSource) => ReleaseReport;

/** An output of the release to audit: what it promises and the auditor's statistics of it. */
interface View {
  readonly name: string;
  /** The epsilon the mechanism promises for this output. */
  readonly claimed: number;
  /** Scalar statistics of one release; the events are {s >= c} and {s <= c}. */
  readonly statistics: (r: ReleaseReport) => readonly number[];
}

interface Scenario {
  readonly release: Release;
  /** D and D' (D plus one user), as exact per-group totals. */
  readonly d: readonly ExactGroup[];
  readonly d2: readonly ExactGroup[];
  readonly views: readonly View[];
  readonly selectDraws: number;
  readonly measureDraws: number;
  readonly seed: string;
}

interface AuditEvent {
  readonly statistic: number;
  readonly side: 'atLeast' | 'atMost';
  readonly cut: number;
  /** The world whose probability is the numerator of the ratio. */
  readonly numerator: 'D' | "D'";
}

export interface AuditResult {
  readonly view: string;
  readonly claimed: number;
  readonly event: string;
  readonly estimate: number;
  readonly lowerBound: number;
  readonly counts: readonly [number, number];
  readonly draws: number;
}

/** Per view, per statistic, the values over n draws of one world. */
function draw(s: Scenario, exact: readonly ExactGroup[], n: number, seed: string): Float64Array[][] {
  const source = seededRandomSource(seed);
  const out = s.views.map((v) => v.statistics(s.release(exact, seededRandomSource('shape'))).map(() => new Float64Array(n)));
  for (let i = 0; i < n; i += 1) {
    const r = s.release(exact, source);
    s.views.forEach((v, j) => v.statistics(r).forEach((x, k) => ((out[j] as Float64Array[])[k] as Float64Array)[i] = x));
  }
  return out;
}

function countEvent(values: Float64Array, side: AuditEvent['side'], cut: number): number {
  let k = 0;
  for (const x of values) if (side === 'atLeast' ? x >= cut : x <= cut) k += 1;
  return k;
}

/** Number of sorted values below x (strictly), or at most x when `inclusive`. */
function below(sorted: Float64Array, x: number, inclusive = false): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const v = sorted[mid] as number;
    if (v < x || (inclusive && v === x)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Phase 1: the event with the largest cautious log ratio. The score shrinks both counts
 * by two standard deviations so that rare events with lucky counts do not win; it needs
 * no validity, since phase 2 measures the chosen event on independent draws.
 */
function selectEvent(a: readonly Float64Array[], b: readonly Float64Array[], minCount: number): AuditEvent {
  let best: { score: number; event: AuditEvent } | undefined;
  a.forEach((valuesA, statistic) => {
    const valuesB = b[statistic] as Float64Array;
    const sortedA = Float64Array.from(valuesA).sort();
    const sortedB = Float64Array.from(valuesB).sort();
    const cuts = new Set<number>([...sortedA, ...sortedB]);
    const n = sortedA.length;
    for (const cut of cuts) {
      for (const side of ['atLeast', 'atMost'] as const) {
        const kA = side === 'atLeast' ? n - below(sortedA, cut) : below(sortedA, cut, true);
        const kB = side === 'atLeast' ? n - below(sortedB, cut) : below(sortedB, cut, true);
        for (const [num, den, numerator] of [[kA, kB, 'D'], [kB, kA, "D'"]] as const) {
          if (num < minCount) continue;
          const score = Math.log((num - 2 * Math.sqrt(num)) / (den + 2 * Math.sqrt(den) + 2));
          if (best === undefined || score > best.score) best = { score, event: { statistic, side, cut, numerator } };
        }
      }
    }
  });
  if (best === undefined) throw new Error('Internal error: no event has enough mass to audit');
  return best.event;
}

function runAudit(s: Scenario): AuditResult[] {
  const selectA = draw(s, s.d, s.selectDraws, `${s.seed}:select:D`);
  const selectB = draw(s, s.d2, s.selectDraws, `${s.seed}:select:D'`);
  const measureA = draw(s, s.d, s.measureDraws, `${s.seed}:measure:D`);
  const measureB = draw(s, s.d2, s.measureDraws, `${s.seed}:measure:D'`);
  return s.views.map((view, j) => {
    const event = selectEvent(selectA[j] as Float64Array[], selectB[j] as Float64Array[], Math.max(30, s.selectDraws / 2000));
    const kA = countEvent((measureA[j] as Float64Array[])[event.statistic] as Float64Array, event.side, event.cut);
    const kB = countEvent((measureB[j] as Float64Array[])[event.statistic] as Float64Array, event.side, event.cut);
    const [num, den] = event.numerator === 'D' ? [kA, kB] : [kB, kA];
    const n = s.measureDraws;
    const lowerBound = Math.log(clopperPearsonLower(num, n, ALPHA / 2) / clopperPearsonUpper(den, n, ALPHA / 2));
    return {
      view: view.name,
      claimed: view.claimed,
      event: `statistic ${event.statistic} ${event.side === 'atLeast' ? '>=' : '<='} ${event.cut}, ${event.numerator} over the other`,
      estimate: Math.log(num / Math.max(den, 0.5)),
      lowerBound,
      counts: [num, den],
      draws: n,
    };
  });
}

// ---- The release under audit -------------------------------------------------------

const C = 3n;
const EPSILON_UNIT = rational(1n, 2n);
const EPS = toNumber(EPSILON_UNIT);
/** COUNT(*) with at most L = 2 rows per user and group, and a SUM whose per-user, per-group total is at most 10 units (L x clamp 5). */
const SPEC: ReleaseSpec = { maxGroupsPerUser: C, epsilonUnit: EPSILON_UNIT, columns: [{ perGroupBound: 2n }, { perGroupBound: 10n }] };
const BOUNDS = SPEC.columns.map((c) => Number(c.perGroupBound));
const D: ExactGroup[] = Array.from({ length: Number(C) }, () => ({ users: 100n, values: [200n, 700n] }));
const D2: ExactGroup[] = D.map((g) => ({ users: g.users + 1n, values: g.values.map((v, i) => v + (SPEC.columns[i]?.perGroupBound ?? 0n)) }));

/** Offsets of the released values from D's totals, in units of the column's bound. */
function offsets(r: ReleaseReport, columns: readonly number[]): number[] {
  const z: number[] = [];
  for (const g of r.groups) {
    for (const c of columns) z.push((Number(g.values[c]) - Number(D[g.index]?.values[c])) / (BOUNDS[c] as number));
  }
  return z;
}

/** min, max and sum of the offsets: "every group above", "every group below", "the total". */
function summary(columns: readonly number[]): (r: ReleaseReport) => number[] {
  return (r) => {
    const z = offsets(r, columns);
    return [Math.min(...z), Math.max(...z), z.reduce((a, b) => a + b, 0)];
  };
}

function valueViews(claimedPerColumn: number): View[] {
  return [
    { name: 'COUNT column (bound 2 per group)', claimed: claimedPerColumn, statistics: summary([0]) },
    { name: 'SUM column (bound 10 per group)', claimed: claimedPerColumn, statistics: summary([1]) },
    { name: 'whole release (both columns)', claimed: 2 * claimedPerColumn, statistics: summary([0, 1]) },
  ];
}

const results: AuditResult[] = [];
afterAll(() => {
  for (const r of results) {
    console.log(`[privacy audit] ${r.view}: claimed ${r.claimed}, estimate ${r.estimate.toFixed(3)}, lower bound ${r.lowerBound.toFixed(3)} (${r.counts[0]} vs ${r.counts[1]} of ${r.draws}; ${r.event})`);
  }
});

describe('Clopper–Pearson bounds', () => {
  it('match the closed forms at k = 0 and k = n and a worked binomial tail', () => {
    // k = 0: P(Bin(n, p) = 0) = (1 - p)^n = alpha; k = n: p^n = alpha.
    expect(clopperPearsonUpper(0, 1000, 0.01)).toBeCloseTo(1 - 0.01 ** (1 / 1000), 10);
    expect(clopperPearsonLower(1000, 1000, 0.01)).toBeCloseTo(0.01 ** (1 / 1000), 10);
    // k = 1 of n = 2: P(Bin(2, p) >= 1) = 1 - (1 - p)^2 = alpha -> p = 1 - sqrt(1 - alpha).
    expect(clopperPearsonLower(1, 2, 0.05)).toBeCloseTo(1 - Math.sqrt(0.95), 10);
    // Large n: near the normal approximation p ± z sqrt(p(1-p)/n), z(0.999) = 3.0902.
    const [lo, hi] = [clopperPearsonLower(20_000, 200_000, 0.001), clopperPearsonUpper(20_000, 200_000, 0.001)];
    const half = 3.0902 * Math.sqrt((0.1 * 0.9) / 200_000);
    expect(lo).toBeCloseTo(0.1 - half, 3);
    expect(hi).toBeCloseTo(0.1 + half, 3);
  });
});

describe('privacy audit of releaseGroups (noise on the values)', () => {
  it(`keeps each column within epsilonUnit = ${EPS} and the whole release within their sum`, () => {
    const audited = runAudit({
      release: (exact, source) => releaseGroups(exact, SPEC, source),
      d: D,
      d2: D2,
      views: valueViews(EPS),
      selectDraws: 20_000,
      measureDraws: 100_000,
      seed: 'audit-correct',
    });
    results.push(...audited.map((r) => ({ ...r, view: `correct: ${r.view}` })));
    for (const r of audited) {
      expect(r.lowerBound, r.view).toBeLessThanOrEqual(r.claimed);
      // The audit is tight: its events reach most of the promised loss, so it has the power to see more.
      expect(r.estimate, r.view).toBeGreaterThan(0.8 * r.claimed);
    }
  });

  it('catches noise one third of the scale it should be (epsilon used three times over)', () => {
    const audited = runAudit({
      release: (exact, source) => releaseGroups(exact, { ...SPEC, epsilonUnit: multiply(EPSILON_UNIT, rational(3n)) }, source),
      d: D,
      d2: D2,
      views: valueViews(EPS).slice(0, 2),
      selectDraws: 10_000,
      measureDraws: 30_000,
      seed: 'audit-scale-third',
    });
    results.push(...audited.map((r) => ({ ...r, view: `scale / 3: ${r.view}` })));
    for (const r of audited) expect(r.lowerBound, r.view).toBeGreaterThan(r.claimed + 0.5);
  });

  it('catches a sensitivity that forgets the C groups one user reaches', () => {
    const audited = runAudit({
      release: (exact, source) => releaseGroups(exact, { ...SPEC, maxGroupsPerUser: 1n }, source),
      d: D,
      d2: D2,
      views: valueViews(EPS).slice(0, 2),
      selectDraws: 10_000,
      measureDraws: 30_000,
      seed: 'audit-forgot-c',
    });
    results.push(...audited.map((r) => ({ ...r, view: `C forgotten: ${r.view}` })));
    for (const r of audited) expect(r.lowerBound, r.view).toBeGreaterThan(r.claimed + 0.5);
  });
});

// ---- Partition selection -----------------------------------------------------------

/** The spec of partition selection alone: the users count decides; value noise cannot change which groups pass. */
function partitionSpec(maxGroupsPerUser: bigint, delta: number): ReleaseSpec {
  return { maxGroupsPerUser, epsilonUnit: EPSILON_UNIT, partitionDelta: delta, columns: [] };
}

function thresholdOf(spec: ReleaseSpec): bigint {
  const p = releaseGroups([], spec, seededRandomSource('threshold')).partition;
  if (p === undefined) throw new Error('Internal error: no partition selection in the spec');
  return p.threshold;
}

/**
 * Groups of `users` users near the threshold, in D, and one more user in each in D':
 * the release pattern then carries the users count's privacy loss.
 */
function partitionScenario(mechanism: ReleaseSpec, claimedSpec: ReleaseSpec, seed: string, selectDraws: number, measureDraws: number): Scenario {
  // tau - 2: both worlds' release probabilities are on the exponential tail (P(X >= 2) vs P(X >= 1)).
  const users = thresholdOf(mechanism) - 2n;
  const d = Array.from({ length: Number(claimedSpec.maxGroupsPerUser) }, () => ({ users, values: [] }));
  return {
    release: (exact, source) => releaseGroups(exact, mechanism, source),
    d,
    d2: d.map((g) => ({ users: g.users + 1n, values: [] })),
    views: [{ name: 'groups released', claimed: EPS, statistics: (r) => [r.groups.length] }],
    selectDraws,
    measureDraws,
    seed,
  };
}

/**
 * Users alone: each reaches C groups of which it is the only member (groups that do not
 * exist without it). Counts, over `trials` such users, how many had any group released
 * and how many groups were released in all. Many users share one call (independent noise per group).
 */
function aloneReleases(mechanism: ReleaseSpec, c: number, trials: number, seed: string): { any: number; groups: number } {
  const batch = 1000;
  const source = seededRandomSource(seed);
  const exact = Array.from({ length: batch * c }, () => ({ users: 1n, values: [] }));
  let any = 0;
  let groups = 0;
  for (let done = 0; done < trials; done += batch) {
    const released = new Set(releaseGroups(exact, mechanism, source).groups.map((g) => g.index));
    groups += released.size;
    for (let u = 0; u < batch; u += 1) {
      let hit = false;
      for (let j = 0; j < c; j += 1) hit ||= released.has(u * c + j);
      if (hit) any += 1;
    }
  }
  return { any, groups };
}

describe('privacy audit of partition selection (Laplace thresholding)', () => {
  const delta = 0.01;
  const spec = partitionSpec(C, delta);

  it('one user alone gets any of its C groups released with probability at most delta (upper confidence bound)', () => {
    const trials = 250_000;
    const { any, groups } = aloneReleases(spec, Number(C), trials, 'alone-correct');
    const t = Number(C) / EPS;
    const tau = Number(thresholdOf(spec));
    // Independent computation: P(group released) = P(1 + X >= tau) = e^(-(tau-1)/t) / (1 + e^(-1/t)).
    const exactGroup = Math.exp(-(tau - 1) / t) / (1 + Math.exp(-1 / t));
    const upperAny = clopperPearsonUpper(any, trials, ALPHA);
    const upperGroup = clopperPearsonUpper(groups, trials * Number(C), ALPHA);
    console.log(`[privacy audit] partition selection, delta ${delta}, C ${C}, t ${t}, threshold ${tau}: P(any of C released) ${(any / trials).toFixed(5)} (upper bound ${upperAny.toFixed(5)}), P(group released) ${(groups / trials / Number(C)).toFixed(5)} (upper ${upperGroup.toFixed(5)}, exact ${exactGroup.toFixed(5)}, delta/C ${(delta / Number(C)).toFixed(5)})`);
    expect(upperAny).toBeLessThanOrEqual(delta);
    expect(upperGroup).toBeLessThanOrEqual(delta / Number(C));
    expect(exactGroup).toBeLessThanOrEqual(delta / Number(C));
  });

  it('catches a threshold that forgets the C groups one user reaches', () => {
    const trials = 50_000;
    const { any } = aloneReleases(partitionSpec(1n, delta), Number(C), trials, 'alone-forgot-c');
    const lower = clopperPearsonLower(any, trials, ALPHA);
    console.log(`[privacy audit] partition selection with C forgotten: P(any of C released) ${(any / trials).toFixed(5)} (lower bound ${lower.toFixed(5)}) vs delta ${delta}`);
    expect(lower).toBeGreaterThan(1.5 * delta);
  });

  it(`keeps the release pattern of groups near the threshold within epsilonUnit = ${EPS}`, () => {
    const [r] = runAudit(partitionScenario(partitionSpec(C, 1e-6), partitionSpec(C, 1e-6), 'partition-correct', 30_000, 150_000));
    if (r === undefined) throw new Error('Internal error: no audit result');
    results.push({ ...r, view: `correct: partition, ${r.view}` });
    expect(r.lowerBound).toBeLessThanOrEqual(r.claimed);
    expect(r.estimate).toBeGreaterThan(0.8 * r.claimed);
  });

  it('catches a users-count noise scale that forgets C', () => {
    const [r] = runAudit(partitionScenario(partitionSpec(1n, 1e-6), partitionSpec(C, 1e-6), 'partition-forgot-c', 20_000, 60_000));
    if (r === undefined) throw new Error('Internal error: no audit result');
    results.push({ ...r, view: `C forgotten: partition, ${r.view}` });
    expect(r.lowerBound).toBeGreaterThan(r.claimed + 0.5);
  });
});
