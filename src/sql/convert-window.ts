/** WINDOW nodes: `f(...) OVER (PARTITION BY ... ORDER BY ... frame)`. */
import type { Expr, FrameBound, FunctionCall, WindowCall, WindowFrame } from './ast.ts';
import { type ConvertContext, refusal } from './convert-context.ts';
import { convertExprList } from './convert-expression.ts';
import { buildCall } from './convert-function.ts';
import { convertOrders } from './convert-order.ts';
import { functionBySpelling } from './functions.ts';
import { type JsonObject, arr, expectOnly, obj, optObj, position, str, unsupported } from './json-node.ts';
import { convertExpr } from './convert-expression.ts';

const WINDOW_FIELDS = [
  'function_name', 'schema', 'children', 'partitions', 'orders', 'start', 'end',
  'start_expr', 'end_expr', 'offset_expr', 'default_expr', 'distinct',
];

export function convertWindow(node: JsonObject, ctx: ConvertContext): WindowCall {
  expectOnly(node, WINDOW_FIELDS, 'this window function', { exclude_clause: 'NO_OTHER' });
  const pos = position(node);
  const name = str(node, 'function_name').toLowerCase();
  const schema = node['schema'];
  if (schema !== undefined && schema !== '') throw refusal('system-catalog-not-allowed', `Functions may not be schema-qualified (${String(schema)}.${name}).`, pos);
  const spec = functionBySpelling(name);
  if (spec === undefined || spec.kind === 'scalar') {
    throw refusal('function-not-allowed', `The window function ${name} is not on the clean room's allowlist.`, pos,
      'See docs/functions.md for the allowed functions.');
  }
  const children = arr(node['children'], 'window arguments').map((c) => obj(c, 'argument'));
  // lag/lead keep offset and default outside `children`.
  for (const key of ['offset_expr', 'default_expr']) {
    const extra = optObj(node, key);
    if (extra !== undefined) children.push(extra);
  }
  const distinct = node['distinct'] === true;
  if (distinct && spec.kind !== 'aggregate') throw unsupported(`DISTINCT inside ${name}`, pos);
  let fn: FunctionCall;
  if (spec.name === 'count' && children.length === 0) {
    fn = { kind: 'function', name: 'count', args: [], distinct: false, star: true, pos };
  } else {
    fn = buildCall(spec, children, distinct, pos, ctx);
  }
  const frame = convertFrame(node, ctx);
  return {
    kind: 'window', fn, pos,
    partitionBy: convertExprList(node['partitions'], ctx),
    orderBy: convertOrders(node['orders'], ctx),
    ...(frame === undefined ? {} : { frame }),
  };
}

function convertFrame(node: JsonObject, ctx: ConvertContext): WindowFrame | undefined {
  const start = str(node, 'start');
  const end = str(node, 'end');
  // The SQL default frame; DuckDB writes it whether or not it was spelled out.
  if (start === 'UNBOUNDED_PRECEDING' && end === 'CURRENT_ROW_RANGE') return undefined;
  const units = new Set<'rows' | 'range'>();
  const bound = (text: string, exprKey: string): FrameBound => {
    if (text === 'UNBOUNDED_PRECEDING') return { type: 'unbounded-preceding' };
    if (text === 'UNBOUNDED_FOLLOWING') return { type: 'unbounded-following' };
    const m = /^(CURRENT_ROW|EXPR_PRECEDING|EXPR_FOLLOWING)_(ROWS|RANGE)$/.exec(text);
    if (m === null) throw unsupported(`the window frame ${text}`, position(node));
    units.add(m[2] === 'ROWS' ? 'rows' : 'range');
    if (m[1] === 'CURRENT_ROW') return { type: 'current-row' };
    const offset: Expr = convertExpr(obj(node[exprKey], 'frame offset'), ctx);
    return { type: m[1] === 'EXPR_PRECEDING' ? 'preceding' : 'following', offset };
  };
  const startBound = bound(start, 'start_expr');
  const endBound = bound(end, 'end_expr');
  if (units.size > 1) throw unsupported('a window frame mixing ROWS and RANGE', position(node));
  // Both ends unbounded: ROWS and RANGE mean the same.
  const [unit] = [...units];
  return { units: unit ?? 'range', start: startBound, end: endBound };
}
