/**
 * DuckDB `json_serialize_sql` output -> clean-room AST. Closed world: a node class or
 * a set field that is not modelled is refused, never dropped.
 *
 * @example
 *   const tree = await parser.serialize(sql);
 *   const r = convertParsed(tree, sql); // r.ok ? r.value : r.error (a Diagnostic)
 */
import type { Query } from './ast.ts';
import { refusal } from './convert-context.ts';
import { convertQueryNode, makeContext } from './convert-query.ts';
import { type Result, catchRefusal } from './diagnostic.ts';
import { arr, expectOnly, isObject, obj, str } from './json-node.ts';

export function convertParsed(tree: unknown, sqlText: string): Result<Query> {
  return catchRefusal(() => {
    const root = obj(tree, 'root');
    if (root['error'] === true) {
      const message = typeof root['error_message'] === 'string' ? root['error_message'] : 'syntax error';
      const p = Number(root['position']);
      const notSelect = /Only SELECT statements/i.test(message);
      throw refusal(
        notSelect ? 'not-a-select' : 'syntax-error',
        notSelect ? 'Only SELECT queries are allowed.' : `The query could not be parsed: ${message}`,
        Number.isFinite(p) && root['position'] !== undefined ? p : undefined,
      );
    }
    const statements = arr(root['statements'], 'statements');
    if (statements.length !== 1) {
      throw refusal(
        statements.length === 0 ? 'syntax-error' : 'multiple-statements',
        statements.length === 0 ? 'The query is empty.' : 'Only one SELECT statement is allowed.',
        undefined,
      );
    }
    const statement = obj(statements[0], 'statement');
    expectOnly(statement, ['node', 'named_param_map'], 'this statement');
    const node = statement['node'];
    if (!isObject(node)) throw refusal('not-a-select', 'Only SELECT queries are allowed.', undefined);
    const type = str(node, 'type');
    if (type !== 'SELECT_NODE' && type !== 'SET_OPERATION_NODE') {
      throw refusal('not-a-select', `Only SELECT queries are allowed (got ${type}).`, undefined);
    }
    return convertQueryNode(node, makeContext(sqlText));
  });
}
