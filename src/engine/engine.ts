/**
 * The one interface every execution engine implements (DuckDB embedded now, Trino
 * later). SQL generation knows nothing of engines; an engine knows nothing of rules.
 */

/** A configured table as the engine exposes it: a view over member data files. */
export interface TableSource {
  /** View name the emitted SQL refers to (the association name). */
  readonly viewName: string;
  /** Local Parquet files holding the data (staged by the store). */
  readonly files: readonly string[];
  /** Columns the view exposes: the allowed columns plus the hidden row id. */
  readonly columns: readonly string[];
}

/** JSON-ready cell values, encoded as shared/CLI.md says. */
export type CellValue = string | number | boolean | null;

export interface ResultColumn {
  readonly name: string;
  /** Engine type name, e.g. `BIGINT`, `DECIMAL(12,2)`. */
  readonly type: string;
}

/**
 * A delivery option for one output column, applied while the result is written, to the
 * rows that are delivered (after the gate), inside the same sealed instance: the file
 * the receiver gets holds only the transformed values. The column must be a text
 * column of `sql`'s output (the caller checks); NULL stays NULL.
 */
export interface ColumnDelivery {
  readonly column: string;
  /** Strip spaces, tabs, LF and CR at both ends, then lowercase (as `dataset create --normalize`). */
  readonly normalize: boolean;
  /** Replace the value (normalised first, if asked) by the lowercase hex SHA-256 of its UTF-8 bytes. */
  readonly hash?: 'sha256';
}

export interface ProtectedRunRequest {
  readonly tables: readonly TableSource[];
  /** SQL printed from the planned AST; never user text. */
  readonly sql: string;
  /** Optional gate: a one-row, one-boolean-column query; false means "do not deliver". */
  readonly deliverIfSql?: string;
  /**
   * Optional staging, run first: `sql` fills a temporary in-memory table `table` that
   * the delivered `sql` and `statsSql` read. It lives only as long as the run.
   */
  readonly stage?: { readonly table: string; readonly sql: string };
  /**
   * Optional one-row query of counts, run after the delivery; its columns come back as
   * `stats`. For the caller to show only to whom it may (the engine knows no rules).
   */
  readonly statsSql?: string;
  /** Transformations of output columns on delivery (activation identifiers); none by default. */
  readonly delivery?: readonly ColumnDelivery[];
  /** Where to write the result file. Its folder must exist and is private to this run. */
  readonly outputFile: string;
  readonly format: 'parquet' | 'csv';
  /** Private scratch folder (engine temp space), removed by the caller afterwards. */
  readonly workDir: string;
  /** How many rows to return in `preview`. */
  readonly previewRows: number;
  /** Aborting stops the query in the engine; the run then rejects with QueryCancelled. */
  readonly signal?: AbortSignal;
  /**
   * Values decided in this process (differential privacy, difference checks): the exact
   * rows of `sql` are read into this process (never written anywhere), `release` chooses
   * the rows and values to deliver (noise, sticky answers), and only what it returns is
   * written to `outputFile`. May follow `stage` and come with `statsSql`; not combined
   * with `delivery` or `deliverIfSql`.
   */
  readonly release?: (exact: ExactRows) => ReleasedRows | Promise<ReleasedRows>;
}

/** The exact rows of a query, big integers as decimal strings. */
export interface ExactRows {
  readonly columns: readonly ResultColumn[];
  readonly rows: readonly (readonly CellValue[])[];
}

/**
 * What to deliver: for each kept row (by its index in ExactRows.rows, in delivery
 * order) the values of the released columns; `output` lists the delivered columns,
 * each a column of the exact rows passed through (group keys) or a released column.
 */
export interface ReleasedRows {
  readonly columns: readonly { readonly name: string; readonly type: 'BIGINT' | 'DOUBLE' }[];
  readonly rows: readonly { readonly index: number; readonly values: readonly (bigint | number | null)[] }[];
  readonly output: readonly { readonly name: string; readonly exact?: string; readonly released?: string }[];
}

/** The run was stopped on request (not an engine failure). */
export class QueryCancelled extends Error {
  override readonly name = 'QueryCancelled';
  constructor() {
    super('the query was cancelled');
  }
}

export type ProtectedRunOutcome =
  | {
      readonly delivered: true;
      readonly columns: readonly ResultColumn[];
      readonly rowCount: number;
      readonly preview: readonly (readonly CellValue[])[];
      /** The one row of `statsSql`, by column name (present iff statsSql was given). */
      readonly stats?: Readonly<Record<string, number>>;
    }
  | { readonly delivered: false };

export interface Engine {
  readonly name: string;
  runProtected(request: ProtectedRunRequest): Promise<ProtectedRunOutcome>;
}
