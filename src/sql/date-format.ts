/**
 * Date units and date format strings. Both must be literals checked at convert time:
 * DuckDB raises on an unknown unit (`date_trunc('foo', d)`) or format directive, and
 * a raise is an oracle (RULES.md "No data-dependent failure").
 */

export type DateUnit =
  | 'year' | 'quarter' | 'month' | 'week' | 'day' | 'hour' | 'minute' | 'second'
  | 'dow' | 'doy' | 'epoch';

const UNIT_ALIASES: Readonly<Record<string, DateUnit>> = {
  year: 'year', years: 'year', y: 'year', yy: 'year', yyyy: 'year', yr: 'year', yrs: 'year',
  quarter: 'quarter', quarters: 'quarter', qtr: 'quarter', q: 'quarter',
  month: 'month', months: 'month', mon: 'month', mons: 'month', mm: 'month',
  week: 'week', weeks: 'week', w: 'week', wk: 'week',
  day: 'day', days: 'day', d: 'day', dd: 'day',
  hour: 'hour', hours: 'hour', h: 'hour', hh: 'hour', hr: 'hour',
  minute: 'minute', minutes: 'minute', mi: 'minute', min: 'minute', mins: 'minute',
  second: 'second', seconds: 'second', s: 'second', ss: 'second', sec: 'second', secs: 'second',
  dow: 'dow', dayofweek: 'dow', doy: 'doy', dayofyear: 'doy', epoch: 'epoch',
};

/** Units each function accepts (dow/doy/epoch only make sense for EXTRACT). */
export const PERIOD_UNITS: readonly DateUnit[] = ['year', 'quarter', 'month', 'week', 'day', 'hour', 'minute', 'second'];
export const EXTRACT_UNITS: readonly DateUnit[] = [...PERIOD_UNITS, 'dow', 'doy', 'epoch'];

export function normalizeDateUnit(text: string, allowed: readonly DateUnit[]): DateUnit | undefined {
  const unit = UNIT_ALIASES[text.trim().toLowerCase()];
  return unit !== undefined && allowed.includes(unit) ? unit : undefined;
}

// strftime directives DuckDB knows and that never fail on a valid date/timestamp.
const STRFTIME_DIRECTIVES = new Set(['a', 'A', 'b', 'B', 'd', 'e', 'f', 'g', 'H', 'I', 'j', 'm', 'M', 'n', 'p', 'S', 'u', 'U', 'w', 'W', 'y', 'Y', '%']);

/** True when `format` is a strftime/strptime pattern using only known directives. */
export function isValidStrftime(format: string): boolean {
  for (let i = 0; i < format.length; i += 1) {
    if (format[i] !== '%') continue;
    const d = format[i + 1];
    if (d === undefined || !STRFTIME_DIRECTIVES.has(d)) return false;
    i += 1;
  }
  return true;
}

// Redshift/PostgreSQL template patterns, longest first so that `HH24` wins over `HH`.
const PG_PATTERNS: readonly (readonly [string, string])[] = [
  ['YYYY', '%Y'], ['HH24', '%H'], ['HH12', '%I'], ['MONTH', '%B'], ['Month', '%B'],
  ['DAY', '%A'], ['Day', '%A'], ['MON', '%b'], ['Mon', '%b'], ['DDD', '%j'], ['DY', '%a'], ['Dy', '%a'],
  ['YY', '%y'], ['MM', '%m'], ['DD', '%d'], ['HH', '%I'], ['MI', '%M'], ['SS', '%S'],
  ['MS', '%g'], ['US', '%f'], ['AM', '%p'], ['PM', '%p'],
];

/**
 * Translates a Redshift-style format (`YYYY-MM-DD HH24:MI:SS`) into strftime
 * (`%Y-%m-%d %H:%M:%S`). A format already in strftime form (it contains `%`) is kept
 * as is. Returns undefined for anything that cannot be translated safely.
 */
export function toStrftime(format: string): string | undefined {
  if (format.includes('%')) return isValidStrftime(format) ? format : undefined;
  let out = '';
  let i = 0;
  while (i < format.length) {
    const rest = format.slice(i);
    if (rest.startsWith('"')) {
      // Quoted literal text in PostgreSQL templates.
      const end = format.indexOf('"', i + 1);
      if (end < 0) return undefined;
      out += format.slice(i + 1, end);
      i = end + 1;
      continue;
    }
    const hit = PG_PATTERNS.find(([p]) => rest.startsWith(p));
    if (hit !== undefined) {
      out += hit[1];
      i += hit[0].length;
      continue;
    }
    const ch = format[i] ?? '';
    if (/[A-Za-z]/.test(ch)) return undefined; // an unknown pattern letter: refuse, never guess
    out += ch;
    i += 1;
  }
  return out;
}

/**
 * Scale of a TO_NUMBER format (`999D99` -> 2). Only 9, 0, D/. and G/, are accepted.
 */
export function toNumberScale(format: string): number | undefined {
  if (!/^[90DG.,]+$/i.test(format)) return undefined;
  const mark = format.search(/[D.]/i);
  if (mark < 0) return 0;
  const fraction = format.slice(mark + 1);
  if (/[D.]/i.test(fraction)) return undefined;
  const digits = fraction.replace(/[^90]/g, '').length;
  return digits <= 18 ? digits : undefined;
}
