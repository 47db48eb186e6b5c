import { Refusal } from '../sql/diagnostic.ts';
import type { Diagnostic } from '../sql/diagnostic.ts';

/**
 * Strict reading of untrusted rule JSON. Every problem throws a Refusal that names the
 * JSON path (`v1.aggregation.aggregateColumns[0].function`), so that a rule owner can
 * find the offending spot; nothing unknown is ever ignored.
 */

export type JsonObject = Readonly<Record<string, unknown>>;

/** Which rule kind is being read, for the diagnostic's `rule` field. */
export interface ReadContext {
  readonly rule?: string;
}

export function ruleError(
  ctx: ReadContext,
  code: string,
  path: string,
  message: string,
  hint?: string,
): Refusal {
  const d: Diagnostic = {
    code,
    message: `${ruleLabel(ctx)}${path}: ${message}`,
    ...(ctx.rule !== undefined ? { rule: ctx.rule } : {}),
    fragment: path,
    ...(hint !== undefined ? { hint } : {}),
  };
  return new Refusal(d);
}

function ruleLabel(ctx: ReadContext): string {
  return ctx.rule !== undefined ? `${ctx.rule} rule, ` : '';
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function describeJson(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

export function expectObject(ctx: ReadContext, value: unknown, path: string): JsonObject {
  if (!isObject(value)) {
    throw ruleError(ctx, 'rule-invalid', path, `expected an object, found ${describeJson(value)}`);
  }
  return value;
}

/** Refuses any field not in `known`, suggesting the closest known spelling. */
export function checkFields(
  ctx: ReadContext,
  obj: JsonObject,
  path: string,
  known: readonly string[],
): void {
  for (const key of Object.keys(obj)) {
    if (known.includes(key)) continue;
    const near = closest(key, known);
    throw ruleError(
      ctx,
      'rule-unknown-field',
      join(path, key),
      `unknown field "${key}"${near !== undefined ? ` (did you mean "${near}"?)` : ''}`,
      `known fields here: ${known.join(', ')}`,
    );
  }
}

export function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

export function required(ctx: ReadContext, obj: JsonObject, path: string, key: string): unknown {
  const value = obj[key];
  if (value === undefined) {
    throw ruleError(ctx, 'rule-missing-field', join(path, key), `required field "${key}" is missing`);
  }
  return value;
}

export function readString(ctx: ReadContext, value: unknown, path: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw ruleError(ctx, 'rule-invalid', path, `expected a non-empty string, found ${describeJson(value)}`);
  }
  return value;
}

/** A list of strings; `nonEmpty` refuses `[]`; duplicates are refused (a typo sign). */
export function readStringList(
  ctx: ReadContext,
  value: unknown,
  path: string,
  nonEmpty: boolean,
): string[] {
  if (!Array.isArray(value)) {
    throw ruleError(ctx, 'rule-invalid', path, `expected a list of strings, found ${describeJson(value)}`);
  }
  if (nonEmpty && value.length === 0) {
    throw ruleError(ctx, 'rule-empty-list', path, 'this list must not be empty');
  }
  const out: string[] = [];
  value.forEach((item: unknown, i: number) => {
    const s = readString(ctx, item, `${path}[${i}]`);
    if (out.includes(s)) {
      throw ruleError(ctx, 'rule-invalid', `${path}[${i}]`, `"${s}" is listed twice`);
    }
    out.push(s);
  });
  return out;
}

export function readList(ctx: ReadContext, value: unknown, path: string, nonEmpty: boolean): unknown[] {
  if (!Array.isArray(value)) {
    throw ruleError(ctx, 'rule-invalid', path, `expected a list, found ${describeJson(value)}`);
  }
  if (nonEmpty && value.length === 0) {
    throw ruleError(ctx, 'rule-empty-list', path, 'this list must not be empty');
  }
  return value as unknown[];
}

/** One value of a closed set, spelled exactly (AWS enumerations are upper-case). */
export function readEnum<T extends string>(
  ctx: ReadContext,
  value: unknown,
  path: string,
  allowed: readonly T[],
): T {
  const s = readString(ctx, value, path);
  const found = allowed.find((a) => a === s);
  if (found !== undefined) return found;
  const near = closest(s, allowed);
  throw ruleError(
    ctx,
    'rule-invalid',
    path,
    `"${s}" is not one of ${allowed.join(', ')}${near !== undefined ? ` (did you mean "${near}"?)` : ''}`,
  );
}

export function readEnumList<T extends string>(
  ctx: ReadContext,
  value: unknown,
  path: string,
  allowed: readonly T[],
  nonEmpty: boolean,
): T[] {
  const raw = readStringList(ctx, value, path, nonEmpty);
  return raw.map((s, i) => readEnum(ctx, s, `${path}[${i}]`, allowed));
}

export function readInteger(
  ctx: ReadContext,
  value: unknown,
  path: string,
  min: number,
  max: number,
): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw ruleError(ctx, 'rule-invalid', path, `expected an integer, found ${describeJson(value)}`);
  }
  if (value < min || value > max) {
    throw ruleError(ctx, 'rule-invalid', path, `${value} is outside ${min}..${max}`);
  }
  return value;
}

/** The closest candidate within a small edit distance, case-insensitively. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  const w = word.toLowerCase();
  for (const c of candidates) {
    const d = editDistance(w, c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  const limit = Math.max(2, Math.floor(word.length / 3));
  return bestDistance <= limit ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur.push(Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost));
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}
