import { invalid } from '../../collaboration/errors.ts';
import { MAX_SQL_LENGTH } from '../prepare.ts';

/**
 * The dashboard document: what a member builds (visuals over its result tables, saved
 * queries or results SQL, in a 12-column grid) and the server stores sealed. Checked
 * strictly here, before anything runs: an unknown field, a missing one or a bad value
 * is refused with the path of the offending part (`visuals[1].fields.colour`).
 */

export const VISUAL_KINDS = ['kpi', 'bar', 'stacked-bar', 'line', 'table', 'histogram', 'overlap'] as const;
export type VisualKind = (typeof VISUAL_KINDS)[number];

/** Where a visual's rows come from; every kind ends as results SQL over the owner's catalog. */
export type VisualSource =
  | { readonly kind: 'table'; readonly table: string }
  | { readonly kind: 'saved'; readonly name: string }
  | { readonly kind: 'sql'; readonly sql: string }
  /**
   * The owner's newest result of an analysis (its template's name): the visual follows
   * new results. `sql`, if given, reads it as the table `latest`.
   */
  | { readonly kind: 'latest-of-analysis'; readonly analysis: string; readonly sql?: string };

/** Column names of the visual's rows that its parts show. */
export interface VisualFields {
  readonly x?: string;
  readonly y?: readonly string[];
  readonly series?: string;
  readonly value?: string;
  readonly label?: string;
  /** Columns holding each set's size (overlap). */
  readonly sets?: readonly string[];
  /** Interval ends (a confidence interval on a KPI or bars). */
  readonly low?: string;
  readonly high?: string;
  /** Columns a table shows, in order (default: all). */
  readonly columns?: readonly string[];
}

export interface GridLayout {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

export interface Visual {
  readonly id: string;
  readonly kind: VisualKind;
  readonly title: string;
  readonly source: VisualSource;
  readonly fields: VisualFields;
  readonly layout: GridLayout;
  readonly sort?: { readonly column: string; readonly direction: 'asc' | 'desc' };
  /** Rows to return (default and cap: MAX_VISUAL_ROWS). */
  readonly limit?: number;
}

export type FilterValue = string | number | boolean;

/** A filter on a dimension: rows whose `column` is one of `values` (none: no filtering). */
export interface DashboardFilter {
  readonly id: string;
  readonly column: string;
  readonly label?: string;
  readonly values?: readonly FilterValue[];
  /** Visuals it applies to (default: every visual whose rows have the column). */
  readonly visuals?: readonly string[];
}

export interface DashboardSpec {
  readonly name: string;
  readonly title: string;
  readonly description?: string;
  readonly filters: readonly DashboardFilter[];
  readonly visuals: readonly Visual[];
  /** Set on the ready-made dashboards (`audience-planning`, `campaign-measurement`). */
  readonly readyMade?: string;
}

export const MAX_VISUALS = 50;
export const MAX_FILTERS = 20;
export const MAX_FILTER_VALUES = 200;
export const MAX_VISUAL_ROWS = 5_000;
export const GRID_COLUMNS = 12;

/** Fields each kind needs and may have. */
const KIND_FIELDS: Record<VisualKind, { readonly required: readonly (keyof VisualFields)[]; readonly allowed: readonly (keyof VisualFields)[] }> = {
  kpi: { required: ['value'], allowed: ['value', 'label', 'low', 'high'] },
  bar: { required: ['x', 'y'], allowed: ['x', 'y', 'series', 'low', 'high'] },
  'stacked-bar': { required: ['x', 'y', 'series'], allowed: ['x', 'y', 'series'] },
  line: { required: ['x', 'y'], allowed: ['x', 'y', 'series', 'low', 'high'] },
  table: { required: [], allowed: ['columns'] },
  histogram: { required: ['x', 'y'], allowed: ['x', 'y'] },
  overlap: { required: ['sets', 'value'], allowed: ['sets', 'value', 'label'] },
};

const NAME = /^[a-z][a-z0-9_-]{0,62}$/;
const ID = /^[a-z][a-z0-9_-]{0,39}$/;
/** A column name as results SQL prints it back (quoted by the printer whatever it holds). */
const COLUMN_MAX = 128;

type Json = Record<string, unknown>;

function fail(path: string, code: string, message: string, hint?: string): never {
  throw invalid(code, `${path}: ${message}`, hint);
}

function object(value: unknown, path: string, allowed: readonly string[]): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(path, 'dashboard-bad-value', 'must be an object');
  const o = value as Json;
  for (const key of Object.keys(o)) {
    if (!allowed.includes(key)) fail(`${path}.${key.slice(0, 40)}`, 'dashboard-unknown-field', 'unknown field', `allowed here: ${allowed.join(', ')}`);
  }
  return o;
}

function text(o: Json, key: string, path: string, options: { required?: boolean; max?: number; pattern?: RegExp; min?: number } = {}): string | undefined {
  const v = o[key];
  if (v === undefined) {
    if (options.required === true) fail(`${path}.${key}`, 'dashboard-missing-field', 'is required');
    return undefined;
  }
  if (typeof v !== 'string') fail(`${path}.${key}`, 'dashboard-bad-value', 'must be a string');
  if (v.length < (options.min ?? 0)) fail(`${path}.${key}`, 'dashboard-bad-value', 'must not be empty');
  if (v.length > (options.max ?? 200)) fail(`${path}.${key}`, 'dashboard-bad-value', `has more than ${options.max ?? 200} characters`);
  if (options.pattern !== undefined && !options.pattern.test(v)) {
    fail(`${path}.${key}`, 'dashboard-bad-value', `'${v.slice(0, 60)}' is not valid`, 'use lower-case letters, digits, - and _, starting with a letter');
  }
  return v;
}

function column(v: unknown, path: string): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > COLUMN_MAX) fail(path, 'dashboard-bad-value', `must be a column name (1 to ${COLUMN_MAX} characters)`);
  return v;
}

function integer(o: Json, key: string, path: string, min: number, max: number): number | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) fail(`${path}.${key}`, 'dashboard-bad-value', `must be a whole number from ${min} to ${max}`);
  return v;
}

function list(v: unknown, path: string, max: number): unknown[] {
  if (!Array.isArray(v)) fail(path, 'dashboard-bad-value', 'must be an array');
  if (v.length > max) fail(path, 'dashboard-bad-value', `has more than ${max} entries`);
  return v;
}

function parseSource(value: unknown, path: string): VisualSource {
  const kind = (value as Json | null)?.['kind'];
  switch (kind) {
    case 'table': {
      const o = object(value, path, ['kind', 'table']);
      return { kind, table: text(o, 'table', path, { required: true, min: 1, max: 64 }) ?? '' };
    }
    case 'saved': {
      const o = object(value, path, ['kind', 'name']);
      return { kind, name: text(o, 'name', path, { required: true, min: 1, max: 64 }) ?? '' };
    }
    case 'sql': {
      const o = object(value, path, ['kind', 'sql']);
      return { kind, sql: text(o, 'sql', path, { required: true, min: 1, max: MAX_SQL_LENGTH }) ?? '' };
    }
    case 'latest-of-analysis': {
      const o = object(value, path, ['kind', 'analysis', 'sql']);
      const analysis = text(o, 'analysis', path, { required: true, pattern: NAME, max: 63 }) ?? '';
      const sql = text(o, 'sql', path, { min: 1, max: MAX_SQL_LENGTH });
      return sql === undefined ? { kind, analysis } : { kind, analysis, sql };
    }
    default:
      return fail(`${path}.kind`, 'dashboard-bad-value', 'must be one of table, saved, sql, latest-of-analysis');
  }
}

function parseFields(value: unknown, kind: VisualKind, path: string): VisualFields {
  const rules = KIND_FIELDS[kind];
  const o = object(value ?? {}, path, rules.allowed);
  for (const key of rules.required) if (o[key] === undefined) fail(`${path}.${key}`, 'dashboard-missing-field', `is required for a ${kind} visual`);
  const out: { -readonly [K in keyof VisualFields]: VisualFields[K] } = {};
  for (const key of ['x', 'series', 'value', 'label', 'low', 'high'] as const) if (o[key] !== undefined) out[key] = column(o[key], `${path}.${key}`);
  for (const key of ['y', 'sets', 'columns'] as const) {
    const v = o[key];
    if (v === undefined) continue;
    const items = typeof v === 'string' && key === 'y' ? [v] : list(v, `${path}.${key}`, 50);
    if (items.length === 0) fail(`${path}.${key}`, 'dashboard-bad-value', 'must name at least one column');
    out[key] = items.map((c, i) => column(c, `${path}.${key}[${i}]`));
  }
  if (kind === 'overlap' && (out.sets?.length ?? 0) < 2) fail(`${path}.sets`, 'dashboard-bad-value', 'an overlap visual needs at least two set columns');
  // A histogram's buckets touch: a second count column would be drawn over the first.
  if ((kind === 'histogram' || kind === 'stacked-bar') && (out.y?.length ?? 0) > 1) fail(`${path}.y`, 'dashboard-bad-value', `a ${kind} visual takes one y column`, kind === 'stacked-bar' ? 'the series column splits each bar' : 'use a bar visual for several counts side by side');
  return out;
}

function parseVisual(value: unknown, path: string): Visual {
  const o = object(value, path, ['id', 'kind', 'title', 'source', 'fields', 'layout', 'sort', 'limit']);
  const id = text(o, 'id', path, { required: true, pattern: ID, max: 40 }) ?? '';
  const kind = o['kind'];
  if (typeof kind !== 'string' || !(VISUAL_KINDS as readonly string[]).includes(kind)) fail(`${path}.kind`, 'dashboard-bad-value', `must be one of ${VISUAL_KINDS.join(', ')}`);
  const k = kind as VisualKind;
  const title = text(o, 'title', path, { max: 200 }) ?? '';
  if (o['source'] === undefined) fail(`${path}.source`, 'dashboard-missing-field', 'is required');
  const source = parseSource(o['source'], `${path}.source`);
  const fields = parseFields(o['fields'], k, `${path}.fields`);
  const l = object(o['layout'] ?? {}, `${path}.layout`, ['x', 'y', 'w', 'h']);
  const layout: GridLayout = {
    x: integer(l, 'x', `${path}.layout`, 0, GRID_COLUMNS - 1) ?? 0,
    y: integer(l, 'y', `${path}.layout`, 0, 10_000) ?? 0,
    w: integer(l, 'w', `${path}.layout`, 1, GRID_COLUMNS) ?? 6,
    h: integer(l, 'h', `${path}.layout`, 1, 100) ?? 4,
  };
  if (layout.x + layout.w > GRID_COLUMNS) fail(`${path}.layout`, 'dashboard-bad-value', `x + w must be at most ${GRID_COLUMNS}`);
  let sort: Visual['sort'];
  if (o['sort'] !== undefined) {
    const s = object(o['sort'], `${path}.sort`, ['column', 'direction']);
    const direction = s['direction'] ?? 'asc';
    if (direction !== 'asc' && direction !== 'desc') fail(`${path}.sort.direction`, 'dashboard-bad-value', 'must be asc or desc');
    sort = { column: column(s['column'], `${path}.sort.column`), direction };
  }
  const limit = integer(o, 'limit', path, 1, MAX_VISUAL_ROWS);
  return { id, kind: k, title, source, fields, layout, ...(sort !== undefined ? { sort } : {}), ...(limit !== undefined ? { limit } : {}) };
}

function parseFilter(value: unknown, path: string): DashboardFilter {
  const o = object(value, path, ['id', 'column', 'label', 'values', 'visuals']);
  const id = text(o, 'id', path, { required: true, pattern: ID, max: 40 }) ?? '';
  if (o['column'] === undefined) fail(`${path}.column`, 'dashboard-missing-field', 'is required');
  const col = column(o['column'], `${path}.column`);
  const label = text(o, 'label', path, { max: 200 });
  const values = o['values'] === undefined ? undefined : parseFilterValues(o['values'], `${path}.values`);
  const visuals = o['visuals'] === undefined ? undefined : list(o['visuals'], `${path}.visuals`, MAX_VISUALS).map((v, i) => {
    if (typeof v !== 'string' || !ID.test(v)) fail(`${path}.visuals[${i}]`, 'dashboard-bad-value', 'must be a visual id');
    return v;
  });
  return { id, column: col, ...(label !== undefined ? { label } : {}), ...(values !== undefined ? { values } : {}), ...(visuals !== undefined ? { visuals } : {}) };
}

/** Values of a filter: strings, finite numbers, booleans (they reach SQL as literals printed by the printer). */
export function parseFilterValues(value: unknown, path: string): FilterValue[] {
  return list(value, path, MAX_FILTER_VALUES).map((v, i) => {
    if (typeof v === 'string') {
      if (v.length > 1000) fail(`${path}[${i}]`, 'dashboard-bad-value', 'has more than 1000 characters');
      return v;
    }
    if (typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v))) return v;
    return fail(`${path}[${i}]`, 'dashboard-bad-value', 'must be a string, a finite number or a boolean');
  });
}

/**
 * Checks a dashboard document and returns it in its normal form (defaults filled in).
 *
 * @example
 *   parseDashboardSpec({ name: 'q3', title: 'Q3', visuals: [{ id: 'reach', kind: 'kpi',
 *     source: { kind: 'table', table: 'q3_reach' }, fields: { value: 'reach' } }] });
 */
export function parseDashboardSpec(value: unknown): DashboardSpec {
  const path = 'dashboard';
  const o = object(value, path, ['name', 'title', 'description', 'filters', 'visuals', 'readyMade']);
  const name = text(o, 'name', path, { required: true, pattern: NAME, max: 63 }) ?? '';
  const title = text(o, 'title', path, { max: 200 }) ?? name;
  const description = text(o, 'description', path, { max: 2000 });
  const readyMade = text(o, 'readyMade', path, { pattern: NAME, max: 63 });
  const visuals = list(o['visuals'] ?? [], `${path}.visuals`, MAX_VISUALS).map((v, i) => parseVisual(v, `${path}.visuals[${i}]`));
  const filters = list(o['filters'] ?? [], `${path}.filters`, MAX_FILTERS).map((f, i) => parseFilter(f, `${path}.filters[${i}]`));
  const seen = new Set<string>();
  for (const [i, v] of visuals.entries()) {
    if (seen.has(v.id)) fail(`${path}.visuals[${i}].id`, 'dashboard-duplicate-id', `'${v.id}' is the id of another visual`);
    seen.add(v.id);
  }
  const filterIds = new Set<string>();
  for (const [i, f] of filters.entries()) {
    if (filterIds.has(f.id)) fail(`${path}.filters[${i}].id`, 'dashboard-duplicate-id', `'${f.id}' is the id of another filter`);
    filterIds.add(f.id);
    for (const [j, v] of (f.visuals ?? []).entries()) {
      if (!seen.has(v)) fail(`${path}.filters[${i}].visuals[${j}]`, 'dashboard-unknown-visual', `no visual has the id '${v}'`);
    }
  }
  return {
    name,
    title,
    ...(description !== undefined ? { description } : {}),
    filters,
    visuals,
    ...(readyMade !== undefined ? { readyMade } : {}),
  };
}
