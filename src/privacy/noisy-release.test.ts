import { describe, expect, it } from 'vitest';
import { partitionThreshold, releaseGroups } from './noisy-release.ts';
import { rational } from './rational.ts';
import { seededRandomSource } from './seeded-random-source.ts';

describe('partitionThreshold', () => {
  it('matches the discrete Laplace tail worked by hand', () => {
    // t = 30, C = 1, δ = 1e-6: need e^(−k/30) / (1 + e^(−1/30)) ≤ 1e-6,
    // k ≥ 30 × (ln 1e6 − ln(1 + e^(−1/30))) = 30 × (13.81551 − 0.67662) = 394.17 → k = 395, τ = 396.
    expect(partitionThreshold(30, 1n, 1e-6)).toBe(396n);
  });

  it('puts the one-user release probability at or below δ / C, and just above it one step lower', () => {
    for (const [t, c, delta] of [[10, 1n, 1e-6], [50, 5n, 1e-7], [2.5, 3n, 1e-5]] as const) {
      const tau = partitionThreshold(t, c, delta);
      const tail = (k: number): number => Math.exp(-k / t) / (1 + Math.exp(-1 / t));
      // A group of one user: released iff 1 + X ≥ τ, i.e. X ≥ τ − 1.
      expect(tail(Number(tau) - 1)).toBeLessThanOrEqual(delta / Number(c));
      expect(tail(Number(tau) - 2)).toBeGreaterThan(delta / Number(c));
    }
  });

  it('refuses impossible parameters', () => {
    expect(() => partitionThreshold(0, 1n, 1e-6)).toThrow(/Internal error/);
    expect(() => partitionThreshold(1, 1n, 0)).toThrow(/Internal error/);
  });
});

describe('releaseGroups', () => {
  const spec = { maxGroupsPerUser: 2n, epsilonUnit: rational(1n, 10n), columns: [{ perGroupBound: 1n }, { perGroupBound: 5n }] };

  it('scales noise by C × bound / ε and reports 95% bounds', () => {
    const r = releaseGroups([{ users: 100n, values: [100n, 300n] }], spec, seededRandomSource('scales'));
    // t = 2 × 1 / 0.1 = 20 and 2 × 5 / 0.1 = 100.
    expect(r.scales).toEqual([rational(20n), rational(100n)]);
    // Discrete Laplace, t = 20: P(|X| > b) = 2 e^(−(b+1)/20) / (1 + e^(−1/20)) ≤ 0.05 → b ≥ 20 ln(40 / 1.9512) − 1 = 59.4 → 60.
    expect(r.errorBounds[0]).toBe(60n);
    expect(r.groups).toHaveLength(1);
    expect(r.partition).toBeUndefined();
  });

  it('noise averages out to the exact value (unbiased) and varies', () => {
    const source = seededRandomSource('mean');
    const draws = Array.from({ length: 4000 }, () => Number(releaseGroups([{ users: 0n, values: [1000n, 0n] }], spec, source).groups[0]?.values[0]));
    const mean = draws.reduce((a, b) => a + b, 0) / draws.length;
    // Standard deviation of discrete Laplace t = 20 is about 28; the mean of 4000 is within 4 × 28/√4000 ≈ 1.8.
    expect(Math.abs(mean - 1000)).toBeLessThan(1.8);
    expect(new Set(draws).size).toBeGreaterThan(50);
  });

  it('releases large groups and suppresses single-user groups under partition selection', () => {
    const source = seededRandomSource('partition');
    const withPartitions = { ...spec, partitionDelta: 1e-6 };
    let singleReleased = 0;
    let largeReleased = 0;
    for (let i = 0; i < 500; i++) {
      const r = releaseGroups([{ users: 1n, values: [1n, 1n] }, { users: 5000n, values: [5000n, 5000n] }], withPartitions, source);
      singleReleased += r.groups.filter((g) => g.index === 0).length;
      largeReleased += r.groups.filter((g) => g.index === 1).length;
    }
    expect(singleReleased).toBe(0);
    expect(largeReleased).toBe(500);
  });

  it('applies an owner minimum to the noisy users count, the higher of it and the selection threshold', () => {
    const source = seededRandomSource('minimum');
    const alone = releaseGroups([{ users: 100n, values: [100n, 100n] }], { ...spec, minimumUsers: 1000n }, source);
    expect(alone.partition?.threshold).toBe(1000n);
    expect(alone.groups).toHaveLength(0);
    const both = releaseGroups([{ users: 5000n, values: [1n, 1n] }], { ...spec, minimumUsers: 10n, partitionDelta: 1e-6 }, source);
    // Selection: t = 20, C = 2, δ = 1e-6: τ = 1 + ceil(20 × (ln(2e6) − ln(1 + e^(−1/20)))) = 1 + ceil(20 × (14.5087 − 0.6688)) = 278.
    expect(both.partition?.threshold).toBe(278n);
    expect(both.groups).toHaveLength(1);
  });

  it('refuses, never wraps, a total beyond what the result can hold exactly', () => {
    expect(() => releaseGroups([{ users: 1n, values: [2n ** 60n, 0n] }], spec, seededRandomSource('overflow'))).toThrow(/beyond 2\^53/);
  });
});
