import { colour } from './scale.ts';
import type { ChartModel } from './series.ts';
import { CategoryAxis, ChartSvg, frame, Legend, ValueAxis } from './frame.tsx';

/**
 * Lines over the categories in row order (the visual's sort), a point per value with
 * its exact value in `data-value`; an interval (low/high) as a shaded band.
 */
export function LineChart({ model, label }: { readonly model: ChartModel; readonly label: string }) {
  const { categories, series } = model;
  const all = series.flatMap((s) => [...s.values, ...(s.low ?? []), ...(s.high ?? [])]).filter((v): v is number => v !== null);
  const legend = series.length > 1;
  const f = frame(categories, Math.min(0, ...all), Math.max(0, ...all), legend);
  const step = (f.right - f.left) / Math.max(1, categories.length);
  const at = (i: number): number => f.left + step * i + step / 2;
  return (
    <ChartSvg label={label}>
      {legend && <Legend names={series.map((s) => s.name)} />}
      <ValueAxis f={f} />
      {series.map((s, k) => {
        const points = s.values.map((v, i) => (v === null ? null : ([at(i), f.y(v)] as const)));
        const path = points
          .map((p, i) => (p === null ? '' : `${i === 0 || points[i - 1] === null ? 'M' : 'L'}${p[0].toFixed(1)},${p[1].toFixed(1)}`))
          .join(' ');
        let band = '';
        if (s.low !== undefined && s.high !== undefined) {
          const idx = s.values.map((_, i) => i).filter((i) => s.low?.[i] != null && s.high?.[i] != null);
          if (idx.length > 1) {
            const upper = idx.map((i) => `${at(i).toFixed(1)},${f.y(s.high?.[i] ?? 0).toFixed(1)}`);
            const lower = [...idx].reverse().map((i) => `${at(i).toFixed(1)},${f.y(s.low?.[i] ?? 0).toFixed(1)}`);
            band = [...upper, ...lower].join(' ');
          }
        }
        return (
          <g key={s.name}>
            {band !== '' && <polygon points={band} fill={colour(k)} fill-opacity={0.18} />}
            <path d={path} fill="none" stroke={colour(k)} stroke-width={2.5} />
            {s.values.map((v, i) =>
              v === null ? null : (
                <circle key={i} cx={at(i)} cy={f.y(v)} r={3.5} fill={colour(k)} data-category={categories[i]} data-series={s.name} data-value={String(v)}>
                  <title>{`${categories[i]} · ${s.name}: ${v}`}</title>
                </circle>
              ),
            )}
          </g>
        );
      })}
      <CategoryAxis f={f} categories={categories} at={at} />
    </ChartSvg>
  );
}
