import type { CellValue } from '../engine/engine.ts';

/**
 * One analysis of the media insights library: an analysis template (SQL with typed
 * `:name` parameters, run under the custom rule) plus what a media analyst needs to use
 * it: what it answers, the tables and columns it reads, how to read the output, caveats.
 */

/** The roles of the tables an analysis reads; `insights install --tables` maps them to association names. */
export type TableRole = 'customers' | 'conversions' | 'impressions' | 'campaign_audience' | 'impressions_b';

/** CLI form `name:TYPE[=default][:in=a|b][:range=lo..hi]`, parsed by src/sql/template-params.ts. */
export interface AnalysisParameter {
  readonly name: string;
  readonly type: 'VARCHAR' | 'INTEGER' | 'BIGINT' | 'DOUBLE' | 'DECIMAL' | 'DATE' | 'TIMESTAMP' | 'BOOLEAN';
  readonly default?: string;
  readonly allowed?: readonly string[];
  readonly range?: { readonly lo?: string; readonly hi?: string };
  readonly description: string;
}

export interface OutputColumn {
  readonly name: string;
  readonly description: string;
}

/** Rows as the query returns them, column names in order. */
export interface AnalysisRows {
  readonly columns: readonly string[];
  readonly rows: readonly (readonly CellValue[])[];
}

export interface Analysis {
  /** Stable name, e.g. `audience-overlap` (the CLI contract). */
  readonly name: string;
  readonly category: 'planning' | 'activation' | 'measurement';
  /** One sentence: the question it answers. */
  readonly question: string;
  /** Markdown for docs/insights.md: inputs, output, how to read it, caveats. */
  readonly documentation: string;
  /** Tables read, by role; the SQL names them `{{role}}` and install substitutes association names. */
  readonly tables: readonly TableRole[];
  /** Columns each role must expose (allowed columns of the configured table). */
  readonly columns: Readonly<Partial<Record<TableRole, readonly string[]>>>;
  readonly parameters: readonly AnalysisParameter[];
  /**
   * DuckDB SQL using only allowlisted functions (src/sql/functions.ts), tables as
   * `{{customers}}` etc., parameters as `:name`. Never outputs an identifier column.
   */
  readonly sql: string;
  /** Output of the SQL, before `finish`. */
  readonly sqlOutput: readonly OutputColumn[];
  /**
   * Optional post-processing of the (already privacy-checked) aggregate rows in the
   * receiver's process, for statistics SQL cannot express with allowlisted functions
   * (confidence intervals, p-values, shares).
   */
  readonly finish?: (rows: AnalysisRows) => AnalysisRows;
  /** Output after `finish` (equal to sqlOutput without one). */
  readonly output: readonly OutputColumn[];
  /** `list` for activation lists, else `custom`. */
  readonly rule: 'custom' | 'list';
  /** Another analysis that answers the question when this one cannot (see AnalysisFallback). */
  readonly fallback?: AnalysisFallback;
}

/**
 * `insights run` runs `analysis` instead when this analysis's template is not installed
 * (its tables are not associated), or when the runner asks for it with
 * `--param <parameter>=<value>`; the runner is told with `note`. conversion-lift falls
 * back from the randomised holdout to exposed vs unexposed customers.
 */
export interface AnalysisFallback {
  readonly analysis: string;
  readonly parameter: string;
  readonly value: string;
  readonly note: string;
}
