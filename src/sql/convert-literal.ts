/**
 * Constants, type names and interval literals of DuckDB's parse tree.
 *
 * JSON.parse turns BIGINT/HUGEINT/DECIMAL values beyond 2^53 into rounded doubles, so
 * such numbers are re-read exactly from the query text at their position, and checked
 * against the parser's (rounded) value before use.
 */
import type { IntervalUnit, LiteralValue, SqlType } from './ast.ts';
import { type JsonObject, isObject, obj, position, str, unsupported } from './json-node.ts';

const TWO_64 = 2 ** 64;

/** The numeric text written at `pos` (sign, digits, underscores, one dot), if any. */
function numberTextAt(sqlText: string, pos: number | undefined): string | undefined {
  if (pos === undefined) return undefined;
  const m = /^(-?)\s*((?:[0-9][0-9_]*)?(?:\.[0-9_]*)?)/.exec(sqlText.slice(pos));
  const body = m?.[2]?.replaceAll('_', '') ?? '';
  if (!/[0-9]/.test(body)) return undefined;
  return `${m?.[1] ?? ''}${body}`;
}

/** The parser's approximate value of an integer field: a number or {upper, lower}. */
function approximate(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (isObject(v) && typeof v['upper'] === 'number' && typeof v['lower'] === 'number') {
    return v['upper'] * TWO_64 + v['lower'];
  }
  return undefined;
}

function closeEnough(exact: bigint, approx: number): boolean {
  const e = Number(exact);
  return e === approx || Math.abs(e - approx) <= Math.abs(approx) * 1e-12;
}

/** The exact integer a constant holds (for DECIMAL: its unscaled value). */
function exactInteger(value: unknown, sqlText: string, pos: number | undefined, forDecimal: boolean): bigint {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  const approx = approximate(value);
  const text = numberTextAt(sqlText, pos);
  if (approx !== undefined && text !== undefined && (forDecimal || !text.includes('.'))) {
    const digits = text.replace('.', '');
    if (/^-?[0-9]+$/.test(digits)) {
      const exact = BigInt(digits);
      if (closeEnough(exact, approx)) return exact;
    }
  }
  throw unsupported('a numeric literal that cannot be read exactly', pos);
}

function decimalText(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  const whole = digits.slice(0, digits.length - scale);
  const fraction = digits.slice(digits.length - scale);
  return `${negative ? '-' : ''}${whole}${scale > 0 ? `.${fraction}` : ''}`;
}

/** A VALUE_CONSTANT's value. */
export function convertConstantValue(node: JsonObject, sqlText: string): LiteralValue {
  const pos = position(node);
  const value = obj(node['value'], 'constant value');
  const type = obj(value['type'], 'constant type');
  const id = str(type, 'id');
  if (value['is_null'] === true) return { type: 'null' };
  const v = value['value'];
  switch (id) {
    case 'NULL':
      return { type: 'null' };
    case 'VARCHAR':
      if (typeof v !== 'string') break;
      return { type: 'string', value: v };
    case 'BOOLEAN':
      if (typeof v !== 'boolean') break;
      return { type: 'boolean', value: v };
    case 'TINYINT': case 'SMALLINT': case 'INTEGER': case 'BIGINT': case 'HUGEINT': case 'UBIGINT':
    case 'UINTEGER': case 'USMALLINT': case 'UTINYINT': case 'UHUGEINT':
      return { type: 'integer', value: exactInteger(v, sqlText, pos, false).toString() };
    case 'DECIMAL': {
      const info = obj(type['type_info'], 'decimal type');
      const scale = info['scale'];
      if (typeof scale !== 'number') break;
      return { type: 'decimal', value: decimalText(exactInteger(v, sqlText, pos, true), scale) };
    }
    case 'DOUBLE': case 'FLOAT':
      if (typeof v !== 'number' || !Number.isFinite(v)) break;
      return { type: 'double', value: v };
    default:
      break;
  }
  throw unsupported(`a constant of type ${id}`, pos);
}

const SIMPLE_TYPES: Readonly<Record<string, SqlType>> = {
  BOOLEAN: { name: 'BOOLEAN' },
  TINYINT: { name: 'TINYINT' }, SMALLINT: { name: 'SMALLINT' }, INTEGER: { name: 'INTEGER' },
  BIGINT: { name: 'BIGINT' }, HUGEINT: { name: 'HUGEINT' },
  FLOAT: { name: 'FLOAT' }, DOUBLE: { name: 'DOUBLE' },
  VARCHAR: { name: 'VARCHAR' },
  DATE: { name: 'DATE' }, TIMESTAMP: { name: 'TIMESTAMP' }, 'TIMESTAMP WITH TIME ZONE': { name: 'TIMESTAMPTZ' },
  TIME: { name: 'TIME' }, INTERVAL: { name: 'INTERVAL' },
};

/** A cast_type of the parse tree. */
export function convertType(type: JsonObject, pos: number | undefined): SqlType {
  const id = str(type, 'id');
  if (id === 'DECIMAL') {
    const info = obj(type['type_info'], 'decimal type');
    const width = info['width'];
    const scale = info['scale'];
    if (typeof width === 'number' && typeof scale === 'number') return { name: 'DECIMAL', width, scale };
  }
  const simple = SIMPLE_TYPES[id];
  if (simple !== undefined) return simple;
  throw unsupported(`the type ${id}`, pos);
}

/** Type names as written in CONVERT(type, x), where DuckDB reads the type as a column. */
const CONVERT_TYPES: Readonly<Record<string, SqlType>> = {
  int: { name: 'INTEGER' }, integer: { name: 'INTEGER' }, int4: { name: 'INTEGER' },
  bigint: { name: 'BIGINT' }, int8: { name: 'BIGINT' }, smallint: { name: 'SMALLINT' }, int2: { name: 'SMALLINT' },
  tinyint: { name: 'TINYINT' }, hugeint: { name: 'HUGEINT' },
  varchar: { name: 'VARCHAR' }, text: { name: 'VARCHAR' }, string: { name: 'VARCHAR' }, char: { name: 'VARCHAR' },
  double: { name: 'DOUBLE' }, float8: { name: 'DOUBLE' }, float: { name: 'FLOAT' }, real: { name: 'FLOAT' }, float4: { name: 'FLOAT' },
  decimal: { name: 'DECIMAL', width: 18, scale: 3 }, numeric: { name: 'DECIMAL', width: 18, scale: 3 },
  boolean: { name: 'BOOLEAN' }, bool: { name: 'BOOLEAN' },
  date: { name: 'DATE' }, timestamp: { name: 'TIMESTAMP' }, timestamptz: { name: 'TIMESTAMPTZ' },
};

export function convertTypeName(name: string): SqlType | undefined {
  return CONVERT_TYPES[name.trim().toLowerCase()];
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIMESTAMP_RE = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,6})?)?$/;

function validDay(y: number, m: number, d: number): boolean {
  const t = new Date(Date.UTC(y, m - 1, d));
  return y >= 1 && t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
}

/** `DATE '2020-01-31'` text -> ISO date, or undefined when it is not a valid date. */
export function parseDateText(text: string): string | undefined {
  const m = DATE_RE.exec(text.trim());
  if (m === null) return undefined;
  return validDay(Number(m[1]), Number(m[2]), Number(m[3])) ? text.trim() : undefined;
}

/** `TIMESTAMP '2020-01-31 10:00:00'` text -> ISO `2020-01-31T10:00:00`, or undefined. */
export function parseTimestampText(text: string): string | undefined {
  const m = TIMESTAMP_RE.exec(text.trim());
  if (m === null) return undefined;
  const [, y, mo, d, h, mi, s, frac] = m;
  if (!validDay(Number(y), Number(mo), Number(d))) return undefined;
  if (Number(h) > 23 || Number(mi) > 59 || Number(s ?? '0') > 59) return undefined;
  return `${y}-${mo}-${d}T${h}:${mi}:${s ?? '00'}${frac ?? ''}`;
}

const INTERVAL_FUNCTIONS: Readonly<Record<string, { unit: IntervalUnit; factor: bigint }>> = {
  to_years: { unit: 'year', factor: 1n }, to_months: { unit: 'month', factor: 1n },
  to_weeks: { unit: 'day', factor: 7n }, to_days: { unit: 'day', factor: 1n },
  to_hours: { unit: 'hour', factor: 1n }, to_minutes: { unit: 'minute', factor: 1n },
  to_seconds: { unit: 'second', factor: 1n },
};

export function isIntervalFunction(name: string): boolean {
  return name in INTERVAL_FUNCTIONS;
}

/**
 * `INTERVAL 3 DAY` arrives as to_days(CAST(trunc(CAST(3 AS DOUBLE)) AS INTEGER)); only
 * that exact shape with an integer constant is an interval literal.
 */
export function convertIntervalFunction(name: string, node: JsonObject, sqlText: string): LiteralValue {
  const spec = INTERVAL_FUNCTIONS[name];
  const pos = position(node);
  const fail = (): never => { throw unsupported('an INTERVAL that is not a whole-number literal', pos); };
  if (spec === undefined) return fail();
  const children = node['children'];
  const outer = Array.isArray(children) && children.length === 1 ? children[0] : undefined;
  const trunc = isObject(outer) && outer['class'] === 'CAST' ? outer['child'] : undefined;
  const truncArgs = isObject(trunc) && trunc['function_name'] === 'trunc' ? trunc['children'] : undefined;
  const inner = Array.isArray(truncArgs) && truncArgs.length === 1 ? truncArgs[0] : undefined;
  const constant = isObject(inner) && inner['class'] === 'CAST' ? inner['child'] : undefined;
  if (!isObject(constant) || constant['class'] !== 'CONSTANT') return fail();
  const value = convertConstantValue(constant, sqlText);
  let n: bigint;
  if (value.type === 'integer') n = BigInt(value.value);
  else if (value.type === 'string' && /^\s*-?\d{1,18}\s*$/.test(value.value)) n = BigInt(value.value.trim());
  else return fail();
  return { type: 'interval', value: (n * spec.factor).toString(), unit: spec.unit };
}

/** `INTERVAL '1 day'` arrives as CAST('1 day' AS INTERVAL). */
export function parseIntervalText(text: string): LiteralValue | undefined {
  const m = /^\s*(-?\d{1,18})\s+(year|month|week|day|hour|minute|second)s?\s*$/i.exec(text);
  if (m === null) return undefined;
  const unit = (m[2] ?? '').toLowerCase();
  const n = BigInt(m[1] ?? '0');
  if (unit === 'week') return { type: 'interval', value: (n * 7n).toString(), unit: 'day' };
  return { type: 'interval', value: n.toString(), unit: unit as IntervalUnit };
}
