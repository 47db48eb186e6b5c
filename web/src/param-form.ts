/**
 * Checks a parameter value typed in a form against the library's declaration (type,
 * allowed values, range) before it is sent. The server checks again (strictly); this
 * only says early and next to the field what is wrong.
 */
import type { InsightSummary } from '../../src/client/index.ts';

/** One parameter as GET /v1/insights declares it. */
export type AnalysisParameter = InsightSummary['parameters'][number];

export type ParamCheck = { readonly ok: true; readonly value: string | number | boolean } | { readonly ok: false; readonly message: string };

const INTEGER = /^[+-]?\d+$/;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/;

function compare(a: string, b: string, numeric: boolean): number {
  return numeric ? Number(a) - Number(b) : a < b ? -1 : a > b ? 1 : 0;
}

export function checkParam(param: AnalysisParameter, raw: string): ParamCheck {
  const text = raw.trim();
  if (text === '') return { ok: false, message: 'a value is needed' };
  let value: string | number | boolean;
  let numeric = false;
  switch (param.type) {
    case 'INTEGER':
    case 'BIGINT':
      if (!INTEGER.test(text)) return { ok: false, message: 'a whole number, e.g. 14' };
      value = text;
      numeric = true;
      break;
    case 'DOUBLE':
    case 'DECIMAL':
      if (!NUMBER.test(text)) return { ok: false, message: 'a number, e.g. 0.5' };
      value = text;
      numeric = true;
      break;
    case 'DATE':
      if (!DATE.test(text) || Number.isNaN(Date.parse(text))) return { ok: false, message: 'a date as YYYY-MM-DD' };
      value = text;
      break;
    case 'TIMESTAMP':
      if (!TIMESTAMP.test(text) || Number.isNaN(Date.parse(text.replace(' ', 'T')))) return { ok: false, message: 'a time as YYYY-MM-DD HH:MM[:SS]' };
      value = text;
      break;
    case 'BOOLEAN':
      if (text !== 'true' && text !== 'false') return { ok: false, message: 'true or false' };
      value = text === 'true';
      break;
    case 'VARCHAR':
      value = raw;
      break;
    default: {
      const unknownType: never = param.type;
      return { ok: false, message: `a parameter of type ${String(unknownType)} this page does not know` };
    }
  }
  if (param.allowed && !param.allowed.some((a) => (numeric ? Number(a) === Number(text) : a === text))) {
    return { ok: false, message: `one of ${param.allowed.join(', ')}` };
  }
  const { lo, hi } = param.range ?? {};
  if (lo !== undefined && compare(text, lo, numeric) < 0) return { ok: false, message: `at least ${lo}` };
  if (hi !== undefined && compare(text, hi, numeric) > 0) return { ok: false, message: `at most ${hi}` };
  return { ok: true, value };
}

/** Every field checked: the values to send (defaults left out when unchanged) or the problems by name. */
export function checkParams(
  params: readonly AnalysisParameter[],
  raw: Readonly<Record<string, string>>,
): { readonly values: Record<string, string | number | boolean>; readonly problems: Record<string, string> } {
  const values: Record<string, string | number | boolean> = {};
  const problems: Record<string, string> = {};
  for (const p of params) {
    const given = raw[p.name] ?? p.default ?? '';
    const checked = checkParam(p, given);
    if (!checked.ok) problems[p.name] = checked.message;
    else if (given !== p.default) values[p.name] = checked.value;
  }
  return { values, problems };
}
