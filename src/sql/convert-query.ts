/** SELECT_NODE / SET_OPERATION_NODE / CTEs -> Query. */
import type { CommonTableExpression, Expr, OrderItem, Query, QueryBody, SelectItem } from './ast.ts';
import { type ConvertContext, refusal } from './convert-context.ts';
import { convertExpr, convertExprList } from './convert-expression.ts';
import { convertOrders } from './convert-order.ts';
import { convertFrom } from './convert-relation.ts';
import { type JsonObject, arr, expectOnly, obj, optObj, position, str, unsupported } from './json-node.ts';

export function makeContext(sqlText: string): ConvertContext {
  const ctx: ConvertContext = {
    sqlText,
    // Nested statements arrive as {node, named_param_map}.
    query: (wrapper) => {
      expectOnly(wrapper, ['node', 'named_param_map'], 'this subquery');
      return convertQueryNode(obj(wrapper['node'], 'query node'), ctx);
    },
  };
  return ctx;
}

export function convertQueryNode(node: JsonObject, ctx: ConvertContext): Query {
  const with_ = convertCtes(node, ctx);
  return { kind: 'query', with: with_, body: convertBody(node, ctx), pos: position(node) };
}

function convertCtes(node: JsonObject, ctx: ConvertContext): CommonTableExpression[] {
  const map = optObj(node, 'cte_map');
  if (map === undefined) return [];
  return arr(map['map'], 'cte map').map((entry) => {
    const e = obj(entry, 'cte entry');
    const value = obj(e['value'], 'cte');
    expectOnly(value, ['query'], 'this WITH clause', { materialized: 'CTE_MATERIALIZE_DEFAULT' });
    return { name: str(e, 'key').toLowerCase(), query: ctx.query(obj(value['query'], 'cte query')) };
  });
}

interface Modifiers { distinct: boolean; orderBy: OrderItem[]; limit?: Expr; offset?: Expr }

function convertModifiers(v: unknown, ctx: ConvertContext): Modifiers {
  const out: Modifiers = { distinct: false, orderBy: [] };
  for (const m of arr(v, 'modifiers')) {
    const mod = obj(m, 'modifier');
    const type = str(mod, 'type');
    if (type === 'DISTINCT_MODIFIER') {
      expectOnly(mod, [], 'DISTINCT');
      out.distinct = true;
    } else if (type === 'ORDER_MODIFIER') {
      expectOnly(mod, ['orders'], 'ORDER BY');
      out.orderBy = convertOrders(mod['orders'], ctx);
    } else if (type === 'LIMIT_MODIFIER') {
      expectOnly(mod, ['limit', 'offset'], 'LIMIT');
      const limit = optObj(mod, 'limit');
      const offset = optObj(mod, 'offset');
      if (limit !== undefined) out.limit = convertExpr(limit, ctx);
      if (offset !== undefined) out.offset = convertExpr(offset, ctx);
    } else {
      throw unsupported(type === 'LIMIT_PERCENT_MODIFIER' ? 'LIMIT with a percentage' : type, undefined);
    }
  }
  return out;
}

function convertBody(node: JsonObject, ctx: ConvertContext): QueryBody {
  const type = str(node, 'type');
  const pos = position(node);
  const mods = convertModifiers(node['modifiers'] ?? [], ctx);
  const tail = {
    orderBy: mods.orderBy,
    ...(mods.limit === undefined ? {} : { limit: mods.limit }),
    ...(mods.offset === undefined ? {} : { offset: mods.offset }),
  };
  if (type === 'SET_OPERATION_NODE') {
    expectOnly(node, ['modifiers', 'cte_map', 'setop_type', 'setop_all', 'left', 'right'], 'this set operation');
    if (mods.distinct) throw unsupported('DISTINCT on a set operation', pos);
    const setop = str(node, 'setop_type');
    const all = node['setop_all'] === true;
    let op: 'union' | 'union-all' | 'intersect' | 'except';
    if (setop === 'UNION') op = all ? 'union-all' : 'union';
    else if ((setop === 'INTERSECT' || setop === 'EXCEPT') && !all) op = setop === 'INTERSECT' ? 'intersect' : 'except';
    else throw unsupported(`${setop.replaceAll('_', ' ')}${all ? ' ALL' : ''}`, pos);
    return { kind: 'set-operation', op, left: nested(node['left'], ctx), right: nested(node['right'], ctx), ...tail, pos };
  }
  if (type !== 'SELECT_NODE') throw refusal('not-a-select', `Only SELECT queries are allowed (got ${type}).`, pos);
  expectOnly(node, ['modifiers', 'cte_map', 'select_list', 'from_table', 'where_clause', 'group_expressions', 'group_sets', 'having'], 'this SELECT', { aggregate_handling: 'STANDARD_HANDLING' });
  const groupBy = convertExprList(node['group_expressions'] ?? [], ctx);
  checkGroupSets(node['group_sets'], groupBy.length, pos);
  const from = convertFrom(obj(node['from_table'], 'from'), ctx);
  const where = optObj(node, 'where_clause');
  const having = optObj(node, 'having');
  return {
    kind: 'select',
    distinct: mods.distinct,
    items: arr(node['select_list'], 'select list').map((i) => convertSelectItem(obj(i, 'select item'), ctx)),
    ...(from === undefined ? {} : { from }),
    ...(where === undefined ? {} : { where: convertExpr(where, ctx) }),
    groupBy,
    ...(having === undefined ? {} : { having: convertExpr(having, ctx) }),
    ...tail,
    pos,
  };
}

/** A set-operation side: a bare node that may carry its own WITH (kept as a subquery). */
function nested(v: unknown, ctx: ConvertContext): QueryBody {
  const node = obj(v, 'set operation side');
  const query = convertQueryNode(node, ctx);
  if (query.with.length > 0) throw unsupported('WITH inside one side of a set operation', position(node));
  return query.body;
}

function convertSelectItem(node: JsonObject, ctx: ConvertContext): SelectItem {
  const alias = node['alias'];
  const expr = convertExpr({ ...node, alias: '' }, ctx);
  return typeof alias === 'string' && alias !== '' ? { expr, alias: alias.toLowerCase() } : { expr };
}

/** Plain GROUP BY is one grouping set listing every expression; anything else is ROLLUP/CUBE/GROUPING SETS. */
function checkGroupSets(v: unknown, count: number, pos: number | undefined): void {
  const sets = arr(v ?? [], 'group sets');
  if (count === 0 && sets.length === 0) return;
  const [only] = sets;
  const plain = sets.length === 1 && Array.isArray(only) && only.length === count && only.every((x, i) => x === i);
  if (!plain) throw unsupported('GROUPING SETS, ROLLUP or CUBE', pos);
}
