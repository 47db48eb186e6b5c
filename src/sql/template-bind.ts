/**
 * Binding template parameters: every Parameter node of a converted template becomes a
 * typed value in the AST, so a value reaches SQL only through the printer's literal
 * escaping, never as text spliced into the template.
 *
 * A bound value is `Cast(literal, declared type)` (printed `TRY_CAST(... AS TYPE)`, which
 * cannot fail on these literals), so its type is exactly the declared one whatever
 * DuckDB would infer for the bare literal (`5` is an INTEGER, not a BIGINT; '...' would
 * be an untyped string literal). DECIMAL is cast from its exact text, because a decimal
 * literal of 39 digits would be read as a DOUBLE; a DOUBLE -0 is written as `-(0e0)`.
 *
 * @example
 *   const q = convertParsed(await parser.serialize(translated.sql), translated.sql);
 *   const bound = bindParameters(q.value, declarations, { days: '14' });
 *   printQuery(bound.value, duckdbDialect); // ... WHERE ("d" >= TRY_CAST(14 AS INTEGER)) ...
 */
import {
  type Expr, type FrameBound, type FunctionCall, type OrderItem, type Parameter, type Query, type QueryBody,
  type Relation, assertNever,
} from './ast.ts';
import { type Diagnostic, type Result, ok, refuse } from './diagnostic.ts';
import { type ParameterDeclaration, checkDeclaration, parameterSqlType, parseValue } from './template-params.ts';
import type { TranslatedTemplate } from './template-text.ts';

// ---------- one walker over every place an expression can sit ----------

type Replace = (p: Parameter) => Expr;

function mapOpt<T>(v: T | undefined, f: (x: T) => T): { value?: T } {
  return v === undefined ? {} : { value: f(v) };
}

function mapExpr(e: Expr, r: Replace): Expr {
  const m = (x: Expr): Expr => mapExpr(x, r);
  switch (e.kind) {
    case 'parameter': return r(e);
    case 'column': case 'literal': case 'star': return e;
    case 'function': return mapFunction(e, r);
    case 'binary': return { ...e, left: m(e.left), right: m(e.right) };
    case 'unary': case 'is-null': case 'cast': return { ...e, operand: m(e.operand) };
    case 'in-list': return { ...e, operand: m(e.operand), list: e.list.map(m) };
    case 'between': return { ...e, operand: m(e.operand), low: m(e.low), high: m(e.high) };
    case 'case': {
      const operand = mapOpt(e.operand, m).value;
      const otherwise = mapOpt(e.else, m).value;
      return {
        ...e,
        ...(operand === undefined ? {} : { operand }),
        whens: e.whens.map((w) => ({ when: m(w.when), then: m(w.then) })),
        ...(otherwise === undefined ? {} : { else: otherwise }),
      };
    }
    case 'window': {
      const bound = (b: FrameBound): FrameBound => (b.type === 'preceding' || b.type === 'following' ? { ...b, offset: m(b.offset) } : b);
      return {
        ...e,
        fn: mapFunction(e.fn, r),
        partitionBy: e.partitionBy.map(m),
        orderBy: mapOrder(e.orderBy, r),
        ...(e.frame === undefined ? {} : { frame: { ...e.frame, start: bound(e.frame.start), end: bound(e.frame.end) } }),
      };
    }
    case 'subquery': case 'exists': return { ...e, query: mapQuery(e.query, r) };
    case 'in-subquery': return { ...e, operand: m(e.operand), query: mapQuery(e.query, r) };
    default: return assertNever(e);
  }
}

function mapFunction(f: FunctionCall, r: Replace): FunctionCall {
  return { ...f, args: f.args.map((a) => mapExpr(a, r)) };
}

function mapOrder(items: readonly OrderItem[], r: Replace): OrderItem[] {
  return items.map((o) => ({ ...o, expr: mapExpr(o.expr, r) }));
}

function mapRelation(rel: Relation, r: Replace): Relation {
  switch (rel.kind) {
    case 'table': return rel;
    case 'join': {
      const on = mapOpt(rel.on, (x) => mapExpr(x, r)).value;
      return { ...rel, left: mapRelation(rel.left, r), right: mapRelation(rel.right, r), ...(on === undefined ? {} : { on }) };
    }
    case 'subquery-relation': return { ...rel, query: mapQuery(rel.query, r) };
    default: return assertNever(rel);
  }
}

function mapBody(b: QueryBody, r: Replace): QueryBody {
  const m = (x: Expr): Expr => mapExpr(x, r);
  const tail = {
    orderBy: mapOrder(b.orderBy, r),
    ...(b.limit === undefined ? {} : { limit: m(b.limit) }),
    ...(b.offset === undefined ? {} : { offset: m(b.offset) }),
  };
  switch (b.kind) {
    case 'select':
      return {
        ...b,
        items: b.items.map((i) => ({ ...i, expr: m(i.expr) })),
        ...(b.from === undefined ? {} : { from: mapRelation(b.from, r) }),
        ...(b.where === undefined ? {} : { where: m(b.where) }),
        groupBy: b.groupBy.map(m),
        ...(b.having === undefined ? {} : { having: m(b.having) }),
        ...tail,
      };
    case 'set-operation':
      return { ...b, left: mapBody(b.left, r), right: mapBody(b.right, r), ...tail };
    default: return assertNever(b);
  }
}

function mapQuery(q: Query, r: Replace): Query {
  return { ...q, with: q.with.map((c) => ({ ...c, query: mapQuery(c.query, r) })), body: mapBody(q.body, r) };
}

/** Every Parameter node of the query, in tree order (CTEs first). */
export function collectParameters(query: Query): Parameter[] {
  const found: Parameter[] = [];
  mapQuery(query, (p) => { found.push(p); return p; });
  return found;
}

// ---------- checks and binding ----------

function problem(code: string, message: string, hint: string, position?: number, name?: string): Diagnostic {
  return {
    code, rule: 'custom', message, hint,
    ...(name === undefined ? {} : { fragment: `:${name}` }),
    ...(position === undefined ? {} : { position }),
  };
}

/**
 * The declarations checked against the SQL, for template creation and again before each
 * run: each declaration valid and unique, every used parameter declared
 * (`parameter-undeclared`), every declared parameter used (`parameter-unused`).
 * Returns the checked declarations (names lower-cased).
 */
export function checkTemplateParameters(
  query: Query,
  declarations: readonly ParameterDeclaration[],
  /** `translateParameters(...).parameters`: DuckDB's tree carries no parameter positions. */
  found?: TranslatedTemplate['parameters'],
): Result<ParameterDeclaration[]> {
  const checked: ParameterDeclaration[] = [];
  for (const d of declarations) {
    const c = checkDeclaration(d);
    if (!c.ok) return c;
    if (checked.some((x) => x.name === c.value.name)) {
      return refuse(problem('parameter-duplicate', `parameter :${c.value.name} is declared twice`, 'Declare each parameter once.', undefined, c.value.name));
    }
    checked.push(c.value);
  }
  const used = collectParameters(query);
  for (const p of used) {
    const name = p.name.toLowerCase();
    if (!checked.some((d) => d.name === name)) {
      const pos = p.pos ?? found?.find((f) => f.name === name)?.positions[0];
      return refuse(problem('parameter-undeclared', `the SQL uses :${name} but the template declares no such parameter`,
        `Declare it, e.g. --param ${name}:INTEGER.`, pos, name));
    }
  }
  for (const d of checked) {
    if (!used.some((p) => p.name.toLowerCase() === d.name)) {
      return refuse(problem('parameter-unused', `parameter :${d.name} is declared but the SQL never uses it`,
        'Remove the declaration or use the parameter in the SQL.', undefined, d.name));
    }
  }
  return ok(checked);
}

/** The AST form of a parsed value: a cast to the declared type (see the file comment). */
function boundExpression(decl: ParameterDeclaration, literal: Extract<Expr, { kind: 'literal' }>, pos: number | undefined): Expr {
  const v = literal.value;
  const operand: Expr =
    v.type === 'decimal' ? { kind: 'literal', value: { type: 'string', value: v.value } }
    : v.type === 'double' && Object.is(v.value, -0) ? { kind: 'unary', op: '-', operand: { kind: 'literal', value: { type: 'double', value: 0 } } }
    : { kind: 'literal', value: v };
  return { kind: 'cast', operand, type: parameterSqlType(decl), ...(pos === undefined ? {} : { pos }) };
}

/**
 * The template with every parameter replaced by its typed value. `values` are the
 * runner's texts by name (case-insensitive); a missing one takes the default.
 */
export function bindParameters(
  query: Query, declarations: readonly ParameterDeclaration[], values: Readonly<Record<string, string>>,
): Result<Query> {
  const checked = checkTemplateParameters(query, declarations);
  if (!checked.ok) return checked;
  const given = new Map<string, string>();
  for (const [rawName, text] of Object.entries(values)) {
    const name = rawName.toLowerCase();
    if (!checked.value.some((d) => d.name === name)) {
      const known = checked.value.map((d) => `:${d.name}`).join(', ');
      return refuse(problem('parameter-unknown', `the template has no parameter :${rawName}`,
        known === '' ? 'This template takes no parameters.' : `Its parameters are ${known}.`, undefined, rawName));
    }
    if (given.has(name)) return refuse(problem('parameter-duplicate', `parameter :${name} is given twice`, 'Give each parameter once.', undefined, name));
    // Values reach here from JSON bodies too: a number or null is not a text to parse.
    if (typeof text !== 'string') {
      return refuse(problem('parameter-type', `parameter :${name} must be given as text`, 'Give the value as a string, e.g. "30".', undefined, name));
    }
    given.set(name, text);
  }
  const bound = new Map<string, Extract<Expr, { kind: 'literal' }>>();
  for (const d of checked.value) {
    const text = given.get(d.name) ?? d.default;
    if (text === undefined) {
      return refuse(problem('parameter-missing', `parameter :${d.name} has no value and no default`, `Give it with --param ${d.name}=...`, undefined, d.name));
    }
    const literal = parseValue(d, text);
    if (!literal.ok) return literal;
    bound.set(d.name, literal.value);
  }
  return ok(mapQuery(query, (p) => {
    const name = p.name.toLowerCase();
    const decl = checked.value.find((d) => d.name === name);
    const literal = bound.get(name);
    if (decl === undefined || literal === undefined) throw new Error(`Internal error: parameter :${name} escaped the checks`);
    return boundExpression(decl, literal, p.pos);
  }));
}
