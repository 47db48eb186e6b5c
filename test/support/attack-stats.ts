/**
 * The statistics behind the attack suites' assertions on noisy answers, worked out here
 * (independently of src/privacy) so that each test can state its failure probability.
 *
 * Reconstruction bound. Let m users' presence bits B be independent and uniform (the
 * tests draw them with node:crypto), and let the mechanism be ε_j-DP with respect to
 * user j's bit (ε_j = the sum of the ε of every released query that user j could be
 * part of: basic composition). For any output Y and any bit vector b, chaining single
 * bit changes gives P(Y | b') >= P(Y | b) * prod_{j: b'_j != b_j} e^(-ε_j), so
 *   P(b | Y) = P(Y | b) / sum_b' P(Y | b') <= prod_j 1 / (1 + e^(-ε_j)).
 * Hence ANY decoder recovers every bit with probability at most
 *   prod_j e^(ε_j) / (1 + e^(ε_j)),
 * and a Hamming ball of radius r around its guess holds B with probability at most
 * |ball(r)| times that (plus the deltas, for (ε, δ)-DP releases). A test that asserts
 * "not every bit recovered" therefore fails, when the guarantee holds, with at most that
 * probability, while the same attack against exact answers recovers every bit.
 */
import { randomInt } from 'node:crypto';

/** e^x / (1 + e^x): the best success probability of guessing one uniform bit from an x-DP release. */
export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** Upper bound on P(an attacker recovers all bits), for per-user epsilons and summed deltas. */
export function exactReconstructionBound(epsilons: readonly number[], deltaTotal = 0): number {
  return epsilons.reduce((p, e) => p * sigmoid(e), 1) + deltaTotal;
}

/** m independent uniform bits from node:crypto (never Math.random). */
export function randomBits(m: number): boolean[] {
  return Array.from({ length: m }, () => randomInt(2) === 1);
}

/** Number of positions where the guess differs from the truth. */
export function hamming(a: readonly boolean[], b: readonly boolean[]): number {
  return a.reduce((n, x, i) => n + (x === b[i] ? 0 : 1), 0);
}

/**
 * Accumulates the ε (and δ) each candidate user could have lost: call `charge` with the
 * privacy report of every released answer and the candidates it could contain.
 */
export class PrivacyLoss {
  readonly epsilons: number[];
  delta = 0;

  constructor(m: number) {
    this.epsilons = Array.from({ length: m }, () => 0);
  }

  charge(report: { readonly epsilon: number; readonly delta: number } | undefined, candidates: Iterable<number>): void {
    if (report === undefined) throw new Error('a differentially private answer must carry its privacy report');
    for (const j of candidates) this.epsilons[j] = (this.epsilons[j] ?? 0) + report.epsilon;
    this.delta += report.delta;
  }

  bound(): number {
    return exactReconstructionBound(this.epsilons, this.delta);
  }
}

/** 0..n-1 */
export function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
