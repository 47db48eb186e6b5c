/**
 * TEST ONLY. A minimal DuckDB printer for the planner's tests, written while
 * src/sql/print.ts did not exist yet. Product code must use src/sql/print.ts.
 * It follows print.ts's announced conventions: identifiers always quoted, casts as
 * TRY_CAST, division as x / NULLIF(y, 0).
 */
import { assertNever, type Expr, type LiteralValue, type Query, type QueryBody, type Relation } from '../../sql/ast.ts';

const q = (name: string): string => `"${name.replaceAll('"', '""')}"`;
const s = (text: string): string => `'${text.replaceAll("'", "''")}'`;

function literal(v: LiteralValue): string {
  switch (v.type) {
    case 'null': return 'NULL';
    case 'boolean': return v.value ? 'TRUE' : 'FALSE';
    case 'integer': case 'decimal': return v.value;
    case 'double': return String(v.value);
    case 'string': return s(v.value);
    case 'date': return `DATE ${s(v.value)}`;
    case 'timestamp': return `TIMESTAMP ${s(v.value)}`;
    case 'interval': return `INTERVAL ${s(v.value)} ${v.unit}`;
    default: return assertNever(v);
  }
}

function expr(e: Expr): string {
  switch (e.kind) {
    case 'column': return e.table === undefined ? q(e.name) : `${q(e.table)}.${q(e.name)}`;
    case 'literal': return literal(e.value);
    case 'function':
      if (e.star === true) return `${e.name}(*)`;
      return `${e.name}(${e.distinct ? 'DISTINCT ' : ''}${e.args.map(expr).join(', ')})`;
    case 'binary':
      if (e.op === '/') return `(${expr(e.left)} / NULLIF(${expr(e.right)}, 0))`;
      return `(${expr(e.left)} ${e.op} ${expr(e.right)})`;
    case 'unary': return `(${e.op} ${expr(e.operand)})`;
    case 'is-null': return `(${expr(e.operand)} IS ${e.negated ? 'NOT ' : ''}NULL)`;
    case 'in-list': return `(${expr(e.operand)} ${e.negated ? 'NOT ' : ''}IN (${e.list.map(expr).join(', ')}))`;
    case 'between': return `(${expr(e.operand)} ${e.negated ? 'NOT ' : ''}BETWEEN ${expr(e.low)} AND ${expr(e.high)})`;
    case 'case':
      return `CASE${e.operand === undefined ? '' : ` ${expr(e.operand)}`}${e.whens
        .map((w) => ` WHEN ${expr(w.when)} THEN ${expr(w.then)}`).join('')}${e.else === undefined ? '' : ` ELSE ${expr(e.else)}`} END`;
    case 'cast': return `TRY_CAST(${expr(e.operand)} AS ${e.type.name})`;
    case 'parameter': case 'star': case 'window': case 'subquery': case 'exists': case 'in-subquery':
      throw new Error(`test printer: ${e.kind} not supported`);
    default: return assertNever(e);
  }
}

function relation(r: Relation): string {
  switch (r.kind) {
    case 'table': return r.alias === undefined ? q(r.name) : `${q(r.name)} AS ${q(r.alias)}`;
    case 'join': return `${relation(r.left)} ${r.type.toUpperCase()} JOIN ${relation(r.right)}${r.on === undefined ? '' : ` ON ${expr(r.on)}`}`;
    case 'subquery-relation': return `(${printForTest(r.query)}) AS ${q(r.alias)}`;
    default: return assertNever(r);
  }
}

function body(b: QueryBody): string {
  if (b.kind !== 'select') throw new Error('test printer: set operations not supported');
  const parts = [`SELECT ${b.distinct ? 'DISTINCT ' : ''}${b.items.map((i) => `${expr(i.expr)}${i.alias === undefined ? '' : ` AS ${q(i.alias)}`}`).join(', ')}`];
  if (b.from !== undefined) parts.push(`FROM ${relation(b.from)}`);
  if (b.where !== undefined) parts.push(`WHERE ${expr(b.where)}`);
  if (b.groupBy.length > 0) parts.push(`GROUP BY ${b.groupBy.map(expr).join(', ')}`);
  if (b.having !== undefined) parts.push(`HAVING ${expr(b.having)}`);
  if (b.orderBy.length > 0) {
    parts.push(`ORDER BY ${b.orderBy.map((o) => `${expr(o.expr)} ${o.direction.toUpperCase()}${o.nulls === undefined ? '' : ` NULLS ${o.nulls.toUpperCase()}`}`).join(', ')}`);
  }
  if (b.limit !== undefined) parts.push(`LIMIT ${expr(b.limit)}`);
  return parts.join(' ');
}

export function printForTest(query: Query): string {
  const w = query.with.length === 0 ? '' : `WITH ${query.with.map((c) => `${q(c.name)} AS (${printForTest(c.query)})`).join(', ')} `;
  return w + body(query.body);
}
