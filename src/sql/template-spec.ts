/**
 * The CLI forms of parameters: declarations (`template create --param`) and values
 * (`query run --param`).
 *
 * Declaration grammar (docs/templates.md):
 *
 *   spec    = name ":" type [ "=" value ] { ":in=" value { "|" value } | ":range=" [ value ] ".." [ value ] }
 *   name    = [A-Za-z_][A-Za-z0-9_]*                      (case-insensitive)
 *   type    = VARCHAR | INTEGER | BIGINT | DOUBLE | DECIMAL [ "(" p [ "," s ] ")" ] | DATE | TIMESTAMP | BOOLEAN
 *   value   = "'" { any character, '' for a quote } "'"    (quoted)
 *           | one or more characters up to the next ":in=" or ":range=" (and, inside in=, "|";
 *             inside range=, ".."), not starting with a quote (bare)
 *
 * So a bare default may hold colons (`start:TIMESTAMP=2024-01-01T00:00:00Z`); only a
 * value that is empty, starts with `'`, or holds `:in=`, `:range=`, `|` (in a list) or
 * `..` (in a range) needs quotes. The default comes right after the type; `in` and
 * `range` follow in either order, at most once each. Type names are case-insensitive,
 * clause names are not.
 *
 * @example
 *   parseParameterSpec('days:INTEGER=30:range=1..90')
 *   // ok: { name: 'days', type: 'INTEGER', default: '30', range: { lo: '1', hi: '90' } }
 *   parseParameterSpec("channel:VARCHAR='tv':in=tv|web|'a|b'")
 *   parseParameterAssignment('start=2024-01-01T00:00:00Z') // ok: { name: 'start', value: '2024-01-01T00:00:00Z' }
 */
import { type Diagnostic, type Result, ok, refuse } from './diagnostic.ts';
import { type ParameterDeclaration, type ParameterTypeName, PARAMETER_TYPES, checkDeclaration, typeLabel } from './template-params.ts';

const CLAUSES = [':in=', ':range='] as const;

function specError(spec: string, message: string, position?: number): Diagnostic {
  return {
    code: 'parameter-spec',
    rule: 'custom',
    message: `${message} in --param ${JSON.stringify(spec)}`,
    ...(position === undefined ? {} : { position }),
    hint: "Write name:TYPE[=default][:in=a|b|c][:range=lo..hi]; quote a value holding :in=, :range=, | or .. as 'value'.",
  };
}

class SpecReader {
  i = 0;
  constructor(readonly text: string) {}

  at(s: string): boolean {
    return this.text.startsWith(s, this.i);
  }

  atClause(): boolean {
    return CLAUSES.some((c) => this.at(c));
  }

  /** A quoted or bare value; `stops` end a bare value (besides the clause names). */
  value(stops: readonly string[]): string | Diagnostic {
    const start = this.i;
    if (this.at("'")) {
      let out = '';
      this.i += 1;
      for (;;) {
        if (this.i >= this.text.length) return specError(this.text, 'an unterminated quoted value', start);
        if (this.at("''")) { out += "'"; this.i += 2; continue; }
        if (this.at("'")) { this.i += 1; break; }
        out += this.text[this.i] ?? '';
        this.i += 1;
      }
      if (this.i < this.text.length && !this.atClause() && !stops.some((s) => this.at(s))) {
        return specError(this.text, 'text after a quoted value', this.i);
      }
      return out;
    }
    while (this.i < this.text.length && !this.atClause() && !stops.some((s) => this.at(s))) this.i += 1;
    if (this.i === start) return specError(this.text, "an empty value (write '' for an empty text)", start);
    return this.text.slice(start, this.i);
  }
}

const isDiagnostic = (x: unknown): x is Diagnostic => typeof x === 'object' && x !== null && 'code' in x;

/** `name:TYPE[=default][:in=a|b|c][:range=lo..hi]` -> a checked declaration. */
export function parseParameterSpec(spec: string): Result<ParameterDeclaration> {
  const head = /^([A-Za-z_][A-Za-z0-9_]*):([A-Za-z]+)(?:\(\s*([0-9]{1,3})\s*(?:,\s*([0-9]{1,3})\s*)?\))?/.exec(spec);
  if (head === null) return refuse(specError(spec, 'expected name:TYPE at the start', 0));
  const [whole, name = '', typeText = '', precision, scale] = head;
  const type = typeText.toUpperCase();
  if (!(PARAMETER_TYPES as readonly string[]).includes(type)) {
    return refuse(specError(spec, `unknown type ${typeText} (use ${PARAMETER_TYPES.join(', ')})`, name.length + 1));
  }
  if (precision !== undefined && type !== 'DECIMAL') return refuse(specError(spec, `only DECIMAL takes (precision, scale)`, name.length + 1));
  const r = new SpecReader(spec);
  r.i = whole.length;
  let decl: ParameterDeclaration = {
    name, type: type as ParameterTypeName,
    ...(precision === undefined ? {} : { precision: Number(precision) }),
    ...(scale === undefined ? {} : { scale: Number(scale) }),
  };
  if (r.at('=')) {
    r.i += 1;
    const v = r.value([]);
    if (isDiagnostic(v)) return refuse(v);
    decl = { ...decl, default: v };
  }
  while (r.i < spec.length) {
    const clauseAt = r.i;
    if (r.at(':in=')) {
      if (decl.allowed !== undefined) return refuse(specError(spec, 'in= given twice', clauseAt));
      r.i += ':in='.length;
      const allowed: string[] = [];
      for (;;) {
        const v = r.value(['|']);
        if (isDiagnostic(v)) return refuse(v);
        allowed.push(v);
        if (!r.at('|')) break;
        r.i += 1;
      }
      decl = { ...decl, allowed };
    } else if (r.at(':range=')) {
      if (decl.range !== undefined) return refuse(specError(spec, 'range= given twice', clauseAt));
      r.i += ':range='.length;
      const lo = r.at('..') ? undefined : r.value(['..']);
      if (isDiagnostic(lo)) return refuse(lo);
      if (!r.at('..')) return refuse(specError(spec, 'range= needs lo..hi (either side may be left open)', r.i));
      r.i += 2;
      const hi = r.i >= spec.length || r.atClause() ? undefined : r.value([]);
      if (isDiagnostic(hi)) return refuse(hi);
      decl = { ...decl, range: { ...(lo === undefined ? {} : { lo }), ...(hi === undefined ? {} : { hi }) } };
    } else {
      return refuse(specError(spec, r.at('=') ? 'the default must come right after the type' : 'expected =default, :in= or :range=', r.i));
    }
  }
  const checked = checkDeclaration(decl);
  return checked.ok ? checked : refuse({ ...checked.error, message: `${checked.error.message} in --param ${JSON.stringify(spec)}` });
}

function quoteIfNeeded(v: string, stops: readonly string[]): string {
  const needs = v === '' || v.startsWith("'") || [...CLAUSES, ...stops].some((s) => v.includes(s));
  return needs ? `'${v.replaceAll("'", "''")}'` : v;
}

/** The canonical CLI spec of a declaration; `parseParameterSpec` reads it back unchanged. */
export function formatParameterSpec(decl: ParameterDeclaration): string {
  const parts = [`${decl.name}:${decl.type === 'DECIMAL' ? typeLabel(decl) : decl.type}`];
  if (decl.default !== undefined) parts.push(`=${quoteIfNeeded(decl.default, [])}`);
  if (decl.allowed !== undefined) parts.push(`:in=${decl.allowed.map((a) => quoteIfNeeded(a, ['|'])).join('|')}`);
  if (decl.range !== undefined) {
    const lo = decl.range.lo === undefined ? '' : quoteIfNeeded(decl.range.lo, ['..']);
    const hi = decl.range.hi === undefined ? '' : quoteIfNeeded(decl.range.hi, []);
    parts.push(`:range=${lo}..${hi}`);
  }
  return parts.join('');
}

/** `query run --param name=value`: the value is everything after the first `=`, unquoted. */
export function parseParameterAssignment(text: string): Result<{ name: string; value: string }> {
  const eq = text.indexOf('=');
  const name = eq < 0 ? '' : text.slice(0, eq);
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    return refuse({
      code: 'parameter-spec', rule: 'custom',
      message: `expected name=value in --param ${JSON.stringify(text)}`,
      hint: 'Write --param days=30 (everything after the first = is the value).',
    });
  }
  return ok({ name: name.toLowerCase(), value: text.slice(eq + 1) });
}
