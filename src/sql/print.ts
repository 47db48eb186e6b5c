/**
 * Clean-room AST -> SQL for one engine. The only way SQL reaches an engine.
 *
 * @example
 *   printQuery(query, duckdbDialect)
 *   // SELECT "i"."region", count(DISTINCT "i"."user_id") FROM "impressions" AS "i" GROUP BY "i"."region"
 */
import { type Query, type QueryBody, type Relation, assertNever } from './ast.ts';
import type { Dialect } from './dialect.ts';
import { ExpressionPrinter } from './print-expression.ts';

export function printQuery(query: Query, dialect: Dialect): string {
  return new QueryPrinter(dialect).query(query);
}

class QueryPrinter {
  private readonly e: ExpressionPrinter;

  constructor(private readonly d: Dialect) {
    this.e = new ExpressionPrinter(d, (q) => this.query(q));
  }

  query(q: Query): string {
    const withSql = q.with.length === 0
      ? ''
      : `WITH ${q.with.map((c) => `${this.d.quoteIdentifier(c.name)} AS (${this.query(c.query)})`).join(', ')} `;
    return `${withSql}${this.body(q.body)}`;
  }

  private body(b: QueryBody): string {
    switch (b.kind) {
      case 'select': {
        const parts = [`SELECT ${b.distinct ? 'DISTINCT ' : ''}${b.items
          .map((i) => `${this.e.expr(i.expr)}${i.alias === undefined ? '' : ` AS ${this.d.quoteIdentifier(i.alias)}`}`)
          .join(', ')}`];
        if (b.from !== undefined) parts.push(`FROM ${this.relation(b.from, false)}`);
        if (b.where !== undefined) parts.push(`WHERE ${this.e.expr(b.where)}`);
        if (b.groupBy.length > 0) parts.push(`GROUP BY ${b.groupBy.map((g) => this.e.expr(g)).join(', ')}`);
        if (b.having !== undefined) parts.push(`HAVING ${this.e.expr(b.having)}`);
        return [...parts, ...this.tail(b)].join(' ');
      }
      case 'set-operation': {
        const op = { union: 'UNION', 'union-all': 'UNION ALL', intersect: 'INTERSECT', except: 'EXCEPT' }[b.op];
        return [`(${this.body(b.left)}) ${op} (${this.body(b.right)})`, ...this.tail(b)].join(' ');
      }
      default:
        return assertNever(b);
    }
  }

  private tail(b: QueryBody): string[] {
    const parts: string[] = [];
    if (b.orderBy.length > 0) parts.push(`ORDER BY ${this.e.orderBy(b.orderBy)}`);
    if (b.limit !== undefined) parts.push(`LIMIT ${this.e.expr(b.limit)}`);
    if (b.offset !== undefined) parts.push(`OFFSET ${this.e.expr(b.offset)}`);
    return parts;
  }

  /** `nested`: a join on the right of another join needs parentheses. */
  private relation(r: Relation, nested: boolean): string {
    switch (r.kind) {
      case 'table':
        return `${this.d.quoteIdentifier(r.name)}${r.alias === undefined ? '' : ` AS ${this.d.quoteIdentifier(r.alias)}`}`;
      case 'subquery-relation':
        return `(${this.query(r.query)}) AS ${this.d.quoteIdentifier(r.alias)}`;
      case 'join': {
        const left = this.relation(r.left, false);
        const right = this.relation(r.right, true);
        const sql = r.type === 'cross'
          ? `${left} CROSS JOIN ${right}`
          : `${left} ${r.type.toUpperCase()} JOIN ${right} ON ${r.on === undefined ? 'TRUE' : this.e.expr(r.on)}`;
        return nested ? `(${sql})` : sql;
      }
      default:
        return assertNever(r);
    }
  }
}
