/**
 * DuckDB parse-tree expressions -> clean-room Expr. Closed: any expression class,
 * operator or set field not handled here is refused.
 */
import type { BinaryOperator, Expr, Literal } from './ast.ts';
import { type ConvertContext, refusal } from './convert-context.ts';
import { convertFunction } from './convert-function.ts';
import {
  convertConstantValue, convertType, parseDateText, parseIntervalText, parseTimestampText,
} from './convert-literal.ts';
import { convertWindow } from './convert-window.ts';
import { type JsonObject, arr, expectOnly, obj, optObj, position, str, unsupported } from './json-node.ts';

const COMPARISONS: Readonly<Record<string, BinaryOperator>> = {
  COMPARE_EQUAL: '=', COMPARE_NOTEQUAL: '<>', COMPARE_LESSTHAN: '<', COMPARE_LESSTHANOREQUALTO: '<=',
  COMPARE_GREATERTHAN: '>', COMPARE_GREATERTHANOREQUALTO: '>=',
  COMPARE_DISTINCT_FROM: 'IS DISTINCT FROM', COMPARE_NOT_DISTINCT_FROM: 'IS NOT DISTINCT FROM',
};

/** SQL functions DuckDB's parser turns into bare column names (`SELECT current_date`). */
const KEYWORD_FUNCTIONS = new Set(['current_date', 'current_timestamp']);

export function convertExprList(v: unknown, ctx: ConvertContext): Expr[] {
  return arr(v, 'expression list').map((e) => convertExpr(obj(e, 'expression'), ctx));
}

export function convertExpr(node: JsonObject, ctx: ConvertContext): Expr {
  const cls = str(node, 'class');
  const pos = position(node);
  switch (cls) {
    case 'COLUMN_REF':
      return convertColumnRef(node, ctx);
    case 'CONSTANT':
      expectOnly(node, ['value'], 'this constant');
      return literal(node, ctx);
    case 'PARAMETER': {
      expectOnly(node, ['identifier'], 'this parameter');
      if (str(node, 'type') !== 'VALUE_PARAMETER') throw unsupported('this kind of parameter', pos);
      return { kind: 'parameter', name: str(node, 'identifier'), pos };
    }
    case 'STAR': {
      expectOnly(node, ['relation_name'], 'this *');
      const table = node['relation_name'];
      return typeof table === 'string' && table !== ''
        ? { kind: 'star', table: table.toLowerCase(), pos }
        : { kind: 'star', pos };
    }
    case 'FUNCTION':
      return convertFunction(node, ctx);
    case 'WINDOW':
      return convertWindow(node, ctx);
    case 'COMPARISON': {
      expectOnly(node, ['left', 'right'], 'this comparison');
      const op = COMPARISONS[str(node, 'type')];
      if (op === undefined) throw unsupported(`the comparison ${str(node, 'type')}`, pos);
      return binary(op, node, ctx);
    }
    case 'CONJUNCTION': {
      expectOnly(node, ['children'], 'AND/OR');
      const op = str(node, 'type') === 'CONJUNCTION_AND' ? 'AND' : str(node, 'type') === 'CONJUNCTION_OR' ? 'OR' : undefined;
      if (op === undefined) throw unsupported(str(node, 'type'), pos);
      const terms = convertExprList(node['children'], ctx);
      if (terms.length === 0) throw unsupported('an empty AND/OR', pos);
      return balancedChain(op, terms, pos);
    }
    case 'OPERATOR':
      return convertOperator(node, ctx);
    case 'BETWEEN': {
      expectOnly(node, ['input', 'lower', 'upper'], 'BETWEEN');
      return {
        kind: 'between', negated: false, pos,
        operand: convertExpr(obj(node['input'], 'between input'), ctx),
        low: convertExpr(obj(node['lower'], 'between lower'), ctx),
        high: convertExpr(obj(node['upper'], 'between upper'), ctx),
      };
    }
    case 'CASE':
      return convertCase(node, ctx);
    case 'CAST':
      return convertCast(node, ctx);
    case 'SUBQUERY':
      return convertSubquery(node, ctx);
    default:
      throw unsupported(`the expression ${cls === 'COLLATE' ? 'COLLATE' : cls.toLowerCase()}`, pos);
  }
}

function literal(node: JsonObject, ctx: ConvertContext): Literal {
  return { kind: 'literal', value: convertConstantValue(node, ctx.sqlText), pos: position(node) };
}

function binary(op: BinaryOperator, node: JsonObject, ctx: ConvertContext): Expr {
  return {
    kind: 'binary', op, pos: position(node),
    left: convertExpr(obj(node['left'], 'left'), ctx),
    right: convertExpr(obj(node['right'], 'right'), ctx),
  };
}

function convertColumnRef(node: JsonObject, ctx: ConvertContext): Expr {
  expectOnly(node, ['column_names'], 'this column reference');
  const pos = position(node);
  const names = arr(node['column_names'], 'column names').map((n) => (typeof n === 'string' ? n : ''));
  const [a, b] = names;
  if (names.length === 1 && a !== undefined) {
    const quoted = pos !== undefined && ctx.sqlText[pos] === '"';
    if (!quoted && KEYWORD_FUNCTIONS.has(a.toLowerCase())) {
      const name = a.toLowerCase() === 'current_date' ? 'current_date' : 'getdate';
      return { kind: 'function', name, args: [], distinct: false, pos };
    }
    return { kind: 'column', name: a.toLowerCase(), pos };
  }
  if (names.length === 2 && a !== undefined && b !== undefined) {
    return { kind: 'column', table: a.toLowerCase(), name: b.toLowerCase(), pos };
  }
  throw refusal(
    'system-catalog-not-allowed',
    `Column names may be qualified by a table alias only, not by a schema or catalog: ${names.join('.')}.`,
    pos,
    'Write alias.column, using a table of the collaboration.',
  );
}

function convertOperator(node: JsonObject, ctx: ConvertContext): Expr {
  expectOnly(node, ['children'], 'this operator');
  const pos = position(node);
  const type = str(node, 'type');
  const children = arr(node['children'], 'operator children').map((c) => obj(c, 'operand'));
  const only = (): JsonObject => {
    const [c] = children;
    if (c === undefined || children.length !== 1) throw unsupported(type, pos);
    return c;
  };
  switch (type) {
    case 'OPERATOR_NOT': {
      const operand = convertExpr(only(), ctx);
      // NOT EXISTS / NOT IN (subquery) / NOT BETWEEN arrive as NOT over the positive form.
      if (operand.kind === 'exists' || operand.kind === 'in-subquery' || operand.kind === 'between') {
        return { ...operand, negated: !operand.negated };
      }
      return { kind: 'unary', op: 'NOT', operand, pos };
    }
    case 'OPERATOR_IS_NULL':
    case 'OPERATOR_IS_NOT_NULL':
      return { kind: 'is-null', operand: convertExpr(only(), ctx), negated: type === 'OPERATOR_IS_NOT_NULL', pos };
    case 'COMPARE_IN':
    case 'COMPARE_NOT_IN': {
      const [operand, ...list] = children.map((c) => convertExpr(c, ctx));
      if (operand === undefined || list.length === 0) throw unsupported('an empty IN list', pos);
      return { kind: 'in-list', operand, list, negated: type === 'COMPARE_NOT_IN', pos };
    }
    case 'OPERATOR_COALESCE':
      return { kind: 'function', name: 'coalesce', args: children.map((c) => convertExpr(c, ctx)), distinct: false, pos };
    default:
      throw unsupported(`the operator ${type}`, pos);
  }
}

function convertCase(node: JsonObject, ctx: ConvertContext): Expr {
  expectOnly(node, ['case_checks', 'else_expr'], 'CASE');
  const whens = arr(node['case_checks'], 'case checks').map((c) => {
    const check = obj(c, 'case check');
    return {
      when: convertExpr(obj(check['when_expr'], 'when'), ctx),
      then: convertExpr(obj(check['then_expr'], 'then'), ctx),
    };
  });
  const elseNode = optObj(node, 'else_expr');
  const elseExpr = elseNode === undefined ? undefined : convertExpr(elseNode, ctx);
  // The parser writes an implicit ELSE NULL (without a position) when none was given.
  const implicitNull = elseExpr?.kind === 'literal' && elseExpr.value.type === 'null' && elseExpr.pos === undefined;
  return elseExpr === undefined || implicitNull
    ? { kind: 'case', whens, pos: position(node) }
    : { kind: 'case', whens, else: elseExpr, pos: position(node) };
}

function convertCast(node: JsonObject, ctx: ConvertContext): Expr {
  expectOnly(node, ['child', 'cast_type', 'try_cast'], 'this cast');
  const pos = position(node);
  const child = obj(node['child'], 'cast child');
  const type = convertType(obj(node['cast_type'], 'cast type'), pos);
  const operand = convertExpr(child, ctx);
  // TRUE/FALSE, DATE '...', TIMESTAMP '...' and INTERVAL '...' are casts of text.
  if (operand.kind === 'literal' && operand.value.type === 'string') {
    const text = operand.value.value;
    const lit = (value: Literal['value'] | undefined): Literal | undefined =>
      value === undefined ? undefined : { kind: 'literal', value, pos: operand.pos };
    let folded: Literal | undefined;
    if (type.name === 'BOOLEAN' && (text === 't' || text === 'f')) folded = lit({ type: 'boolean', value: text === 't' });
    else if (type.name === 'DATE') { const d = parseDateText(text); folded = lit(d === undefined ? undefined : { type: 'date', value: d }); }
    else if (type.name === 'TIMESTAMP') { const t = parseTimestampText(text); folded = lit(t === undefined ? undefined : { type: 'timestamp', value: t }); }
    else if (type.name === 'INTERVAL') folded = lit(parseIntervalText(text));
    if (folded !== undefined) return folded;
  }
  if (type.name === 'INTERVAL') throw unsupported('an INTERVAL other than INTERVAL n UNIT', pos);
  return { kind: 'cast', operand, type, pos };
}

function convertSubquery(node: JsonObject, ctx: ConvertContext): Expr {
  expectOnly(node, ['subquery_type', 'subquery', 'child', 'comparison_type'], 'this subquery');
  const pos = position(node);
  const query = ctx.query(obj(node['subquery'], 'subquery'));
  switch (str(node, 'subquery_type')) {
    case 'SCALAR':
      return { kind: 'subquery', query, pos };
    case 'EXISTS':
      return { kind: 'exists', query, negated: false, pos };
    case 'NOT_EXISTS':
      return { kind: 'exists', query, negated: true, pos };
    case 'ANY': {
      if (node['comparison_type'] !== 'COMPARE_EQUAL') throw unsupported('ANY/ALL comparisons with a subquery', pos);
      const operand = convertExpr(obj(node['child'], 'IN operand'), ctx);
      return { kind: 'in-subquery', operand, query, negated: false, pos };
    }
    default:
      throw unsupported(`a ${str(node, 'subquery_type')} subquery`, pos);
  }
}

/**
 * DuckDB hands a chain `a OR b OR c ...` over as one flat list. A left-deep tree of
 * thousands of terms would overflow every recursive walker's stack; AND and OR are
 * associative, so a balanced tree means the same and stays log2(n) deep.
 */
function balancedChain(op: 'AND' | 'OR', terms: readonly Expr[], pos: number | undefined): Expr {
  if (terms.length === 1) return terms[0] as Expr;
  const middle = Math.floor(terms.length / 2);
  return {
    kind: 'binary',
    op,
    left: balancedChain(op, terms.slice(0, middle), pos),
    right: balancedChain(op, terms.slice(middle), pos),
    pos,
  };
}
