/**
 * FUNCTION nodes: operators DuckDB spells as functions (`+`, `~~` for LIKE, ...), and
 * calls checked against the allowlist in functions.ts, with the parser pitfalls of
 * RULES.md repaired here (DATEADD(day, ...) and CONVERT(int, ...) read as columns).
 */
import type { BinaryOperator, Expr, FunctionCall, Literal } from './ast.ts';
import { type ConvertContext, refusal } from './convert-context.ts';
import { convertExpr } from './convert-expression.ts';
import { convertIntervalFunction, convertTypeName, isIntervalFunction } from './convert-literal.ts';
import { EXTRACT_UNITS, PERIOD_UNITS, type DateUnit, normalizeDateUnit, toNumberScale, toStrftime } from './date-format.ts';
import { type FunctionSpec, functionBySpelling } from './functions.ts';
import { type JsonObject, arr, expectOnly, obj, position, str, unsupported } from './json-node.ts';

const BINARY_OPERATORS: Readonly<Record<string, BinaryOperator>> = {
  '+': '+', '-': '-', '*': '*', '/': '/', '%': '%', '||': '||',
  '~~': 'LIKE', '!~~': 'NOT LIKE', '~~*': 'ILIKE', '!~~*': 'NOT ILIKE',
};

/** Fields of a FUNCTION node that the converter models. */
const FUNCTION_FIELDS = ['function_name', 'children', 'distinct', 'is_operator', 'schema'];

export function convertFunction(node: JsonObject, ctx: ConvertContext): Expr {
  expectOnly(node, FUNCTION_FIELDS, `the function ${String(node['function_name'])}`);
  const pos = position(node);
  const name = str(node, 'function_name').toLowerCase();
  const schema = node['schema'];
  // The parser itself writes schema "main" for EXTRACT, TRIM, SUBSTRING and list syntax.
  if (schema !== undefined && schema !== '' && schema !== 'main') {
    throw refusal('system-catalog-not-allowed', `Functions may not be schema-qualified (${String(schema)}.${name}).`, pos);
  }
  const rawArgs = arr(node['children'], 'function arguments').map((c) => obj(c, 'argument'));
  const distinct = node['distinct'] === true;

  const op = BINARY_OPERATORS[name];
  if (op !== undefined && node['is_operator'] === true) {
    const args = rawArgs.map((a) => convertExpr(a, ctx));
    const [left, right] = args;
    if (args.length === 1 && left !== undefined && (name === '-' || name === '+')) {
      return { kind: 'unary', op: name, operand: left, pos };
    }
    if (args.length !== 2 || left === undefined || right === undefined) throw unsupported(`the operator ${name}`, pos);
    return { kind: 'binary', op, left, right, pos };
  }
  if (node['is_operator'] === true) throw unsupported(`the operator ${name}`, pos);

  if (name === 'count_star') return { kind: 'function', name: 'count', args: [], distinct: false, star: true, pos };
  if (isIntervalFunction(name)) return { kind: 'literal', value: convertIntervalFunction(name, node, ctx.sqlText), pos };
  if (name === 'convert') return convertConvert(rawArgs, ctx, pos);

  const spec = functionBySpelling(name);
  if (spec === undefined) {
    throw refusal('function-not-allowed', `The function ${name} is not on the clean room's allowlist.`, pos,
      'See docs/functions.md for the allowed functions.');
  }
  if (spec.kind === 'window') throw unsupported(`${name} without OVER (...)`, pos);
  if (distinct && spec.kind !== 'aggregate') throw unsupported(`DISTINCT inside ${name}`, pos);
  return buildCall(spec, rawArgs, distinct, pos, ctx);
}

/** Checks arity and the literal arguments some functions need, then builds the call. */
export function buildCall(
  spec: FunctionSpec, rawArgs: readonly JsonObject[], distinct: boolean, pos: number | undefined, ctx: ConvertContext,
): FunctionCall {
  if (rawArgs.length < spec.minArgs || rawArgs.length > spec.maxArgs) {
    const range = spec.minArgs === spec.maxArgs ? `${spec.minArgs}` : `${spec.minArgs} to ${spec.maxArgs}`;
    throw refusal('unsupported-syntax', `${spec.name.toUpperCase()} takes ${range} argument(s).`, pos);
  }
  const call = (args: Expr[]): FunctionCall => ({ kind: 'function', name: spec.name, args, distinct, pos });
  const rest = (from: number): Expr[] => rawArgs.slice(from).map((a) => convertExpr(a, ctx));
  const [first, second] = rawArgs;
  switch (spec.name) {
    case 'dateadd':
    case 'date_diff':
      return call([unitArg(first, PERIOD_UNITS, spec.name, true, ctx), ...rest(1)]);
    case 'extract':
    case 'date_trunc':
      return call([unitArg(first, spec.name === 'extract' ? EXTRACT_UNITS : PERIOD_UNITS, spec.name, false, ctx), ...rest(1)]);
    case 'to_char':
    case 'to_date':
    case 'to_timestamp':
      return call([...rest(0).slice(0, 1), formatArg(second, spec.name, ctx)]);
    case 'to_number': {
      const fmt = stringLiteral(second, ctx);
      if (fmt === undefined || toNumberScale(fmt.text) === undefined) {
        throw refusal('unsupported-syntax', 'TO_NUMBER needs a literal format of 9, 0, D and G (for example \'99999D99\').', pos);
      }
      return call([...rest(0).slice(0, 1), fmt.literal]);
    }
    default:
      return call(rest(0));
  }
}

function stringLiteral(node: JsonObject | undefined, ctx: ConvertContext): { text: string; literal: Literal } | undefined {
  if (node === undefined || node['class'] !== 'CONSTANT') return undefined;
  const e = convertExpr(node, ctx);
  return e.kind === 'literal' && e.value.type === 'string' ? { text: e.value.value, literal: e } : undefined;
}

/**
 * A date unit argument: a string literal, or (DATEADD/DATEDIFF) a bare word that
 * DuckDB's parser reads as a column name.
 */
function unitArg(
  node: JsonObject | undefined, allowed: readonly DateUnit[], fn: string, bareWord: boolean, ctx: ConvertContext,
): Literal {
  const pos = node === undefined ? undefined : position(node);
  let text: string | undefined;
  if (node !== undefined && bareWord && node['class'] === 'COLUMN_REF') {
    const names = arr(node['column_names'], 'unit');
    if (names.length === 1 && typeof names[0] === 'string') text = names[0];
  } else {
    text = stringLiteral(node, ctx)?.text;
  }
  const unit = text === undefined ? undefined : normalizeDateUnit(text, allowed);
  if (unit === undefined) {
    throw refusal('unsupported-syntax', `${fn.toUpperCase()} needs a literal date unit, one of ${allowed.join(', ')}.`, pos);
  }
  return { kind: 'literal', value: { type: 'string', value: unit }, pos };
}

/** A literal date format, translated to strftime and checked (unknown directives raise). */
function formatArg(node: JsonObject | undefined, fn: string, ctx: ConvertContext): Literal {
  const lit = stringLiteral(node, ctx);
  const translated = lit === undefined ? undefined : toStrftime(lit.text);
  if (lit === undefined || translated === undefined) {
    throw refusal('unsupported-syntax',
      `${fn.toUpperCase()} needs a literal format such as 'YYYY-MM-DD' or '%Y-%m-%d' with known fields only.`,
      node === undefined ? undefined : position(node));
  }
  return { kind: 'literal', value: { type: 'string', value: translated }, pos: lit.literal.pos };
}

/** CONVERT(type, x): DuckDB reads `type` as a column name (or a string). */
function convertConvert(rawArgs: readonly JsonObject[], ctx: ConvertContext, pos: number | undefined): Expr {
  const [typeNode, valueNode] = rawArgs;
  let typeName: string | undefined;
  if (typeNode?.['class'] === 'COLUMN_REF') {
    const names = arr(typeNode['column_names'], 'type');
    if (names.length === 1 && typeof names[0] === 'string') typeName = names[0];
  } else {
    typeName = stringLiteral(typeNode, ctx)?.text;
  }
  const type = typeName === undefined ? undefined : convertTypeName(typeName);
  if (rawArgs.length !== 2 || valueNode === undefined || type === undefined) {
    throw refusal('unsupported-syntax', 'CONVERT takes a type name and a value, e.g. CONVERT(int, x).', pos);
  }
  return { kind: 'cast', operand: convertExpr(valueNode, ctx), type, syntax: 'convert', pos };
}
