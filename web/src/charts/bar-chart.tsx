import { compact } from './scale.ts';
import { colour } from './scale.ts';
import type { ChartModel } from './series.ts';
import { CategoryAxis, ChartSvg, FONT, frame, INK, Legend, ValueAxis } from './frame.tsx';

export type BarMode = 'grouped' | 'stacked' | 'histogram';

/**
 * Bars by category: side by side per series (grouped), on top of each other
 * (stacked), or touching (a histogram's buckets). Each bar carries its exact value in
 * `data-value` and a tooltip; an interval (low/high) is drawn as a whisker.
 */
export function BarChart({ model, mode, label }: { readonly model: ChartModel; readonly mode: BarMode; readonly label: string }) {
  const { categories, series } = model;
  const stacked = mode === 'stacked';
  const totals = categories.map((_, i) => {
    let pos = 0;
    let neg = 0;
    for (const s of series) {
      const v = s.values[i] ?? 0;
      if (v >= 0) pos += v;
      else neg += v;
    }
    return { pos, neg };
  });
  const all = series.flatMap((s) => [...s.values, ...(s.low ?? []), ...(s.high ?? [])]).filter((v): v is number => v !== null);
  const max = stacked ? Math.max(0, ...totals.map((t) => t.pos)) : Math.max(0, ...all);
  const min = stacked ? Math.min(0, ...totals.map((t) => t.neg)) : Math.min(0, ...all);
  const legend = series.length > 1;
  const f = frame(categories, min, max, legend);
  const slot = (f.right - f.left) / Math.max(1, categories.length);
  const gap = mode === 'histogram' ? 1 : Math.min(14, slot * 0.2);
  const groupWidth = slot - gap;
  const barWidth = stacked || mode === 'histogram' ? groupWidth : groupWidth / Math.max(1, series.length);
  const centre = (i: number): number => f.left + slot * i + slot / 2;
  const labels = categories.length * (stacked ? 1 : series.length) <= 24 && barWidth >= 14;
  const bars = [];
  for (let i = 0; i < categories.length; i++) {
    let up = 0;
    let down = 0;
    for (let k = 0; k < series.length; k++) {
      const s = series[k]!;
      const v = s.values[i];
      if (v === null || v === undefined) continue;
      let from = 0;
      if (stacked) {
        from = v >= 0 ? up : down;
        if (v >= 0) up += v;
        else down += v;
      }
      const x = stacked || mode === 'histogram' ? f.left + slot * i + gap / 2 : f.left + slot * i + gap / 2 + barWidth * k;
      const y0 = f.y(from);
      const y1 = f.y(from + v);
      const text = `${categories[i]} · ${s.name}: ${v}`;
      bars.push(
        <rect key={`${i}-${k}`} x={x} y={Math.min(y0, y1)} width={Math.max(1, barWidth - (stacked || mode === 'histogram' ? 0 : 1))} height={Math.max(0.5, Math.abs(y1 - y0))} fill={colour(k)} data-category={categories[i]} data-series={s.name} data-value={String(v)}>
          <title>{text}</title>
        </rect>,
      );
      const lo = s.low?.[i];
      const hi = s.high?.[i];
      if (lo !== null && lo !== undefined && hi !== null && hi !== undefined) {
        const cx = x + barWidth / 2;
        bars.push(
          <g key={`ci-${i}-${k}`} stroke={INK} stroke-width={1.5} data-low={String(lo)} data-high={String(hi)}>
            <line x1={cx} x2={cx} y1={f.y(lo)} y2={f.y(hi)} />
            <line x1={cx - 5} x2={cx + 5} y1={f.y(lo)} y2={f.y(lo)} />
            <line x1={cx - 5} x2={cx + 5} y1={f.y(hi)} y2={f.y(hi)} />
          </g>,
        );
      }
      if (labels && !stacked) {
        bars.push(
          <text key={`l-${i}-${k}`} x={x + barWidth / 2} y={v >= 0 ? y1 - 4 : y1 + 12} text-anchor="middle" font-family={FONT} font-size={10} fill={INK}>
            {compact(v)}
          </text>,
        );
      }
    }
  }
  return (
    <ChartSvg label={label}>
      {legend && <Legend names={series.map((s) => s.name)} />}
      <ValueAxis f={f} />
      {bars}
      <CategoryAxis f={f} categories={categories} at={centre} />
    </ChartSvg>
  );
}
