/**
 * What every x/y chart shares: the drawing area, the value axis with round ticks and
 * grid lines, category labels, and the legend. Every colour and font is an SVG
 * attribute (not a CSS class), so a chart serialised on its own for the PNG export
 * looks the same as on the page.
 */
import type { ComponentChildren } from 'preact';
import { colour, compact, linear, niceTicks } from './scale.ts';

export const WIDTH = 640;
export const HEIGHT = 300;
export const FONT = 'system-ui, -apple-system, Segoe UI, Roboto, Arial, sans-serif';
export const INK = '#1b2430';
export const MUTED = '#5b6675';
export const GRID = '#e3e7ec';

export interface Frame {
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly bottom: number;
  /** Value to y pixel. */
  readonly y: (v: number) => number;
  readonly ticks: readonly number[];
  /** Category labels are turned when they would not fit side by side. */
  readonly turned: boolean;
}

/** The frame for categories and a value range (always including 0, so bars start there). */
export function frame(categories: readonly string[], min: number, max: number, legend: boolean): Frame {
  const ticks = niceTicks(Math.min(0, min), Math.max(0, max));
  const longest = Math.max(1, ...categories.map((c) => c.length));
  const slot = (WIDTH - 70) / Math.max(1, categories.length);
  const turned = longest * 6.5 > slot;
  const bottom = HEIGHT - (turned ? Math.min(90, 14 + longest * 4.6) : 28);
  const top = legend ? 34 : 14;
  const left = 12 + Math.max(...ticks.map((t) => compact(t).length)) * 7;
  const y = linear(ticks[0] ?? 0, ticks[ticks.length - 1] ?? 1, bottom, top);
  return { left, right: WIDTH - 10, top, bottom, y, ticks, turned };
}

export function ValueAxis({ f }: { readonly f: Frame }) {
  return (
    <g aria-hidden="true">
      {f.ticks.map((t) => (
        <g key={t}>
          <line x1={f.left} x2={f.right} y1={f.y(t)} y2={f.y(t)} stroke={t === 0 ? MUTED : GRID} stroke-width={1} />
          <text x={f.left - 6} y={f.y(t) + 4} text-anchor="end" font-family={FONT} font-size={11} fill={MUTED}>
            {compact(t)}
          </text>
        </g>
      ))}
    </g>
  );
}

/** Category labels centred under their slots (turned 40° when long). */
export function CategoryAxis({ f, categories, at }: { readonly f: Frame; readonly categories: readonly string[]; readonly at: (i: number) => number }) {
  const shown = (c: string): string => (c.length > 18 ? `${c.slice(0, 17)}…` : c);
  return (
    <g aria-hidden="true">
      {categories.map((c, i) =>
        f.turned ? (
          <text key={i} transform={`translate(${at(i)},${f.bottom + 10}) rotate(40)`} font-family={FONT} font-size={11} fill={INK}>
            {shown(c)}
          </text>
        ) : (
          <text key={i} x={at(i)} y={f.bottom + 17} text-anchor="middle" font-family={FONT} font-size={11} fill={INK}>
            {shown(c)}
          </text>
        ),
      )}
    </g>
  );
}

export function Legend({ names }: { readonly names: readonly string[] }) {
  let x = 12;
  return (
    <g>
      {names.map((n, i) => {
        const at = x;
        x += 22 + Math.min(n.length, 24) * 6.5;
        return (
          <g key={n}>
            <rect x={at} y={8} width={12} height={12} rx={2} fill={colour(i)} />
            <text x={at + 16} y={18} font-family={FONT} font-size={12} fill={INK}>
              {n.length > 24 ? `${n.slice(0, 23)}…` : n}
            </text>
          </g>
        );
      })}
    </g>
  );
}

/** The SVG element of a chart: scalable, described for screen readers, marked for the PNG export. */
export function ChartSvg({ label, children }: { readonly label: string; readonly children: ComponentChildren }) {
  return (
    <svg class="chart" viewBox={`0 0 ${WIDTH} ${HEIGHT}`} width="100%" role="img" aria-label={label} xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="xMidYMid meet">
      <rect x={0} y={0} width={WIDTH} height={HEIGHT} fill="#ffffff" />
      {children}
    </svg>
  );
}
