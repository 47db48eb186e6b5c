/**
 * The small amount of arithmetic the dashboard charts need: round axis ticks, a linear
 * scale, compact number labels and a colour-blind-safe palette. Hand-written because a
 * chart library would be far larger than the seven charts it would draw.
 */

/** Okabe–Ito colours (distinguishable with the common colour-vision deficiencies). */
export const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#000000'] as const;

export function colour(i: number): string {
  return PALETTE[i % PALETTE.length] ?? '#0072B2';
}

/**
 * About `count` round tick values covering [min, max] (steps of 1, 2 or 5 × 10^k), so
 * axes read 0, 50, 100 rather than 0, 47.3, 94.6.
 *
 * @example niceTicks(0, 93, 5) // [0, 20, 40, 60, 80, 100]
 */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [0, 1];
  if (min === max) {
    if (min === 0) return [0, 1];
    return min > 0 ? niceTicks(0, max, count) : niceTicks(min, 0, count);
  }
  const raw = (max - min) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  const step = (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * power;
  const first = Math.floor(min / step) * step;
  const last = Math.ceil(max / step) * step;
  const ticks: number[] = [];
  for (let v = first; v <= last + step / 2; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

/** Maps [d0, d1] onto [r0, r1]. */
export function linear(d0: number, d1: number, r0: number, r1: number): (v: number) => number {
  const span = d1 - d0 || 1;
  return (v) => r0 + ((v - d0) / span) * (r1 - r0);
}

/**
 * A number for an axis or a bar label: at most 3 significant decimals, thousands as k,
 * millions as M (the exact value is in the visual's table and its CSV).
 *
 * @example compact(1234567) // '1.23M'
 */
export function compact(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e9) return `${trim(v / 1e9)}B`;
  if (a >= 1e6) return `${trim(v / 1e6)}M`;
  if (a >= 1e4) return `${trim(v / 1e3)}k`;
  if (a >= 100 || Number.isInteger(v)) return String(Math.round(v * 100) / 100);
  return trim(v);
}

function trim(v: number): string {
  return String(Number(v.toPrecision(3)));
}

/** A cell as a number for plotting (DECIMAL and HUGEINT arrive as strings); null when it is not one. */
export function numeric(cell: unknown): number | null {
  if (typeof cell === 'number') return Number.isFinite(cell) ? cell : null;
  if (typeof cell === 'string' && cell.trim() !== '') {
    const n = Number(cell);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}
