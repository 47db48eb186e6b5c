/**
 * Turns a visual's rows (columns + rows as the API returns them) into what a chart
 * draws, by the visual's field names. Pure functions: tested without a browser.
 */
import type { CellValue } from '../../../src/client/index.ts';
import type { VisualFields } from '../../../src/results-sql/dashboards/dashboard-spec.ts';
import { numeric } from './scale.ts';

/** The column names a visual's parts show (the dashboard document's `fields`). */
export type Fields = VisualFields;

type Rows = readonly (readonly CellValue[])[];
type Columns = readonly { readonly name: string }[];

export interface ChartSeries {
  readonly name: string;
  /** One value per category; null where the rows have none. */
  readonly values: readonly (number | null)[];
  /** Interval ends per category (a confidence interval), when the visual names them. */
  readonly low?: readonly (number | null)[];
  readonly high?: readonly (number | null)[];
}

export interface ChartModel {
  /** The x values in the order of the rows (the visual's sort). */
  readonly categories: readonly string[];
  readonly series: readonly ChartSeries[];
  /** Rows added to another row of the same x value (and series): 0 when each stands alone. */
  readonly merged: number;
}

function indexOf(columns: Columns, name: string | undefined): number {
  if (name === undefined) return -1;
  return columns.findIndex((c) => c.name === name);
}

export function label(cell: CellValue | undefined): string {
  return cell === null || cell === undefined ? '—' : String(cell);
}

/**
 * Categories along x and one series per y column, or, with a `series` column, one
 * series per value of it (for y[0]). Rows sharing a category (and series) add up.
 *
 * @example
 *   chartModel([{name:'c'},{name:'n'}], [['a', 1], ['b', 2]], { x: 'c', y: ['n'] })
 *   // { categories: ['a', 'b'], series: [{ name: 'n', values: [1, 2] }] }
 */
export function chartModel(columns: Columns, rows: Rows, fields: Fields): ChartModel {
  const xi = indexOf(columns, fields.x);
  const ys = (fields.y ?? []).map((y) => indexOf(columns, y)).filter((i) => i >= 0);
  const si = indexOf(columns, fields.series);
  const categories: string[] = [];
  const position = new Map<string, number>();
  for (const row of rows) {
    const key = label(row[xi]);
    if (!position.has(key)) {
      position.set(key, categories.length);
      categories.push(key);
    }
  }
  const merged = rows.length - new Set(rows.map((row) => `${label(row[xi])}\u0000${si >= 0 ? label(row[si]) : ''}`)).size;
  const add = (values: (number | null)[], at: number, cell: CellValue | undefined): void => {
    const n = numeric(cell);
    if (n === null) return;
    values[at] = (values[at] ?? 0) + n;
  };
  if (si >= 0 && ys.length > 0) {
    const names: string[] = [];
    const bySeries = new Map<string, (number | null)[]>();
    for (const row of rows) {
      const name = label(row[si]);
      let values = bySeries.get(name);
      if (values === undefined) {
        values = categories.map(() => null);
        bySeries.set(name, values);
        names.push(name);
      }
      add(values, position.get(label(row[xi])) ?? 0, row[ys[0]!]);
    }
    return { categories, series: names.map((name) => ({ name, values: bySeries.get(name) ?? [] })), merged };
  }
  const lo = indexOf(columns, fields.low);
  const hi = indexOf(columns, fields.high);
  const perCategory = new Map<number, number>();
  for (const row of rows) {
    const at = position.get(label(row[xi])) ?? 0;
    perCategory.set(at, (perCategory.get(at) ?? 0) + 1);
  }
  const shared = new Set([...perCategory].filter(([, n]) => n > 1).map(([at]) => at));
  const series = ys.map((y, k) => {
    const values: (number | null)[] = categories.map(() => null);
    const low: (number | null)[] = categories.map(() => null);
    const high: (number | null)[] = categories.map(() => null);
    for (const row of rows) {
      const at = position.get(label(row[xi])) ?? 0;
      add(values, at, row[y]);
      // An interval belongs to one measure (the first) and one row: none where rows were added up.
      if (k === 0 && lo >= 0) low[at] = shared.has(at) ? null : numeric(row[lo]);
      if (k === 0 && hi >= 0) high[at] = shared.has(at) ? null : numeric(row[hi]);
    }
    const name = columns[y]?.name ?? '';
    return k === 0 && (lo >= 0 || hi >= 0) ? { name, values, low, high } : { name, values };
  });
  return { categories, series, merged };
}

export interface KpiTile {
  readonly label: string | null;
  readonly value: CellValue;
  readonly low: CellValue | null;
  readonly high: CellValue | null;
}

/** One tile per row (a KPI's source normally has one row; with a label column, one per label). */
export function kpiTiles(columns: Columns, rows: Rows, fields: Fields): KpiTile[] {
  const vi = indexOf(columns, fields.value);
  const li = indexOf(columns, fields.label);
  const lo = indexOf(columns, fields.low);
  const hi = indexOf(columns, fields.high);
  return rows.map((row) => ({
    label: li >= 0 ? label(row[li]) : null,
    value: row[vi] ?? null,
    low: lo >= 0 ? (row[lo] ?? null) : null,
    high: hi >= 0 ? (row[hi] ?? null) : null,
  }));
}

export interface OverlapRow {
  readonly label: string;
  readonly sets: readonly { readonly name: string; readonly size: number }[];
  /** How many are in every set at once. */
  readonly both: number;
}

/** Per row: each set's size and the size of their intersection. Rows without numbers are left out. */
export function overlapRows(columns: Columns, rows: Rows, fields: Fields): OverlapRow[] {
  const setIdx = (fields.sets ?? []).map((s) => indexOf(columns, s));
  const vi = indexOf(columns, fields.value);
  const li = indexOf(columns, fields.label);
  const out: OverlapRow[] = [];
  rows.forEach((row, r) => {
    const sizes = setIdx.map((i) => numeric(row[i]));
    const both = numeric(row[vi]);
    if (both === null || sizes.some((s) => s === null)) return;
    out.push({
      label: li >= 0 ? label(row[li]) : `row ${r + 1}`,
      sets: setIdx.map((i, k) => ({ name: columns[i]?.name ?? `set ${k + 1}`, size: sizes[k] ?? 0 })),
      both,
    });
  });
  return out;
}

/**
 * The distance between the centres of two circles of radii r1, r2 whose lens has area
 * `target` (bisection on the lens-area formula): the Venn diagram's circles overlap in
 * proportion to the intersection. 0 when one lies inside the other, r1 + r2 when apart.
 */
export function vennDistance(r1: number, r2: number, target: number): number {
  const lens = (d: number): number => {
    if (d >= r1 + r2) return 0;
    if (d <= Math.abs(r1 - r2)) return Math.PI * Math.min(r1, r2) ** 2;
    const a = r1 * r1 * Math.acos((d * d + r1 * r1 - r2 * r2) / (2 * d * r1));
    const b = r2 * r2 * Math.acos((d * d + r2 * r2 - r1 * r1) / (2 * d * r2));
    const c = 0.5 * Math.sqrt((-d + r1 + r2) * (d + r1 - r2) * (d - r1 + r2) * (d + r1 + r2));
    return a + b - c;
  };
  if (target <= 0) return r1 + r2;
  if (target >= Math.PI * Math.min(r1, r2) ** 2) return Math.abs(r1 - r2);
  let lo = Math.abs(r1 - r2);
  let hi = r1 + r2;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (lens(mid) > target) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}
