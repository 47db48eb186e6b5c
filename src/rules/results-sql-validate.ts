/**
 * Results SQL (a member's own SQL over the results it received): the validator that
 * admits a converted query only if every table it reads is one of that member's result
 * tables, a CTE in scope, or one of its saved views (expanded here into a subquery, so
 * the engine never needs to know views exist). Pure: no I/O.
 *
 * The converter (src/sql/convert.ts) has already refused anything that is not one
 * SELECT (writes, PRAGMA, SET, ATTACH, COPY, ...), table functions, schema-qualified
 * and system names, and functions off the allowlist. This step closes the table names.
 *
 * @example
 *   const r = validateResultsSql(query, { tables: new Set(['overlap_1a2b3c4d']), views: new Map() }, sql);
 *   if (r.ok) printQuery(r.value.query, duckdbDialect);
 */
import { type Expr, type OrderItem, type Query, type QueryBody, type Relation, type WindowFrame, assertNever } from '../sql/ast.ts';
import { type Diagnostic, type Result, Refusal, catchRefusal } from '../sql/diagnostic.ts';

export interface ResultsSqlCatalog {
  /** Lower-case names of the tables the member may read: its results and the `results` listing. */
  readonly tables: ReadonlySet<string>;
  /** The member's saved views by lower-case name, as converted queries (validated when used). */
  readonly views: ReadonlyMap<string, Query>;
}

export interface ValidatedResultsSql {
  /** The query with every saved view expanded; only catalog tables and CTEs remain as table names. */
  readonly query: Query;
  /** Catalog tables read, directly or through views, sorted. */
  readonly tables: readonly string[];
}

/** Views may use views; a chain deeper than this is a mistake (or a loop the names hide). */
const MAX_VIEW_DEPTH = 16;

/** A name that reads like a file, a URL or a glob rather than a table. */
const PATH_LIKE = /[/\\.:*?]|^~/;

function fail(code: string, message: string, position: number | undefined, hint?: string): never {
  const diagnostic: Diagnostic = {
    code,
    message,
    rule: 'results-sql',
    ...(position !== undefined ? { position } : {}),
    ...(hint !== undefined ? { hint } : {}),
  };
  throw new Refusal(diagnostic);
}

export function validateResultsSql(query: Query, catalog: ResultsSqlCatalog, sqlText: string): Result<ValidatedResultsSql> {
  return catchRefusal(() => {
    const walker = new Walker(catalog, sqlText);
    const out = walker.query(query, new Set(), []);
    return { query: out, tables: [...walker.read].sort() };
  });
}

class Walker {
  readonly read = new Set<string>();

  constructor(
    private readonly catalog: ResultsSqlCatalog,
    private readonly sqlText: string,
  ) {}

  /** `ctes`: CTE names visible here; `views`: the views being expanded (loop check). */
  query(q: Query, ctes: ReadonlySet<string>, views: readonly string[]): Query {
    const scope = new Set(ctes);
    const with_ = q.with.map((cte) => {
      // A CTE sees the ones before it, never itself (no recursion).
      const converted = { name: cte.name, query: this.query(cte.query, scope, views) };
      scope.add(cte.name);
      return converted;
    });
    return { ...q, with: with_, body: this.body(q.body, scope, views) };
  }

  private body(b: QueryBody, ctes: ReadonlySet<string>, views: readonly string[]): QueryBody {
    switch (b.kind) {
      case 'select': {
        const e = (x: Expr): Expr => this.expr(x, ctes, views);
        return {
          ...b,
          items: b.items.map((i) => ({ ...i, expr: e(i.expr) })),
          ...(b.from !== undefined ? { from: this.relation(b.from, ctes, views) } : {}),
          ...(b.where !== undefined ? { where: e(b.where) } : {}),
          groupBy: b.groupBy.map(e),
          ...(b.having !== undefined ? { having: e(b.having) } : {}),
          orderBy: this.orderBy(b.orderBy, ctes, views),
          ...(b.limit !== undefined ? { limit: e(b.limit) } : {}),
          ...(b.offset !== undefined ? { offset: e(b.offset) } : {}),
        };
      }
      case 'set-operation': {
        const e = (x: Expr): Expr => this.expr(x, ctes, views);
        return {
          ...b,
          left: this.body(b.left, ctes, views),
          right: this.body(b.right, ctes, views),
          orderBy: this.orderBy(b.orderBy, ctes, views),
          ...(b.limit !== undefined ? { limit: e(b.limit) } : {}),
          ...(b.offset !== undefined ? { offset: e(b.offset) } : {}),
        };
      }
      default:
        return assertNever(b);
    }
  }

  private orderBy(items: readonly OrderItem[], ctes: ReadonlySet<string>, views: readonly string[]): OrderItem[] {
    return items.map((o) => ({ ...o, expr: this.expr(o.expr, ctes, views) }));
  }

  private relation(r: Relation, ctes: ReadonlySet<string>, views: readonly string[]): Relation {
    switch (r.kind) {
      case 'table':
        return this.table(r, ctes, views);
      case 'join':
        return {
          ...r,
          left: this.relation(r.left, ctes, views),
          right: this.relation(r.right, ctes, views),
          ...(r.on !== undefined ? { on: this.expr(r.on, ctes, views) } : {}),
        };
      case 'subquery-relation':
        return { ...r, query: this.query(r.query, ctes, views) };
      default:
        return assertNever(r);
    }
  }

  private table(r: Extract<Relation, { kind: 'table' }>, ctes: ReadonlySet<string>, views: readonly string[]): Relation {
    const name = r.name;
    if (ctes.has(name)) return r;
    if (PATH_LIKE.test(name)) {
      fail('file-path-not-allowed', `'${name}' reads like a file or URL; results SQL reads only your result tables.`, r.pos,
        'Use a result table\'s name (`cleanroom results catalog --as <you>` lists them).');
    }
    if (this.catalog.tables.has(name)) {
      this.read.add(name);
      return r;
    }
    const view = this.catalog.views.get(name);
    if (view !== undefined) {
      if (views.includes(name)) {
        fail('view-cycle', `The saved view ${name} uses itself (${[...views, name].join(' -> ')}).`, r.pos, 'Change one of these views so that it no longer reads the other.');
      }
      if (views.length >= MAX_VIEW_DEPTH) fail('view-too-deep', `Saved views nest more than ${MAX_VIEW_DEPTH} deep at ${name}.`, r.pos);
      // A view sees no CTE of the query that uses it: its meaning is fixed where it was saved.
      const expanded = this.query(view, new Set(), [...views, name]);
      return { kind: 'subquery-relation', query: expanded, alias: r.alias ?? name, ...(r.pos !== undefined ? { pos: r.pos } : {}) };
    }
    return fail('unknown-result-table', `${name} is not one of your result tables or saved views.`, r.pos,
      'Results SQL reads only the results you received; `cleanroom results catalog --as <you>` lists their table names.');
  }

  private expr(e: Expr, ctes: ReadonlySet<string>, views: readonly string[]): Expr {
    const x = (y: Expr): Expr => this.expr(y, ctes, views);
    switch (e.kind) {
      case 'column':
      case 'literal':
      case 'star':
        return e;
      case 'parameter':
        return fail('parameter-not-allowed', `Results SQL takes no parameters (${this.fragment(e.pos, `$${e.name}`)}).`, e.pos, 'Write the value into the query.');
      case 'function':
        return { ...e, args: e.args.map(x) };
      case 'binary':
        return { ...e, left: x(e.left), right: x(e.right) };
      case 'unary':
        return { ...e, operand: x(e.operand) };
      case 'is-null':
        return { ...e, operand: x(e.operand) };
      case 'in-list':
        return { ...e, operand: x(e.operand), list: e.list.map(x) };
      case 'between':
        return { ...e, operand: x(e.operand), low: x(e.low), high: x(e.high) };
      case 'case':
        return {
          ...e,
          ...(e.operand !== undefined ? { operand: x(e.operand) } : {}),
          whens: e.whens.map((w) => ({ when: x(w.when), then: x(w.then) })),
          ...(e.else !== undefined ? { else: x(e.else) } : {}),
        };
      case 'cast':
        return { ...e, operand: x(e.operand) };
      case 'window':
        return {
          ...e,
          fn: { ...e.fn, args: e.fn.args.map(x) },
          partitionBy: e.partitionBy.map(x),
          orderBy: this.orderBy(e.orderBy, ctes, views),
          ...(e.frame !== undefined ? { frame: this.frame(e.frame, ctes, views) } : {}),
        };
      case 'subquery':
        return { ...e, query: this.query(e.query, ctes, views) };
      case 'exists':
        return { ...e, query: this.query(e.query, ctes, views) };
      case 'in-subquery':
        return { ...e, operand: x(e.operand), query: this.query(e.query, ctes, views) };
      default:
        return assertNever(e);
    }
  }

  private frame(f: WindowFrame, ctes: ReadonlySet<string>, views: readonly string[]): WindowFrame {
    const bound = (b: WindowFrame['start']): WindowFrame['start'] =>
      b.type === 'preceding' || b.type === 'following' ? { type: b.type, offset: this.expr(b.offset, ctes, views) } : b;
    return { ...f, start: bound(f.start), end: bound(f.end) };
  }

  private fragment(pos: number | undefined, fallback: string): string {
    if (pos === undefined) return fallback;
    const m = /^\$?[A-Za-z0-9_]+/.exec(this.sqlText.slice(pos));
    return m?.[0] ?? fallback;
  }
}

/** What a result or view may be called: a plain lower-case SQL name, never a system prefix. */
const NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const RESERVED = /^(results|__cr_\w*|duckdb_\w*|pg_\w*|sqlite_\w*|information_schema|pg_catalog|main|temp|system)$/;

/**
 * Checks a name a member gives a result or a saved query/view. Returns the problem, or
 * undefined when the name is fine.
 *
 * @example
 *   checkResultsSqlName('q3_overlap') // undefined
 *   checkResultsSqlName('Overlap')    // { code: 'bad-name', ... }
 */
export function checkResultsSqlName(name: string): Diagnostic | undefined {
  if (!NAME.test(name)) {
    return {
      code: 'bad-name',
      message: `'${name.slice(0, 80)}' is not a valid name: use 1 to 63 lower-case letters, digits and _, not starting with a digit.`,
      rule: 'results-sql',
      hint: 'For example q3_overlap.',
    };
  }
  if (RESERVED.test(name)) {
    return { code: 'reserved-name', message: `'${name}' is reserved.`, rule: 'results-sql', hint: 'Choose another name.' };
  }
  return undefined;
}

/**
 * The default table name of a result: its analysis (template name) or `query`, made a
 * plain SQL name, and the first 8 characters of its id, so that it is unique and stable.
 *
 * @example
 *   defaultResultName('audience-overlap', '1a2b3c4d-...') // 'audience_overlap_1a2b3c4d'
 */
export function defaultResultName(analysis: string | undefined, resultId: string): string {
  const base = (analysis ?? 'query').toLowerCase().replaceAll(/[^a-z0-9_]+/g, '_').replaceAll(/^_+|_+$/g, '').slice(0, 40);
  const short = resultId.toLowerCase().replaceAll(/[^a-z0-9]/g, '').slice(0, 8);
  // A name the converter keeps for system catalogs (duckdb_*, pg_*, ...) or a digit first would not be queryable.
  const start = /^[a-z]/.test(base) && !/^(duckdb_|pg_|sqlite_|information_schema)/.test(base) ? base : `r_${base}`;
  return `${start === '' || start === 'r_' ? 'query' : start}_${short}`;
}
