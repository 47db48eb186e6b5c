/**
 * Reading DuckDB's json_serialize_sql tree, which is untrusted and version-dependent.
 * The closed-world check lives here: `expectOnly` refuses any field a converter does
 * not model when that field is set, so a new DuckDB clause can never slip through.
 */
import { Refusal } from './diagnostic.ts';

export type JsonObject = { readonly [key: string]: unknown };

/** DuckDB writes 2^64-1 (which JSON.parse rounds to 2^64) for "no position". */
const NO_POSITION = 2 ** 63;

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function internal(what: string): never {
  throw new Error(`Internal error: unexpected DuckDB parse tree (${what})`);
}

export function obj(v: unknown, what: string): JsonObject {
  return isObject(v) ? v : internal(what);
}

export function arr(v: unknown, what: string): readonly unknown[] {
  return Array.isArray(v) ? v : internal(what);
}

export function str(o: JsonObject, key: string): string {
  const v = o[key];
  return typeof v === 'string' ? v : internal(`field ${key} is not text`);
}

export function optObj(o: JsonObject, key: string): JsonObject | undefined {
  const v = o[key];
  if (v === null || v === undefined) return undefined;
  return obj(v, key);
}

export function position(o: JsonObject): number | undefined {
  const v = o['query_location'];
  return typeof v === 'number' && v >= 0 && v < NO_POSITION ? v : undefined;
}

/** A field value that means "not used" in DuckDB's serialisation. */
function isEmpty(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === '') return true;
  if (Array.isArray(v)) return v.length === 0;
  if (isObject(v)) {
    // An empty ORDER_MODIFIER (aggregate order_bys) or an empty cte_map.
    if (v['type'] === 'ORDER_MODIFIER') return Array.isArray(v['orders']) && v['orders'].length === 0;
    const keys = Object.keys(v);
    if (keys.length === 1 && keys[0] === 'map') return Array.isArray(v['map']) && v['map'].length === 0;
  }
  return false;
}

/** Fields every node may carry without meaning anything for the clean room. */
const ALWAYS_KNOWN = new Set(['class', 'type', 'query_location']);

/**
 * Refuses any field of `node` that is neither modelled (`known`) nor empty. `defaults`
 * lists fields whose only acceptable value is a fixed non-empty default.
 */
export function expectOnly(
  node: JsonObject,
  known: readonly string[],
  construct: string,
  defaults: Readonly<Record<string, unknown>> = {},
): void {
  for (const [key, value] of Object.entries(node)) {
    if (ALWAYS_KNOWN.has(key) || known.includes(key)) continue;
    if (key in defaults) {
      if (value === defaults[key]) continue;
    } else if (isEmpty(value)) continue;
    throw unsupported(`${construct} with ${describeField(key, value)}`, position(node));
  }
}

function describeField(key: string, value: unknown): string {
  const label = FIELD_LABELS[key] ?? `the parser field "${key}"`;
  return typeof value === 'string' && !(key in FIELD_LABELS) ? `${label} = ${value}` : label;
}

const FIELD_LABELS: Readonly<Record<string, string>> = {
  filter: 'a FILTER clause',
  order_bys: 'ORDER BY inside an aggregate',
  sample: 'a sampling clause',
  qualify: 'QUALIFY',
  at_clause: 'an AT (time travel) clause',
  column_name_alias: 'column aliases on a table',
  exclude_list: 'EXCLUDE',
  replace_list: 'REPLACE',
  rename_list: 'RENAME',
  qualified_exclude_list: 'EXCLUDE',
  columns: 'COLUMNS(...)',
  expr: 'COLUMNS(...)',
  filter_expr: 'a FILTER clause',
  ignore_nulls: 'IGNORE NULLS',
  exclude_clause: 'a frame EXCLUDE clause',
  arg_orders: 'ORDER BY inside a window function',
  distinct_on_targets: 'DISTINCT ON',
  export_state: 'EXPORT_STATE',
  using_columns: 'USING',
  schema_name: 'a schema-qualified name',
  catalog_name: 'a catalog-qualified name',
  catalog: 'a catalog-qualified name',
  aggregate_handling: 'GROUP BY ALL',
  default_expr: 'a default value',
};

export function unsupported(construct: string, pos: number | undefined): Refusal {
  return new Refusal({
    code: 'unsupported-syntax',
    rule: 'sql',
    message: `The clean room does not support ${construct}${pos === undefined ? '' : ` (at position ${pos})`}.`,
    ...(pos === undefined ? {} : { position: pos }),
    hint: 'Rewrite the query with plain SELECT features; see docs/functions.md for what is allowed.',
  });
}
