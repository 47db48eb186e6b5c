/**
 * Typed template parameters: what a declaration says and which values it accepts.
 *
 * Values arrive as text (CLI `--param days=30`, HTTP JSON strings) and are read
 * strictly: `12abc` is not an INTEGER, `1e999` not a DOUBLE, `2024-02-30` not a DATE,
 * and a DECIMAL with more decimal places than its scale is refused, never rounded. The
 * result is a typed literal; `bindParameters` (template-bind.ts) puts it into the AST.
 *
 * @example
 *   const days: ParameterDeclaration = { name: 'days', type: 'INTEGER', default: '30', range: { lo: '1', hi: '90' } };
 *   parseValue(days, '14');   // ok: { kind: 'literal', value: { type: 'integer', value: '14' } }
 *   parseValue(days, 'abc');  // parameter-type: "parameter :days expects INTEGER, got 'abc'"
 *   parseValue(days, '120');  // parameter-out-of-range
 */
import type { Literal, LiteralValue, SqlType } from './ast.ts';
import { type Diagnostic, type Result, ok, refuse } from './diagnostic.ts';

export const PARAMETER_TYPES = ['VARCHAR', 'INTEGER', 'BIGINT', 'DOUBLE', 'DECIMAL', 'DATE', 'TIMESTAMP', 'BOOLEAN'] as const;
export type ParameterTypeName = (typeof PARAMETER_TYPES)[number];

/** DuckDB's DECIMAL without (p,s) is DECIMAL(18,3). */
export const DEFAULT_DECIMAL = { precision: 18, scale: 3 } as const;

export interface ParameterDeclaration {
  /** `[A-Za-z_][A-Za-z0-9_]*`, case-insensitive (stored lower-case). */
  readonly name: string;
  readonly type: ParameterTypeName;
  /** DECIMAL only: 1..38 and 0..precision (default 18 and 3). */
  readonly precision?: number;
  readonly scale?: number;
  /** Used when the runner gives no value; must itself be an accepted value. */
  readonly default?: string;
  /** The only accepted values (compared as typed values: `007` equals `7` for INTEGER). */
  readonly allowed?: readonly string[];
  /** Inclusive bounds, either may be open; not for VARCHAR or BOOLEAN. */
  readonly range?: { readonly lo?: string; readonly hi?: string };
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const INTEGER_BOUNDS = { INTEGER: [-(2n ** 31n), 2n ** 31n - 1n], BIGINT: [-(2n ** 63n), 2n ** 63n - 1n] } as const;

/** The engine type a bound value of this declaration has. */
export function parameterSqlType(decl: ParameterDeclaration): SqlType {
  switch (decl.type) {
    case 'DECIMAL':
      // DECIMAL(p) is DECIMAL(p,0), as in DuckDB.
      return {
        name: 'DECIMAL',
        width: decl.precision ?? DEFAULT_DECIMAL.precision,
        scale: decl.scale ?? (decl.precision === undefined ? DEFAULT_DECIMAL.scale : 0),
      };
    case 'VARCHAR': case 'INTEGER': case 'BIGINT': case 'DOUBLE': case 'DATE': case 'TIMESTAMP': case 'BOOLEAN':
      return { name: decl.type };
    default:
      throw new Error(`Internal error: unknown parameter type ${String(decl.type satisfies never)}`);
  }
}

export function typeLabel(decl: ParameterDeclaration): string {
  const t = parameterSqlType(decl);
  return t.name === 'DECIMAL' ? `DECIMAL(${t.width},${t.scale})` : t.name;
}

type Key = bigint | number | string | boolean;

/** A typed value plus a key that orders values of one type. */
interface Typed {
  readonly value: LiteralValue;
  readonly key: Key;
}

/** Keys of one declaration always share one JavaScript type. */
function before(a: Key, b: Key): boolean {
  if (typeof a !== typeof b) throw new Error('Internal error: comparing parameter values of different types');
  return (a as string) < (b as string);
}

/** A value as shown in a message: quoted, control characters escaped, long values cut. */
export function shown(text: string): string {
  const cut = text.length > 40 ? `${text.slice(0, 40)}…` : text;
  const escaped = cut.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return `'${escaped}'`;
}

function failure(code: string, decl: ParameterDeclaration, message: string, hint?: string): Diagnostic {
  return { code, rule: 'custom', fragment: `:${decl.name}`, message, ...(hint === undefined ? {} : { hint }) };
}

function typeError(decl: ParameterDeclaration, text: string, why?: string): Diagnostic {
  return failure('parameter-type', decl, `parameter :${decl.name} expects ${typeLabel(decl)}, got ${shown(text)}${why === undefined ? '' : ` (${why})`}`,
    HINTS[decl.type]);
}

const HINTS: Readonly<Record<ParameterTypeName, string>> = {
  VARCHAR: 'Give any text.',
  INTEGER: 'Give a whole number between -2147483648 and 2147483647, digits only (e.g. 30).',
  BIGINT: 'Give a whole number between -9223372036854775808 and 9223372036854775807, digits only.',
  DOUBLE: 'Give a finite number such as 0.25, -3 or 1.5e-3.',
  DECIMAL: 'Give a plain decimal number such as 12.50, with no more decimal places than the scale.',
  DATE: 'Give a calendar date as YYYY-MM-DD (e.g. 2024-02-29).',
  TIMESTAMP: 'Give an ISO-8601 timestamp such as 2024-01-31T10:00:00Z (no offset means UTC).',
  BOOLEAN: 'Give true or false.',
};

/** A valid proleptic Gregorian day, years 1..9999. */
function calendarDay(y: number, m: number, d: number): Date | undefined {
  if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1 || d > 31) return undefined;
  const t = new Date(0);
  t.setUTCFullYear(y, m - 1, d);
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d ? t : undefined;
}

const pad = (n: number, w: number): string => String(n).padStart(w, '0');
const isoDay = (t: Date): string => `${pad(t.getUTCFullYear(), 4)}-${pad(t.getUTCMonth() + 1, 2)}-${pad(t.getUTCDate(), 2)}`;

const TIMESTAMP_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?([Zz]|[+-]\d{2}(?::?\d{2})?)?)?$/;

function readTimestamp(text: string): string | undefined {
  const m = TIMESTAMP_RE.exec(text);
  if (m === null) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone = 'Z'] = m;
  const day = calendarDay(Number(y), Number(mo), Number(d));
  if (day === undefined || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return undefined;
  let offsetMinutes = 0;
  if (zone.toUpperCase() !== 'Z') {
    const oh = Number(zone.slice(1, 3));
    const om = Number(zone.slice(3).replace(':', '') || '0');
    if (oh > 23 || om > 59) return undefined;
    offsetMinutes = (zone.startsWith('-') ? -1 : 1) * (oh * 60 + om);
  }
  const t = new Date(day.getTime() + ((Number(h) * 60 + Number(mi) - offsetMinutes) * 60 + Number(s)) * 1000);
  if (t.getUTCFullYear() < 1 || t.getUTCFullYear() > 9999) return undefined;
  const fraction = frac.replace(/0+$/, '');
  return `${isoDay(t)}T${pad(t.getUTCHours(), 2)}:${pad(t.getUTCMinutes(), 2)}:${pad(t.getUTCSeconds(), 2)}${fraction === '' ? '' : `.${fraction}`}`;
}

/** `text` read as the declared type, or a diagnostic. Bounds and allowed values are not checked here. */
function readTyped(decl: ParameterDeclaration, text: string): Typed | Diagnostic {
  switch (decl.type) {
    case 'VARCHAR':
      // A lone surrogate cannot reach the engine as UTF-8 and come back unchanged.
      if (/[\uD800-\uDFFF]/u.test(text)) return typeError(decl, text, 'not valid Unicode text');
      return { value: { type: 'string', value: text }, key: text };
    case 'INTEGER': case 'BIGINT': {
      if (!/^[+-]?[0-9]+$/.test(text)) return typeError(decl, text);
      const n = BigInt(text);
      const [lo, hi] = INTEGER_BOUNDS[decl.type];
      if (n < lo || n > hi) return typeError(decl, text, `outside the ${decl.type} range`);
      return { value: { type: 'integer', value: n.toString() }, key: n };
    }
    case 'DOUBLE': {
      const m = /^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/.exec(text);
      if (m === null) return typeError(decl, text);
      const v = Number(text);
      if (!Number.isFinite(v)) return typeError(decl, text, 'too large for a DOUBLE');
      if (v === 0 && /[1-9]/.test(text.split(/[eE]/)[0] ?? '')) return typeError(decl, text, 'too small for a DOUBLE');
      return { value: { type: 'double', value: v }, key: v };
    }
    case 'DECIMAL': {
      const t = parameterSqlType(decl);
      const width = t.name === 'DECIMAL' ? t.width : DEFAULT_DECIMAL.precision;
      const scale = t.name === 'DECIMAL' ? t.scale : DEFAULT_DECIMAL.scale;
      const m = /^([+-]?)([0-9]*)(?:\.([0-9]*))?$/.exec(text);
      const whole = (m?.[2] ?? '').replace(/^0+/, '');
      const fraction = (m?.[3] ?? '').replace(/0+$/, '');
      if (m === null || !/[0-9]/.test(text)) return typeError(decl, text);
      if (fraction.length > scale) return typeError(decl, text, `more than ${scale} decimal places`);
      if (whole.length > width - scale) return typeError(decl, text, `more than ${width - scale} digits before the point`);
      const unscaled = BigInt(`${whole}${fraction.padEnd(scale, '0')}` || '0') * (m[1] === '-' ? -1n : 1n);
      const digits = (unscaled < 0n ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
      const canonical = `${unscaled < 0n ? '-' : ''}${digits.slice(0, digits.length - scale)}${scale > 0 ? `.${digits.slice(digits.length - scale)}` : ''}`;
      return { value: { type: 'decimal', value: canonical }, key: unscaled };
    }
    case 'DATE': {
      const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
      const day = m === null ? undefined : calendarDay(Number(m[1]), Number(m[2]), Number(m[3]));
      if (day === undefined) return typeError(decl, text);
      return { value: { type: 'date', value: text }, key: text };
    }
    case 'TIMESTAMP': {
      const iso = readTimestamp(text);
      if (iso === undefined) return typeError(decl, text);
      // Fixed-width key so that string order is time order.
      const [base = '', frac = ''] = iso.split('.');
      return { value: { type: 'timestamp', value: iso }, key: `${base}.${frac.padEnd(6, '0')}` };
    }
    case 'BOOLEAN': {
      const t = text.toLowerCase();
      if (t !== 'true' && t !== 'false') return typeError(decl, text);
      return { value: { type: 'boolean', value: t === 'true' }, key: t === 'true' };
    }
    default:
      throw new Error(`Internal error: unknown parameter type ${String(decl.type satisfies never)}`);
  }
}

const isDiagnostic = (x: Typed | Diagnostic): x is Diagnostic => 'code' in x;

/** The typed literal for `text`, refused when it is not of the declared type or outside `allowed`/`range`. */
export function parseValue(decl: ParameterDeclaration, text: string): Result<Literal> {
  const typed = readTyped(decl, text);
  if (isDiagnostic(typed)) return refuse(typed);
  if (decl.allowed !== undefined) {
    const keys = decl.allowed.map((a) => readTyped(decl, a));
    if (!keys.some((k) => !isDiagnostic(k) && k.key === typed.key)) {
      return refuse(failure('parameter-not-allowed', decl,
        `parameter :${decl.name} must be one of ${decl.allowed.map(shown).join(', ')}, got ${shown(text)}`,
        'Use one of the values the template allows.'));
    }
  }
  const { lo, hi } = decl.range ?? {};
  const bound = (b: string | undefined): Typed | undefined => {
    if (b === undefined) return undefined;
    const t = readTyped(decl, b);
    if (isDiagnostic(t)) throw new Error(`Internal error: unchecked range bound for :${decl.name}`);
    return t;
  };
  const low = bound(lo);
  const high = bound(hi);
  if ((low !== undefined && before(typed.key, low.key)) || (high !== undefined && before(high.key, typed.key))) {
    const limits = [lo === undefined ? '' : `at least ${shown(lo)}`, hi === undefined ? '' : `at most ${shown(hi)}`].filter((x) => x !== '').join(' and ');
    return refuse(failure('parameter-out-of-range', decl, `parameter :${decl.name} must be ${limits}, got ${shown(text)}`,
      'Use a value inside the range the template declares.'));
  }
  return ok({ kind: 'literal', value: typed.value });
}

function specError(message: string, hint?: string): Diagnostic {
  return { code: 'parameter-spec', rule: 'custom', message, ...(hint === undefined ? {} : { hint }) };
}

/**
 * A declaration checked for consistency (a default, allowed values and range bounds of
 * the declared type; the default and every allowed value inside the range), with its
 * name lower-cased and DECIMAL's precision and scale filled in.
 */
export function checkDeclaration(decl: ParameterDeclaration): Result<ParameterDeclaration> {
  if (!NAME.test(decl.name)) return refuse(specError(`${shown(decl.name)} is not a parameter name`, 'Use letters, digits and _, starting with a letter or _.'));
  const name = decl.name.toLowerCase();
  if (!(PARAMETER_TYPES as readonly string[]).includes(decl.type)) {
    return refuse(specError(`parameter :${name} has an unknown type ${shown(String(decl.type))}`, `Use one of ${PARAMETER_TYPES.join(', ')}.`));
  }
  let d: ParameterDeclaration = { ...decl, name };
  if (decl.type === 'DECIMAL') {
    const precision = decl.precision ?? DEFAULT_DECIMAL.precision;
    const scale = decl.scale ?? (decl.precision === undefined ? DEFAULT_DECIMAL.scale : 0);
    if (!Number.isInteger(precision) || precision < 1 || precision > 38 || !Number.isInteger(scale) || scale < 0 || scale > precision) {
      return refuse(specError(`parameter :${name}: DECIMAL(${precision},${scale}) needs a precision of 1 to 38 and a scale of 0 to the precision`));
    }
    d = { ...d, precision, scale };
  } else if (decl.precision !== undefined || decl.scale !== undefined) {
    return refuse(specError(`parameter :${name}: only DECIMAL takes a precision and scale`));
  }
  const asType = (what: string, v: string): Diagnostic | undefined => {
    const t = readTyped(d, v);
    return isDiagnostic(t) ? specError(`parameter :${name}: the ${what} ${shown(v)} is not a ${typeLabel(d)}`, HINTS[d.type]) : undefined;
  };
  if (d.range !== undefined) {
    if (d.type === 'VARCHAR' || d.type === 'BOOLEAN') return refuse(specError(`parameter :${name}: a ${d.type} has no range`, 'Use in=a|b|c to list the allowed values.'));
    if (d.range.lo === undefined && d.range.hi === undefined) return refuse(specError(`parameter :${name}: a range needs at least one bound`));
    for (const b of [d.range.lo, d.range.hi]) {
      const problem = b === undefined ? undefined : asType('range bound', b);
      if (problem !== undefined) return refuse(problem);
    }
    if (d.range.lo !== undefined && d.range.hi !== undefined) {
      const lo = readTyped(d, d.range.lo);
      const hi = readTyped(d, d.range.hi);
      if (!isDiagnostic(lo) && !isDiagnostic(hi) && before(hi.key, lo.key)) return refuse(specError(`parameter :${name}: the range ${d.range.lo}..${d.range.hi} is empty`));
    }
  }
  if (d.allowed !== undefined) {
    if (d.allowed.length === 0) return refuse(specError(`parameter :${name}: in= needs at least one value`));
    const seen = new Set<Key>();
    for (const a of d.allowed) {
      const problem = asType('allowed value', a);
      if (problem !== undefined) return refuse(problem);
      const t = readTyped(d, a);
      if (!isDiagnostic(t)) {
        if (seen.has(t.key)) return refuse(specError(`parameter :${name}: the allowed value ${shown(a)} is listed twice`));
        seen.add(t.key);
      }
      const inRange = parseValue({ ...d, allowed: undefined }, a);
      if (!inRange.ok) return refuse(specError(`parameter :${name}: the allowed value ${shown(a)} is outside the range`));
    }
  }
  if (d.default !== undefined) {
    const problem = asType('default', d.default);
    if (problem !== undefined) return refuse(problem);
    const accepted = parseValue(d, d.default);
    if (!accepted.ok) return refuse(specError(`parameter :${name}: the default ${shown(d.default)} is not an accepted value (${accepted.error.message})`));
  }
  return ok(d);
}
