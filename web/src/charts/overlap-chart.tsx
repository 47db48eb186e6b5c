import { colour, compact, linear, niceTicks } from './scale.ts';
import { type OverlapRow, vennDistance } from './series.ts';
import { ChartSvg, FONT, HEIGHT, INK, MUTED, WIDTH } from './frame.tsx';

/**
 * Audience overlap for one row: two sets as a Venn diagram whose circle and lens areas
 * are proportional to the sizes; three or more as UpSet-style bars (each set, then
 * everyone in all of them), since circles cannot show more sets truthfully.
 */
export function OverlapChart({ row, label }: { readonly row: OverlapRow; readonly label: string }) {
  return row.sets.length === 2 ? <Venn row={row} label={label} /> : <UpSet row={row} label={label} />;
}

function Venn({ row, label }: { readonly row: OverlapRow; readonly label: string }) {
  const [a, b] = row.sets as readonly [OverlapRow['sets'][number], OverlapRow['sets'][number]];
  const biggest = Math.max(a.size, b.size, 1);
  const R = 105;
  const ra = R * Math.sqrt(Math.max(a.size, 0) / biggest);
  const rb = R * Math.sqrt(Math.max(b.size, 0) / biggest);
  const lens = (Math.max(0, row.both) / biggest) * Math.PI * R * R;
  const d = vennDistance(Math.max(ra, 0.5), Math.max(rb, 0.5), lens);
  const cy = HEIGHT / 2 + 14;
  const ax = WIDTH / 2 - d / 2;
  const bx = WIDTH / 2 + d / 2;
  const lensX = (ax + ra + (bx - rb)) / 2;
  return (
    <ChartSvg label={label}>
      <circle cx={ax} cy={cy} r={ra} fill={colour(0)} fill-opacity={0.45} stroke={colour(0)} stroke-width={2} data-set={a.name} data-value={String(a.size)}>
        <title>{`${a.name}: ${a.size}`}</title>
      </circle>
      <circle cx={bx} cy={cy} r={rb} fill={colour(1)} fill-opacity={0.45} stroke={colour(1)} stroke-width={2} data-set={b.name} data-value={String(b.size)}>
        <title>{`${b.name}: ${b.size}`}</title>
      </circle>
      <text x={ax - ra} y={24} font-family={FONT} font-size={13} font-weight={600} fill={INK}>
        {`${a.name} (${compact(a.size)})`}
      </text>
      <text x={bx + rb} y={24} text-anchor="end" font-family={FONT} font-size={13} font-weight={600} fill={INK}>
        {`${b.name} (${compact(b.size)})`}
      </text>
      <text x={Math.min(ax, lensX - 30)} y={cy + 4} text-anchor="middle" font-family={FONT} font-size={12} fill={INK}>
        {compact(a.size - row.both)}
      </text>
      <text x={lensX} y={cy + 4} text-anchor="middle" font-family={FONT} font-size={14} font-weight={700} fill={INK} data-testid="overlap-both" data-value={String(row.both)}>
        {compact(row.both)}
      </text>
      <text x={Math.max(bx, lensX + 30)} y={cy + 4} text-anchor="middle" font-family={FONT} font-size={12} fill={INK}>
        {compact(b.size - row.both)}
      </text>
      <text x={WIDTH / 2} y={HEIGHT - 8} text-anchor="middle" font-family={FONT} font-size={11} fill={MUTED}>
        {`${row.label}: ${compact(row.both)} in both (${a.size > 0 ? ((100 * row.both) / a.size).toFixed(1) : '—'}% of ${a.name})`}
      </text>
    </ChartSvg>
  );
}

function UpSet({ row, label }: { readonly row: OverlapRow; readonly label: string }) {
  const bars = [...row.sets.map((s) => ({ name: s.name, size: s.size })), { name: `in all ${row.sets.length}`, size: row.both }];
  const ticks = niceTicks(0, Math.max(1, ...bars.map((b) => b.size)));
  const left = 150;
  const x = linear(0, ticks[ticks.length - 1] ?? 1, left, WIDTH - 50);
  const band = (HEIGHT - 40) / bars.length;
  return (
    <ChartSvg label={label}>
      {bars.map((b, i) => (
        <g key={b.name}>
          <text x={left - 8} y={20 + band * i + band / 2 + 4} text-anchor="end" font-family={FONT} font-size={12} fill={INK}>
            {b.name.length > 22 ? `${b.name.slice(0, 21)}…` : b.name}
          </text>
          <rect x={left} y={20 + band * i + 4} width={Math.max(1, x(b.size) - left)} height={band - 8} fill={i === bars.length - 1 ? INK : colour(i)} data-set={b.name} data-value={String(b.size)}>
            <title>{`${b.name}: ${b.size}`}</title>
          </rect>
          <text x={x(b.size) + 4} y={20 + band * i + band / 2 + 4} font-family={FONT} font-size={11} fill={INK}>
            {compact(b.size)}
          </text>
        </g>
      ))}
    </ChartSvg>
  );
}
