/**
 * The clean-room AST: a closed set of immutable node kinds.
 *
 * The converter (DuckDB JSON -> AST) refuses anything it cannot express here, the
 * validators and rewriters walk these nodes, and the printers emit SQL from them.
 * Every walker dispatches on `kind` exhaustively (switch + `never` check), so adding a
 * kind does not compile until every walker handles it.
 *
 * `pos` is the 0-based character offset in the query text the node came from (absent
 * for nodes made by rewriters).
 */

export type Position = number | undefined;

// ---------- literals and types ----------

/** A SQL type name as the clean room models it (engine-neutral). */
export type SqlType =
  | { readonly name: 'BOOLEAN' }
  | { readonly name: 'TINYINT' | 'SMALLINT' | 'INTEGER' | 'BIGINT' | 'HUGEINT' }
  | { readonly name: 'FLOAT' | 'DOUBLE' }
  | { readonly name: 'DECIMAL'; readonly width: number; readonly scale: number }
  | { readonly name: 'VARCHAR' }
  | { readonly name: 'DATE' | 'TIMESTAMP' | 'TIMESTAMPTZ' | 'TIME' | 'INTERVAL' };

/**
 * A literal value. Numbers that are integers are kept as decimal strings so that
 * BIGINT/HUGEINT values survive without loss; `decimal` keeps its exact text.
 */
export type LiteralValue =
  | { readonly type: 'null' }
  | { readonly type: 'boolean'; readonly value: boolean }
  | { readonly type: 'integer'; readonly value: string }
  | { readonly type: 'decimal'; readonly value: string }
  | { readonly type: 'double'; readonly value: number }
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'date'; readonly value: string } // ISO yyyy-mm-dd
  | { readonly type: 'timestamp'; readonly value: string } // ISO, UTC
  | { readonly type: 'interval'; readonly value: string; readonly unit: IntervalUnit };

export type IntervalUnit = 'year' | 'month' | 'day' | 'hour' | 'minute' | 'second';

// ---------- expressions ----------

export type BinaryOperator =
  | '+' | '-' | '*' | '/' | '%'
  | '=' | '<>' | '<' | '<=' | '>' | '>='
  | 'AND' | 'OR'
  | 'LIKE' | 'NOT LIKE' | 'ILIKE' | 'NOT ILIKE'
  | '||'
  | 'IS DISTINCT FROM' | 'IS NOT DISTINCT FROM';

export type UnaryOperator = 'NOT' | '-' | '+';

export interface ColumnRef {
  readonly kind: 'column';
  /** Table alias or table name as written, lower-cased; undefined when unqualified. */
  readonly table?: string;
  readonly name: string;
  readonly pos?: Position;
}

export interface Literal {
  readonly kind: 'literal';
  readonly value: LiteralValue;
  readonly pos?: Position;
}

/** A typed template parameter (`:name` in templates, `$name` for DuckDB's parser). */
export interface Parameter {
  readonly kind: 'parameter';
  readonly name: string;
  readonly pos?: Position;
}

/** `*` or `t.*`: modelled only so that validators can refuse it with a good message. */
export interface Star {
  readonly kind: 'star';
  readonly table?: string;
  readonly pos?: Position;
}

export interface FunctionCall {
  readonly kind: 'function';
  /** Lower-case canonical name (after the allowlist maps spellings, e.g. `ceil`). */
  readonly name: string;
  readonly args: readonly Expr[];
  /** `COUNT(DISTINCT x)` and friends. */
  readonly distinct: boolean;
  /** `COUNT(*)` is a function `count` with `star: true` and no args. */
  readonly star?: boolean;
  readonly pos?: Position;
}

export interface BinaryOp {
  readonly kind: 'binary';
  readonly op: BinaryOperator;
  readonly left: Expr;
  readonly right: Expr;
  readonly pos?: Position;
}

export interface UnaryOp {
  readonly kind: 'unary';
  readonly op: UnaryOperator;
  readonly operand: Expr;
  readonly pos?: Position;
}

export interface IsNull {
  readonly kind: 'is-null';
  readonly operand: Expr;
  readonly negated: boolean;
  readonly pos?: Position;
}

export interface InList {
  readonly kind: 'in-list';
  readonly operand: Expr;
  readonly list: readonly Expr[];
  readonly negated: boolean;
  readonly pos?: Position;
}

export interface Between {
  readonly kind: 'between';
  readonly operand: Expr;
  readonly low: Expr;
  readonly high: Expr;
  readonly negated: boolean;
  readonly pos?: Position;
}

export interface Case {
  readonly kind: 'case';
  /** `CASE x WHEN ...` form; undefined for searched CASE. */
  readonly operand?: Expr;
  readonly whens: readonly { readonly when: Expr; readonly then: Expr }[];
  readonly else?: Expr;
  readonly pos?: Position;
}

/** Always printed as a non-failing cast (TRY_CAST or the dialect's equivalent). */
export interface Cast {
  readonly kind: 'cast';
  readonly operand: Expr;
  readonly type: SqlType;
  /** Written as CONVERT(type, x): rules list CAST and CONVERT separately. */
  readonly syntax?: 'convert';
  readonly pos?: Position;
}

export interface WindowFrame {
  readonly units: 'rows' | 'range';
  readonly start: FrameBound;
  readonly end: FrameBound;
}
export type FrameBound =
  | { readonly type: 'unbounded-preceding' | 'current-row' | 'unbounded-following' }
  | { readonly type: 'preceding' | 'following'; readonly offset: Expr };

export interface WindowCall {
  readonly kind: 'window';
  readonly fn: FunctionCall;
  readonly partitionBy: readonly Expr[];
  readonly orderBy: readonly OrderItem[];
  readonly frame?: WindowFrame;
  readonly pos?: Position;
}

export interface ScalarSubquery {
  readonly kind: 'subquery';
  readonly query: Query;
  readonly pos?: Position;
}

export interface Exists {
  readonly kind: 'exists';
  readonly query: Query;
  readonly negated: boolean;
  readonly pos?: Position;
}

export interface InSubquery {
  readonly kind: 'in-subquery';
  readonly operand: Expr;
  readonly query: Query;
  readonly negated: boolean;
  readonly pos?: Position;
}

export type Expr =
  | ColumnRef
  | Literal
  | Parameter
  | Star
  | FunctionCall
  | BinaryOp
  | UnaryOp
  | IsNull
  | InList
  | Between
  | Case
  | Cast
  | WindowCall
  | ScalarSubquery
  | Exists
  | InSubquery;

export type ExprKind = Expr['kind'];

// ---------- relations ----------

export interface TableRef {
  readonly kind: 'table';
  /** Lower-cased table name as written (an association name for user queries). */
  readonly name: string;
  readonly alias?: string;
  readonly pos?: Position;
}

export type JoinType = 'inner' | 'left' | 'right' | 'full' | 'cross';

export interface Join {
  readonly kind: 'join';
  readonly type: JoinType;
  readonly left: Relation;
  readonly right: Relation;
  /** Undefined only for CROSS joins. */
  readonly on?: Expr;
  readonly pos?: Position;
}

export interface SubqueryRelation {
  readonly kind: 'subquery-relation';
  readonly query: Query;
  readonly alias: string;
  readonly pos?: Position;
}

export type Relation = TableRef | Join | SubqueryRelation;

// ---------- queries ----------

export interface SelectItem {
  readonly expr: Expr;
  readonly alias?: string;
}

export interface OrderItem {
  readonly expr: Expr;
  readonly direction: 'asc' | 'desc';
  readonly nulls?: 'first' | 'last';
}

export interface Select {
  readonly kind: 'select';
  readonly distinct: boolean;
  readonly items: readonly SelectItem[];
  /** Undefined for a SELECT without FROM. */
  readonly from?: Relation;
  readonly where?: Expr;
  readonly groupBy: readonly Expr[];
  readonly having?: Expr;
  readonly orderBy: readonly OrderItem[];
  readonly limit?: Expr;
  readonly offset?: Expr;
  readonly pos?: Position;
}

export interface SetOperation {
  readonly kind: 'set-operation';
  readonly op: 'union' | 'union-all' | 'intersect' | 'except';
  readonly left: QueryBody;
  readonly right: QueryBody;
  readonly orderBy: readonly OrderItem[];
  readonly limit?: Expr;
  readonly offset?: Expr;
  readonly pos?: Position;
}

export type QueryBody = Select | SetOperation;

export interface CommonTableExpression {
  readonly name: string;
  readonly query: Query;
}

/** One statement: optional WITH list over a SELECT or a set operation. */
export interface Query {
  readonly kind: 'query';
  readonly with: readonly CommonTableExpression[];
  readonly body: QueryBody;
  readonly pos?: Position;
}

export type Node = Expr | Relation | QueryBody | Query;

/** Exhaustiveness check for `switch (node.kind)`. */
export function assertNever(value: never): never {
  throw new Error(`Internal error: unhandled AST node ${JSON.stringify(value)}`);
}
