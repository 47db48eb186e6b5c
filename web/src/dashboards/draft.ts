/**
 * The dashboard builder's edits on a draft document, as pure functions (tested without
 * a browser): add a visual below the others, move and resize within the 12-column
 * grid, remove, change its kind (keeping the fields the new kind may have).
 */
import type { DashboardFilter, GridLayout, Visual, VisualFields, VisualKind } from '../../../src/results-sql/dashboards/dashboard-spec.ts';

export const GRID_COLUMNS = 12;

/** What the builder edits: the document without server-filled parts. */
export interface Draft {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly filters: readonly DashboardFilter[];
  readonly visuals: readonly Visual[];
}

/** The fields each kind shows (mirrors the server's check; the server has the last word). */
export const KIND_FIELDS: Readonly<Record<VisualKind, { readonly required: readonly (keyof VisualFields)[]; readonly optional: readonly (keyof VisualFields)[] }>> = {
  kpi: { required: ['value'], optional: ['label', 'low', 'high'] },
  bar: { required: ['x', 'y'], optional: ['series', 'low', 'high'] },
  'stacked-bar': { required: ['x', 'y', 'series'], optional: [] },
  line: { required: ['x', 'y'], optional: ['series', 'low', 'high'] },
  table: { required: [], optional: ['columns'] },
  histogram: { required: ['x', 'y'], optional: [] },
  overlap: { required: ['sets', 'value'], optional: ['label'] },
};

export const KIND_LABELS: Readonly<Record<VisualKind, string>> = {
  kpi: 'KPI tile',
  bar: 'Bar chart',
  'stacked-bar': 'Stacked bar chart',
  line: 'Line chart',
  table: 'Table',
  histogram: 'Histogram',
  overlap: 'Overlap (Venn / UpSet)',
};

/** The first free id `visual-N`. */
export function newVisualId(visuals: readonly Visual[]): string {
  const used = new Set(visuals.map((v) => v.id));
  for (let n = visuals.length + 1; ; n++) if (!used.has(`visual-${n}`)) return `visual-${n}`;
}

/** The row just below every visual. */
export function nextRow(visuals: readonly Visual[]): number {
  return visuals.reduce((m, v) => Math.max(m, v.layout.y + v.layout.h), 0);
}

export function addVisual(draft: Draft, visual: Omit<Visual, 'id' | 'layout'> & { readonly layout?: GridLayout }): Draft {
  const id = newVisualId(draft.visuals);
  const layout = visual.layout ?? { x: 0, y: nextRow(draft.visuals), w: 6, h: 4 };
  return { ...draft, visuals: [...draft.visuals, { ...visual, id, layout }] };
}

export function replaceVisual(draft: Draft, id: string, visual: Visual): Draft {
  const renamed = visual.id !== id;
  return {
    ...draft,
    visuals: draft.visuals.map((v) => (v.id === id ? visual : v)),
    // A filter aimed at the visual follows it to its new id.
    filters: renamed ? draft.filters.map((f) => (f.visuals === undefined ? f : { ...f, visuals: f.visuals.map((x) => (x === id ? visual.id : x)) })) : draft.filters,
  };
}

export function removeVisual(draft: Draft, id: string): Draft {
  return {
    ...draft,
    visuals: draft.visuals.filter((v) => v.id !== id),
    filters: draft.filters.map((f) => {
      if (f.visuals === undefined) return f;
      const visuals = f.visuals.filter((x) => x !== id);
      if (visuals.length > 0) return { ...f, visuals };
      const { visuals: _dropped, ...rest } = f;
      return rest;
    }),
  };
}

export type Move = 'left' | 'right' | 'up' | 'down' | 'wider' | 'narrower' | 'taller' | 'shorter';

/** One step of arranging: moves by one column or row, resizes by one, always inside the grid. */
export function arrange(layout: GridLayout, move: Move): GridLayout {
  const { x, y, w, h } = layout;
  switch (move) {
    case 'left':
      return { ...layout, x: Math.max(0, x - 1) };
    case 'right':
      return { ...layout, x: Math.min(GRID_COLUMNS - w, x + 1) };
    case 'up':
      return { ...layout, y: Math.max(0, y - 1) };
    case 'down':
      return { ...layout, y: y + 1 };
    case 'wider':
      return x + w < GRID_COLUMNS ? { ...layout, w: w + 1 } : x > 0 ? { ...layout, x: x - 1, w: w + 1 } : layout;
    case 'narrower':
      return { ...layout, w: Math.max(1, w - 1) };
    case 'taller':
      return { ...layout, h: Math.min(100, h + 1) };
    case 'shorter':
      return { ...layout, h: Math.max(1, h - 1) };
  }
}

function overlaps(a: GridLayout, b: GridLayout): boolean {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

/**
 * After a visual moved or grew, the visuals it now covers move down just below
 * whatever they would overlap (top to bottom), so no two panels share a cell of the grid.
 */
export function pushDown(visuals: readonly Visual[], movedId: string): Visual[] {
  const moved = visuals.find((v) => v.id === movedId);
  if (moved === undefined) return [...visuals];
  const placed: GridLayout[] = [moved.layout];
  const next = new Map<string, GridLayout>([[moved.id, moved.layout]]);
  const others = visuals.filter((v) => v.id !== movedId).sort((a, b) => a.layout.y - b.layout.y || a.layout.x - b.layout.x);
  for (const v of others) {
    let layout = v.layout;
    for (let hit = placed.find((p) => overlaps(layout, p)); hit !== undefined; hit = placed.find((p) => overlaps(layout, p))) {
      layout = { ...layout, y: hit.y + hit.h };
    }
    placed.push(layout);
    next.set(v.id, layout);
  }
  return visuals.map((v) => ({ ...v, layout: next.get(v.id) ?? v.layout }));
}

/** One arranging step for one visual of the draft, moving the visuals it would cover. */
export function arrangeVisual(draft: Draft, id: string, move: Move): Draft {
  const visuals = draft.visuals.map((v) => (v.id === id ? { ...v, layout: arrange(v.layout, move) } : v));
  return { ...draft, visuals: pushDown(visuals, id) };
}

/** A new kind keeps the fields it may have and drops the others. */
export function changeKind(visual: Visual, kind: VisualKind): Visual {
  const allowed = new Set<string>([...KIND_FIELDS[kind].required, ...KIND_FIELDS[kind].optional]);
  const fields = Object.fromEntries(Object.entries(visual.fields).filter(([k]) => allowed.has(k))) as VisualFields;
  return { ...visual, kind, fields };
}

/** `a, b ,c` as a list of names (empty entries dropped). */
export function splitList(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** The document sent to the server: empty description left out. */
export function toDocument(draft: Draft): { name: string; title: string; description?: string; filters: readonly DashboardFilter[]; visuals: readonly Visual[] } {
  return {
    name: draft.name,
    title: draft.title.trim() === '' ? draft.name : draft.title,
    ...(draft.description.trim() !== '' ? { description: draft.description } : {}),
    filters: draft.filters,
    visuals: draft.visuals,
  };
}
