/** FROM clauses: tables, joins and subqueries. Everything else is refused. */
import type { JoinType, Relation } from './ast.ts';
import { type ConvertContext, refusal } from './convert-context.ts';
import { convertExpr } from './convert-expression.ts';
import { type JsonObject, expectOnly, obj, optObj, position, str, unsupported } from './json-node.ts';

/** Names that reach DuckDB's own catalogs rather than a collaboration table. */
const SYSTEM_NAME = /^(information_schema|pg_catalog|pg_\w+|duckdb_\w+|sqlite_\w+)$/;

/** Undefined for `SELECT` without FROM. */
export function convertFrom(node: JsonObject, ctx: ConvertContext): Relation | undefined {
  if (str(node, 'type') === 'EMPTY') {
    expectOnly(node, [], 'this FROM clause');
    return undefined;
  }
  return convertRelation(node, ctx);
}

function convertRelation(node: JsonObject, ctx: ConvertContext): Relation {
  const type = str(node, 'type');
  const pos = position(node);
  const alias = typeof node['alias'] === 'string' && node['alias'] !== '' ? node['alias'].toLowerCase() : undefined;
  switch (type) {
    case 'BASE_TABLE': {
      const name = str(node, 'table_name').toLowerCase();
      for (const key of ['schema_name', 'catalog_name']) {
        const q = node[key];
        if (typeof q === 'string' && q !== '') {
          throw refusal('system-catalog-not-allowed',
            `Tables may not be qualified by a schema or catalog (${q}.${name}); use the collaboration's table names.`, pos);
        }
      }
      expectOnly(node, ['table_name', 'alias', 'schema_name', 'catalog_name'], 'this table reference');
      if (SYSTEM_NAME.test(name)) {
        throw refusal('system-catalog-not-allowed', `The system catalog ${name} is not a table of the collaboration.`, pos);
      }
      return alias === undefined ? { kind: 'table', name, pos } : { kind: 'table', name, alias, pos };
    }
    case 'SUBQUERY': {
      expectOnly(node, ['subquery', 'alias'], 'this subquery in FROM');
      if (alias === undefined) throw refusal('unsupported-syntax', 'A subquery in FROM needs an alias.', pos);
      return { kind: 'subquery-relation', query: ctx.query(obj(node['subquery'], 'subquery')), alias, pos };
    }
    case 'JOIN':
      return convertJoin(node, ctx);
    case 'TABLE_FUNCTION': {
      const fn = optObj(node, 'function');
      const name = fn === undefined ? 'a table function' : String(fn['function_name']);
      throw refusal('table-function-not-allowed', `Table functions such as ${name} cannot be used; query the collaboration's tables.`, pos);
    }
    case 'EXPRESSION_LIST':
      throw unsupported('VALUES lists', pos);
    default:
      throw unsupported(`${type.toLowerCase().replaceAll('_', ' ')} in FROM`, pos);
  }
}

const JOIN_TYPES: Readonly<Record<string, JoinType>> = { INNER: 'inner', LEFT: 'left', RIGHT: 'right', OUTER: 'full', FULL: 'full' };

function convertJoin(node: JsonObject, ctx: ConvertContext): Relation {
  const pos = position(node);
  const refType = str(node, 'ref_type');
  const named: Readonly<Record<string, string>> = { NATURAL: 'NATURAL joins', ASOF: 'ASOF joins', POSITIONAL: 'POSITIONAL joins', DEPENDENT: 'LATERAL joins' };
  const namedRef = named[refType];
  if (namedRef !== undefined) throw unsupported(namedRef, pos);
  const using = node['using_columns'];
  if (Array.isArray(using) && using.length > 0) {
    throw refusal('unsupported-syntax', 'JOIN ... USING is not supported; write the join condition with ON.', pos,
      'Replace USING (k) with ON a.k = b.k.');
  }
  expectOnly(node, ['left', 'right', 'condition', 'join_type', 'ref_type'], 'this join');
  const left = convertRelation(obj(node['left'], 'join left'), ctx);
  const right = convertRelation(obj(node['right'], 'join right'), ctx);
  if (refType === 'CROSS') {
    if (node['condition'] !== null && node['condition'] !== undefined) throw unsupported('a CROSS join with a condition', pos);
    return { kind: 'join', type: 'cross', left, right, pos };
  }
  if (refType !== 'REGULAR') throw unsupported(`${refType} joins`, pos);
  const joinType = JOIN_TYPES[str(node, 'join_type')];
  if (joinType === undefined) throw unsupported(`${str(node, 'join_type')} joins`, pos);
  const condition = optObj(node, 'condition');
  if (condition === undefined) throw unsupported('a join without ON', pos);
  return { kind: 'join', type: joinType, left, right, on: convertExpr(condition, ctx), pos };
}
