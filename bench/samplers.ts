/**
 * Throughput of the exact noise samplers (src/privacy) with the production random
 * source (node:crypto), at scales a clean room meets: counts (sensitivity 1) and sums
 * in fixed-point units, at a few epsilons.
 *
 *   npx tsx bench/samplers.ts                 # about 15 s
 *   npx tsx bench/samplers.ts --ms 300 --repeat 1
 *
 * Each row runs for --ms milliseconds (default 1000), --repeat times (default 3) after a
 * short warm-up, and shows the median samples per second, the random bytes drawn per
 * sample, and the noise's 95% half-width (laplaceErrorBound, gaussianErrorBound).
 */
import { cryptoRandomSource } from '../src/privacy/crypto-random-source.ts';
import { discreteGaussianSampler } from '../src/privacy/discrete-gaussian.ts';
import { sampleDiscreteLaplace } from '../src/privacy/discrete-laplace.ts';
import { gaussianErrorBound } from '../src/privacy/gaussian-error-bound.ts';
import { gaussianSigma2 } from '../src/privacy/gaussian-parameters.ts';
import { laplaceErrorBound } from '../src/privacy/laplace-error-bound.ts';
import { laplaceScale } from '../src/privacy/laplace-parameters.ts';
import { format, rational, toNumber } from '../src/privacy/rational.ts';
import type { RandomSource } from '../src/privacy/random-source.ts';
import { formatTable, median } from './stats.ts';

function option(name: string, fallback: number): number {
  const argv = process.argv.slice(2);
  const i = argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const value = Number(argv[i + 1]);
  if (!Number.isSafeInteger(value) || value < 1) {
    console.error(`usage: npx tsx bench/samplers.ts [--ms N] [--repeat N]   (--${name} needs a positive integer)`);
    process.exit(2);
  }
  return value;
}
const runMs = option('ms', 1000);
const repeat = option('repeat', 3);

/** The crypto source, counting the bytes it hands out. */
function countingSource(): { source: RandomSource; bytes: () => number } {
  const inner = cryptoRandomSource();
  let count = 0;
  return {
    source: {
      bytes(n: number): Uint8Array {
        count += n;
        return inner.bytes(n);
      },
    },
    bytes: () => count,
  };
}

interface Row {
  readonly mechanism: string;
  readonly setting: string;
  readonly scale: string;
  readonly halfWidth: string;
  readonly draw: (source: RandomSource) => bigint;
}

const eps = (num: bigint, den = 1n) => rational(num, den);
const millionth = rational(1n, 10n ** 6n);

function laplaceRow(setting: string, sensitivity: bigint, epsilon: ReturnType<typeof rational>): Row {
  const t = laplaceScale(sensitivity, epsilon);
  return {
    mechanism: 'discrete Laplace',
    setting,
    scale: `t = ${format(t)}`,
    halfWidth: `±${laplaceErrorBound(t).halfWidth}`,
    draw: (source) => sampleDiscreteLaplace(source, t),
  };
}

function gaussianRow(setting: string, sensitivity: bigint, epsilon: ReturnType<typeof rational>): Row {
  const sigma2 = gaussianSigma2(sensitivity, epsilon, millionth);
  const bound = gaussianErrorBound(sigma2);
  return {
    mechanism: 'discrete Gaussian',
    setting: `${setting}, δ 1e-6`,
    scale: `σ = ${Math.sqrt(toNumber(sigma2)).toPrecision(6)}`,
    halfWidth: `±${bound.halfWidth}${bound.exact ? '' : ' (bound)'}`,
    draw: discreteGaussianSampler(sigma2),
  };
}

const rows: Row[] = [
  laplaceRow('count, ε 1', 1n, eps(1n)),
  laplaceRow('count, ε 0.1', 1n, eps(1n, 10n)),
  laplaceRow('sum ≤ 100.00 in cents, ε 0.3', 10_000n, eps(3n, 10n)),
  laplaceRow('sum ≤ 10^6.00 in cents, ε 1', 100_000_000n, eps(1n)),
  gaussianRow('count, ε 1', 1n, eps(1n)),
  gaussianRow('count, ε 0.1', 1n, eps(1n, 10n)),
  gaussianRow('sum ≤ 100.00 in cents, ε 0.3', 10_000n, eps(3n, 10n)),
  gaussianRow('sum ≤ 10^6.00 in cents, ε 1', 100_000_000n, eps(1n)),
];

function measure(row: Row): { perSecond: number; bytesPerSample: number } {
  const { source, bytes } = countingSource();
  for (let i = 0; i < 2000; i += 1) row.draw(source); // warm-up
  const rates: number[] = [];
  const start = bytes();
  let samples = 0;
  for (let r = 0; r < repeat; r += 1) {
    let n = 0;
    const t0 = performance.now();
    let elapsed = 0;
    while (elapsed < runMs) {
      for (let i = 0; i < 1000; i += 1) row.draw(source);
      n += 1000;
      elapsed = performance.now() - t0;
    }
    rates.push((n / elapsed) * 1000);
    samples += n;
  }
  return { perSecond: median(rates), bytesPerSample: (bytes() - start) / samples };
}

const table = rows.map((row) => {
  const { perSecond, bytesPerSample } = measure(row);
  return [
    row.mechanism,
    row.setting,
    row.scale,
    row.halfWidth,
    Math.round(perSecond).toLocaleString('en-US'),
    bytesPerSample.toFixed(1),
  ];
});
console.log(`exact samplers, node:crypto source, median of ${repeat} x ${runMs} ms, one thread\n`);
console.log(formatTable(['mechanism', 'setting', 'scale (units)', '95%', 'samples/s', 'bytes/sample'], table));
