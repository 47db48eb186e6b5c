/** ORDER BY items (query modifiers and window specifications). */
import type { OrderItem } from './ast.ts';
import type { ConvertContext } from './convert-context.ts';
import { convertExpr } from './convert-expression.ts';
import { arr, expectOnly, obj, str, unsupported } from './json-node.ts';

export function convertOrders(v: unknown, ctx: ConvertContext): OrderItem[] {
  return arr(v ?? [], 'orders').map((o) => {
    const order = obj(o, 'order');
    expectOnly(order, ['expression', 'null_order'], 'this ORDER BY item');
    const expression = obj(order['expression'], 'order expression');
    if (expression['class'] === 'STAR') throw unsupported('ORDER BY ALL', undefined);
    const type = str(order, 'type');
    const nullOrder = str(order, 'null_order');
    const direction = type === 'DESCENDING' ? 'desc' : type === 'ASCENDING' || type === 'ORDER_DEFAULT' ? 'asc' : undefined;
    if (direction === undefined) throw unsupported(`ORDER BY ${type}`, undefined);
    const item: OrderItem = { expr: convertExpr(expression, ctx), direction };
    if (nullOrder === 'NULLS_FIRST' || nullOrder === 'NULLS FIRST') return { ...item, nulls: 'first' };
    if (nullOrder === 'NULLS_LAST' || nullOrder === 'NULLS LAST') return { ...item, nulls: 'last' };
    if (nullOrder !== 'ORDER_DEFAULT') throw unsupported(`ORDER BY ... ${nullOrder}`, undefined);
    return item;
  });
}
