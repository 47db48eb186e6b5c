import type { Diagnostic } from '../sql/diagnostic.ts';

/** Hidden row id the crawler adds to every dataset: unique per row, 0..n-1. */
export const ROW_ID_COLUMN = '__cr_rowid';
/** Column names with this prefix belong to Cleanroom; input columns may not use it. */
export const RESERVED_PREFIX = '__cr_';

export type FileFormat = 'csv' | 'tsv' | 'parquet' | 'json' | 'ndjson';
export type Compression = 'none' | 'gzip' | 'zstd';

/** A column as the catalog keeps it. `type` is DuckDB's type name (`BIGINT`, `VARCHAR`, ...). */
export interface ColumnSchema {
  readonly name: string;
  readonly type: string;
}

export interface CrawledColumn extends ColumnSchema {
  /** The name in the input file (first file that has it), or the Hive partition key. */
  readonly originalName: string;
}

export interface ColumnStats {
  readonly nullCount: number;
  /** Smallest and largest value as text; null when every value is null or the type has no order. */
  readonly min: string | null;
  readonly max: string | null;
  readonly approxDistinct: number;
}

export interface CrawledFile {
  readonly path: string;
  readonly format: FileFormat;
  readonly compression: Compression;
  readonly rows: number;
}

export interface CrawlReport {
  /** Data columns and partition columns, without the hidden `__cr_rowid`. */
  readonly columns: readonly CrawledColumn[];
  readonly rowCount: number;
  readonly stats: Readonly<Record<string, ColumnStats>>;
  readonly files: readonly CrawledFile[];
  /** Original column name (in any file) -> normalised name. */
  readonly mapping: Readonly<Record<string, string>>;
}

/**
 * A refusal about input files: names the file and, where known, the 1-based line, the
 * column (name) and the 1-based byte position within the line.
 */
export interface CrawlDiagnostic extends Diagnostic {
  readonly file?: string;
  readonly line?: number;
  readonly column?: string;
  readonly character?: number;
}

export type CrawlResult =
  | { readonly ok: true; readonly value: CrawlReport }
  | { readonly ok: false; readonly error: CrawlDiagnostic };

/** Thrown inside the crawl steps, caught once in crawlDataset. */
export class CrawlRefusal extends Error {
  constructor(readonly diagnostic: CrawlDiagnostic) {
    super(diagnostic.message);
    this.name = 'CrawlRefusal';
  }
}
