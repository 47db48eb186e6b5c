import { assertNever } from '../sql/ast.ts';
import type { ColumnRef, Expr, FunctionCall, LiteralValue, ScalarSubquery, SqlType } from '../sql/ast.ts';
import { toNumberScale } from '../sql/date-format.ts';
import { categoryOfTypeName, type TypeCategory } from '../sql/types.ts';
import { FLOAT32, numTypeOfName, numTypeName, isUnguardable, unify, integerLiteral, BIGINT, FLOAT, numTypeOf, type NumType } from './custom-numeric.ts';

/**
 * Static types and the implicit casts that can fail on a value. DuckDB unifies the types
 * of two values that meet (a comparison, IN, BETWEEN, CASE branches,
 * COALESCE/LEAST/GREATEST/NULLIF, UNION columns) and casts each value to the common type
 * *row by row*. Such a cast fails on some values: a DATE beyond the TIMESTAMP range, a
 * TIMESTAMP beyond the TIMESTAMP_NS range, a BIGINT in a DECIMAL(38,30), a text that does
 * not parse. Even a literal is cast only when rows reach it. Whether such a query fails
 * would tell the runner something about rows it cannot see, so the validators refuse
 * these pairs; an explicit CAST is printed as TRY_CAST and never fails.
 */

/** Column references and scalar subqueries whose engine type the caller knows. */
export type KnownType = (e: ColumnRef | ScalarSubquery) => string | undefined;

export type TemporalKind = 'DATE' | 'TIMESTAMP' | 'TIMESTAMP_S' | 'TIMESTAMP_MS' | 'TIMESTAMP_NS' | 'TIMESTAMPTZ';

/** The date/time type of an engine type name (TIMESTAMP_NS is its own: casts to it overflow). */
export function temporalKind(typeName: string | undefined): TemporalKind | undefined {
  const t = typeName?.trim().toUpperCase();
  switch (t) {
    case 'DATE': return 'DATE';
    case 'TIMESTAMP': case 'DATETIME': case 'TIMESTAMP_US': case 'TIMESTAMP WITHOUT TIME ZONE': return 'TIMESTAMP';
    case 'TIMESTAMP_S': case 'TIMESTAMP_MS': case 'TIMESTAMP_NS': return t;
    case 'TIMESTAMPTZ': case 'TIMESTAMP WITH TIME ZONE': return 'TIMESTAMPTZ';
    default: return undefined;
  }
}

/** categoryOfTypeName, also for names DuckDB gives columns that it does not list (TIMESTAMP_NS, JSON). */
export function typeCategory(typeName: string | undefined): TypeCategory {
  if (typeName === undefined) return 'unknown';
  const t = typeName.trim().toUpperCase();
  if (t === 'NULL') return 'null';
  const k = temporalKind(t);
  if (k !== undefined) return k === 'DATE' ? 'date' : 'timestamp';
  return t === 'JSON' ? 'text' : categoryOfTypeName(t);
}

/**
 * DuckDB's result type of an expression as the planner leaves it; undefined when unknown.
 * `memo` keeps a deep tree (a long chain of `+`) linear when every node is typed.
 */
export function staticType(e: Expr, known: KnownType, memo?: WeakMap<Expr, string | undefined>): string | undefined {
  // Names are resolved per scope: only the types of composite nodes are kept.
  if (e.kind === 'column' || e.kind === 'subquery') return known(e);
  if (memo?.has(e) === true) return memo.get(e);
  const type = computeType(e, known, memo);
  memo?.set(e, type);
  return type;
}

function computeType(e: Expr, known: KnownType, memo: WeakMap<Expr, string | undefined> | undefined): string | undefined {
  const t = (x: Expr): string | undefined => staticType(x, known, memo);
  const op = (x: Expr): string | undefined => operandType(x, known, memo);
  switch (e.kind) {
    case 'column': case 'subquery': return known(e);
    case 'literal': return literalType(e.value);
    case 'parameter': case 'star': return undefined;
    case 'cast': return sqlTypeName(e.type);
    case 'is-null': case 'in-list': case 'between': case 'exists': case 'in-subquery': return 'BOOLEAN';
    case 'unary': return e.op === 'NOT' ? 'BOOLEAN' : op(e.operand);
    case 'binary':
      if (e.op === '||') return 'VARCHAR';
      if (['+', '-', '*', '/', '%'].includes(e.op)) return arithmeticType(e.op, op(e.left), op(e.right));
      return 'BOOLEAN';
    case 'case': return commonType([...e.whens.map((w) => op(w.then)), ...(e.else !== undefined ? [op(e.else)] : [])]);
    case 'window': return t(e.fn);
    case 'function': return callType(e, t, op, known);
    default: return assertNever(e);
  }
}

/** The type of `x` as an operand: the planner casts a numeric aggregate, window or subquery value to DOUBLE. */
export function operandType(x: Expr, known: KnownType, memo?: WeakMap<Expr, string | undefined>): string | undefined {
  const type = staticType(x, known, memo);
  return isUnguardable(x) && typeCategory(type) === 'numeric' ? 'DOUBLE' : type;
}

function sqlTypeName(t: SqlType): string {
  return t.name === 'DECIMAL' ? `DECIMAL(${t.width},${t.scale})` : t.name;
}

function literalType(v: LiteralValue): string | undefined {
  switch (v.type) {
    case 'null': return 'NULL';
    case 'boolean': return 'BOOLEAN';
    case 'integer': return numTypeName(integerLiteral(v.value));
    case 'decimal': {
      const [whole = '', fraction = ''] = v.value.replace('-', '').split('.');
      const p = Math.max(whole.replace(/^0+/, '').length + fraction.length, fraction.length, 1);
      return p > 38 ? 'DOUBLE' : `DECIMAL(${p},${fraction.length})`;
    }
    case 'double': return 'DOUBLE';
    case 'string': return 'VARCHAR';
    case 'date': return 'DATE';
    case 'timestamp': return 'TIMESTAMP';
    case 'interval': return 'INTERVAL';
    default: return assertNever(v);
  }
}

const isInterval = (t: string | undefined): boolean => t?.toUpperCase() === 'INTERVAL';
const isNumeric = (t: string | undefined): boolean => typeCategory(t) === 'numeric';

/** + - * / % as DuckDB types them (the printer's TRY turns an overflow into NULL). */
function arithmeticType(op: string, l: string | undefined, r: string | undefined): string | undefined {
  const [kl, kr] = [temporalKind(l), temporalKind(r)];
  if (kl !== undefined || kr !== undefined || isInterval(l) || isInterval(r)) {
    if (op === '*' || op === '/') return (isInterval(l) && isNumeric(r)) || (op === '*' && isNumeric(l) && isInterval(r)) ? 'INTERVAL' : undefined;
    if (op !== '+' && op !== '-') return undefined;
    if ((kl === 'DATE' && isNumeric(r)) || (op === '+' && isNumeric(l) && kr === 'DATE')) return 'DATE';
    if (op === '-' && kl === 'DATE' && kr === 'DATE') return 'BIGINT';
    if (op === '-' && kl !== undefined && kr !== undefined) return 'INTERVAL';
    const k = kl ?? (op === '+' ? kr : undefined);
    if (k !== undefined && isInterval(kl !== undefined ? r : l)) return k === 'TIMESTAMPTZ' ? 'TIMESTAMPTZ' : 'TIMESTAMP';
    return isInterval(l) && isInterval(r) ? 'INTERVAL' : undefined;
  }
  const [a, b] = [numTypeOfName(l), numTypeOfName(r)];
  if (a === undefined || b === undefined) return undefined;
  if (a.kind === 'null' || b.kind === 'null') return numTypeName(a.kind === 'null' ? b : a);
  if (a.kind === 'float' || b.kind === 'float') return floatName([l, r]);
  if (op === '/') return 'DOUBLE';
  if (a.integer && b.integer) return numTypeName(unify(a, b) ?? a);
  const s = op === '*' ? Math.min(38, a.s + b.s) : Math.max(a.s, b.s);
  const p = op === '*' ? a.p + b.p : Math.max(a.p - a.s, b.p - b.s) + s + 1;
  return `DECIMAL(${Math.min(38, Math.max(p, s))},${s})`;
}

/** FLOAT when every float among `types` is 32-bit, else DOUBLE. */
function floatName(types: readonly (string | undefined)[]): string {
  const floats = types.filter((t) => numTypeOfName(t)?.kind === 'float');
  return floats.length > 0 && floats.every((t) => FLOAT32.has((t ?? '').trim().toUpperCase())) ? 'FLOAT' : 'DOUBLE';
}

/** The type DuckDB unifies several values to (CASE, COALESCE, UNION); undefined when it cannot tell. */
export function commonType(types: readonly (string | undefined)[]): string | undefined {
  if (types.some((t) => t === undefined)) return undefined;
  const real = types.filter((t): t is string => t !== undefined && t.toUpperCase() !== 'NULL');
  const [first] = real;
  if (first === undefined) return 'NULL';
  if (real.every((t) => t.toUpperCase() === first.toUpperCase())) return first;
  if (real.every(isNumeric)) {
    const t = real.map(numTypeOfName).reduce<NumType | undefined>((a, b) => unify(a, b), { kind: 'null' });
    if (t === undefined) return undefined;
    return t.kind === 'float' ? floatName(real) : numTypeName(t);
  }
  if (real.every((t) => typeCategory(t) === 'text')) return 'VARCHAR';
  return undefined;
}

function callType(f: FunctionCall, t: (x: Expr) => string | undefined, op: (x: Expr) => string | undefined, known: KnownType): string | undefined {
  const [a0, a1, a2] = f.args;
  // Aggregate and window arguments keep their type; scalar function arguments are operands.
  const first = a0 === undefined ? undefined : op(a0);
  switch (f.name) {
    case 'count': case 'row_number': case 'rank': case 'dense_rank': case 'length': case 'date_diff': return 'BIGINT';
    case 'avg': case 'stddev': case 'ln': case 'log': case 'sqrt': return 'DOUBLE';
    case 'sum': {
      const n = numTypeOf(f, (r) => known(r));
      return n === undefined ? undefined : numTypeName(n);
    }
    case 'min': case 'max': case 'any_value': case 'lag': case 'lead': return a0 === undefined ? undefined : t(a0);
    case 'abs': case 'nullif': return first;
    case 'string_agg': case 'lower': case 'upper': case 'trim': case 'rtrim': case 'ltrim': case 'substring': case 'to_char': case 'concat':
      return 'VARCHAR';
    case 'ceiling': case 'floor': case 'trunc': case 'round': {
      const n = numTypeOfName(first);
      if (n === undefined || n.kind !== 'exact') return first;
      if (n.integer) return f.name === 'ceiling' || f.name === 'floor' ? 'DOUBLE' : first;
      const digits = f.name === 'round' && a1?.kind === 'literal' && a1.value.type === 'integer' ? Number(a1.value.value) : 0;
      return `DECIMAL(${n.p},${Math.min(Math.max(digits, 0), n.s)})`;
    }
    case 'extract': {
      const unit = a0?.kind === 'literal' && a0.value.type === 'string' ? a0.value.value.toLowerCase() : '';
      return unit === 'epoch' || unit === 'julian' ? 'DOUBLE' : 'BIGINT';
    }
    case 'to_number': {
      const scale = a1?.kind === 'literal' && a1.value.type === 'string' ? toNumberScale(a1.value.value) : undefined;
      return `DECIMAL(38,${scale ?? 0})`;
    }
    case 'current_date': case 'to_date': return 'DATE';
    case 'getdate': case 'to_timestamp': case 'date_trunc': return 'TIMESTAMP';
    case 'dateadd': {
      const k = temporalKind(a2 === undefined ? undefined : op(a2));
      return k === undefined ? undefined : k === 'TIMESTAMPTZ' ? 'TIMESTAMPTZ' : 'TIMESTAMP';
    }
    case 'coalesce': case 'least': case 'greatest': return commonType(f.args.map(op));
    default: return undefined;
  }
}

/** One of two values that meet; `expr` lets literals and planner-cast operands count as what the engine sees. */
export interface Side {
  readonly type: string | undefined;
  readonly expr?: Expr;
}

export interface CastProblem {
  readonly message: string;
  readonly hint: string;
}

const EXPLICIT = 'CAST(x AS type) is printed as TRY_CAST and cannot fail';

/**
 * Why making two values one type (`what`: a comparison, IN list, CASE, COALESCE, UNION
 * ALL column, ...) needs an implicit cast that fails on some values; undefined when
 * none can. Category mismatches (text vs number) are reported too.
 */
export function unificationProblem(what: string, a: Side, b: Side): CastProblem | undefined {
  const [ca, cb] = [sideCategory(a), sideCategory(b)];
  const [ka, kb] = [temporalKind(a.type), temporalKind(b.type)];
  if ((ca === 'date' || ca === 'timestamp') && (cb === 'date' || cb === 'timestamp') && ka !== kb) {
    const [x, y] = [ka ?? (ca === 'date' ? 'DATE' : 'TIMESTAMP'), kb ?? (cb === 'date' ? 'DATE' : 'TIMESTAMP')];
    if (x !== y) {
      return {
        message: `this ${what} mixes ${x} and ${y}; the engine would convert one side implicitly, which fails on values outside the other type's range`,
        hint: `cast one side explicitly, e.g. CAST(d AS ${ca === 'date' ? y : x}): ${EXPLICIT}`,
      };
    }
  }
  if (ca !== cb && ca !== 'unknown' && cb !== 'unknown' && ca !== 'null' && cb !== 'null') {
    return {
      message: `this ${what} mixes ${ca} and ${cb}; the clean room does not rely on implicit casts`,
      hint: `cast one side explicitly, e.g. CAST(x AS ${ca === 'text' || cb === 'text' ? 'VARCHAR' : 'DOUBLE'}): ${EXPLICIT}`,
    };
  }
  if ((ca === 'text' && cb === 'unknown') || (ca === 'unknown' && cb === 'text')) {
    const other = ca === 'text' ? b.type : a.type;
    return {
      message: `this ${what} mixes text and ${other === undefined ? 'a value of unknown type' : other}; the engine would convert the text implicitly, which fails on values that do not parse`,
      hint: `cast the other side explicitly, e.g. CAST(x AS VARCHAR): ${EXPLICIT}`,
    };
  }
  if (ca !== 'numeric' || cb !== 'numeric') return undefined;
  const [na, nb] = [sideNumType(a), sideNumType(b)];
  const risk = unificationRisk(na, nb);
  if (risk === undefined) return undefined;
  const shown = (s: Side, n: NumType | undefined): string => (n?.kind === 'exact' && isIntegerLiteral(s.expr) ? `an integer literal of ${n.p} digits` : s.type ?? 'a number of unknown type');
  return {
    message: risk === 'unknown'
      ? `this ${what} mixes ${shown(a, na)} and ${shown(b, nb)}; the clean room cannot tell whether the engine's implicit cast to one type fits every value`
      : `this ${what} mixes ${shown(a, na)} and ${shown(b, nb)}; the engine would convert both to one type that cannot hold every value of both, and fail on large values`,
    hint: `cast one side explicitly, e.g. CAST(x AS DOUBLE): ${EXPLICIT}`,
  };
}

function sideCategory(s: Side): TypeCategory {
  return isIntegerLiteral(s.expr) ? 'numeric' : typeCategory(s.type);
}

function isIntegerLiteral(e: Expr | undefined): boolean {
  if (e?.kind === 'unary' && e.op !== 'NOT') return isIntegerLiteral(e.operand);
  return e?.kind === 'literal' && e.value.type === 'integer';
}

/**
 * The numeric type the engine unifies: an integer literal adapts to the other side (its
 * digits must fit), the printer compares decimal literals and integer literals of 20 or
 * more digits as DOUBLE (print-expression.ts `comparand`), the planner casts numeric
 * aggregate, window and subquery operands to DOUBLE.
 */
function sideNumType(s: Side): NumType | undefined {
  const e = s.expr;
  const literal = e?.kind === 'unary' && e.op !== 'NOT' ? e.operand : e;
  if (literal?.kind === 'literal') {
    if (literal.value.type === 'decimal' || literal.value.type === 'double') return { kind: 'float' };
    if (literal.value.type === 'integer') {
      const digits = literal.value.value.replace('-', '').replace(/^0+(?=\d)/, '').length;
      return digits >= 20 ? { kind: 'float' } : { kind: 'exact', p: digits, s: 0, integer: true };
    }
  }
  if (e !== undefined && isUnguardable(e)) return { kind: 'float' };
  return numTypeOfName(s.type);
}

/** What of an expression, besides its type, unificationProblem looks at: literal digits, planner casts. */
export function sideKey(e: Expr | undefined): string {
  const t = e === undefined ? undefined : sideNumType({ type: undefined, expr: e });
  if (t?.kind === 'exact') return `literal:${t.p}`;
  if (t?.kind === 'float') return 'double';
  return isIntegerLiteral(e) ? 'integer' : '';
}

/** 'overflow' when the common type DuckDB picks cannot hold every value of both types. */
export function unificationRisk(a: NumType | undefined, b: NumType | undefined): 'overflow' | 'unknown' | undefined {
  if (a?.kind === 'null' || b?.kind === 'null' || a?.kind === 'float' || b?.kind === 'float') return undefined;
  if (a === undefined || b === undefined) return 'unknown';
  const u128 = (x: NumType & { kind: 'exact' }): boolean => x.unsigned === true && x.p >= 39;
  if (a.integer && b.integer) return u128(a) !== u128(b) && (a.unsigned !== true || b.unsigned !== true) ? 'overflow' : undefined;
  const whole = Math.max(a.p - a.s, b.p - b.s);
  return whole + Math.max(a.s, b.s) > 38 ? 'overflow' : undefined;
}

/**
 * Why casting a value of `from` to the type `to` (LAG/LEAD cast their default to the
 * value's type) can fail on some values; undefined when it cannot.
 */
export function castProblem(from: Side, to: Side): CastProblem | undefined {
  if (typeCategory(from.type) === 'null') return undefined;
  const [cf, ct] = [sideCategory(from), typeCategory(to.type)];
  const literal = isIntegerLiteral(from.expr);
  const shownFrom = literal ? 'this integer literal' : from.type ?? 'a value of unknown type';
  const fail = (): CastProblem => ({
    message: `the engine would convert ${shownFrom} to ${to.type ?? 'an unknown type'} (the value's type), which can fail on some values`,
    hint: `give it the value's type${to.type !== undefined ? `, e.g. CAST(x AS ${to.type})` : ''} (${EXPLICIT}), or write COALESCE(LAG(x), default)`,
  });
  if (cf === 'unknown' || ct === 'unknown' || cf !== ct) {
    return cf === ct && from.type !== undefined && from.type.toUpperCase() === to.type?.toUpperCase() ? undefined : fail();
  }
  if (cf === 'date' || cf === 'timestamp') return temporalKind(from.type) === temporalKind(to.type) ? undefined : fail();
  if (cf !== 'numeric') return undefined;
  const digits = literal ? literalDigits(from.expr) : undefined;
  const f: NumType | undefined = digits !== undefined ? { kind: 'exact', p: digits, s: 0, integer: true } : numTypeOfName(from.type);
  const t = numTypeOfName(to.type);
  if (f === undefined || t === undefined) return fail();
  return fits(f, t, { negative: literal && from.expr?.kind === 'unary' && from.expr.op === '-', literal, from: from.type, to: to.type }) ? undefined : fail();
}

function literalDigits(e: Expr | undefined): number | undefined {
  if (e?.kind === 'unary' && e.op !== 'NOT') return literalDigits(e.operand);
  return e?.kind === 'literal' && e.value.type === 'integer' ? e.value.value.replace('-', '').replace(/^0+(?=\d)/, '').length : undefined;
}

const isFloat32 = (name: string | undefined): boolean => FLOAT32.has((name ?? '').trim().toUpperCase());

function fits(f: NumType, t: NumType, how: { negative: boolean; literal: boolean; from: string | undefined; to: string | undefined }): boolean {
  if (f.kind === 'null') return true;
  if (t.kind === 'null') return false;
  // DOUBLE -> FLOAT overflows; any exact number fits a FLOAT's range (up to 3.4e38).
  if (t.kind === 'float') return f.kind === 'exact' || !isFloat32(how.to) || isFloat32(how.from);
  if (f.kind === 'float') return false;
  const whole = f.integer ? f.p : f.p - f.s;
  if (!t.integer) return whole <= t.p - t.s;
  if (t.unsigned === true && (how.negative || (f.unsigned !== true && !how.literal))) return false;
  // An integer type of p digits holds every number of p - 1 digits.
  if (how.literal || !f.integer) return whole <= t.p - 1;
  return f.unsigned === true && t.unsigned !== true ? f.p < t.p : f.p <= t.p;
}
