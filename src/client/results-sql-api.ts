import { type ColumnStat, statsOfResult } from './column-stats.ts';
import { ClientError } from './client-error.ts';
import type { Http } from './http.ts';
import { seg } from './http.ts';
import type { Download } from './types.ts';

/** One column of a result table. */
export interface ResultsSqlColumn {
  readonly name: string;
  readonly type: string;
}

/** A result the member received, as a table of its results-SQL catalog. */
export interface ResultsSqlTable {
  readonly name: string;
  readonly named: boolean;
  readonly id: string;
  readonly queryId: string;
  readonly analysis: string | null;
  readonly columns: readonly ResultsSqlColumn[];
  readonly rowCount: number;
  readonly createdAt: string;
  readonly format: 'parquet' | 'csv';
}

export interface SavedResultsQuery {
  readonly name: string;
  readonly kind: 'query' | 'view';
  readonly sql: string;
  readonly description: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface ResultsSqlAnswer {
  readonly columns: readonly ResultsSqlColumn[];
  readonly rows: readonly (readonly (string | number | boolean | null)[])[];
  readonly offset: number;
  readonly limit: number;
  readonly hasMore: boolean;
  /** The SQL that ran, printed from the validated query. */
  readonly executed: string;
  readonly tables: readonly string[];
}

async function download(http: Http, path: string, what: string): Promise<Download> {
  const response = await http.send('GET', path);
  if (response.body === null) throw new Error(`Internal error: the download of ${what} has no body`);
  return { contentType: response.headers.get('content-type') ?? 'application/octet-stream', body: response.body };
}

/**
 * Results SQL: read-only SQL over the results you received, their table names, saved
 * queries and views, exports for BI tools.
 *
 * @example
 *   const page = await client.resultsSql.query({ sql: 'SELECT * FROM q3_reach ORDER BY reach DESC', limit: 100 });
 */
export class ResultsSqlApi {
  constructor(private readonly http: Http) {}

  /** POST /v1/results-sql/query (exactly one of sql and saved; limit ≤ 10 000) */
  query(request: ({ readonly sql: string } | { readonly saved: string }) & { readonly offset?: number; readonly limit?: number }, signal?: AbortSignal): Promise<ResultsSqlAnswer> {
    return this.http.json('POST', '/v1/results-sql/query', { json: request, ...(signal ? { signal } : {}) });
  }

  /**
   * Nulls, distinct values, minimum, maximum and mean of each column of one of your
   * results (by id or results-SQL name), computed by one results-SQL query.
   */
  async columnStats(result: string, signal?: AbortSignal): Promise<{ table: string; rows: number; columns: ColumnStat[] }> {
    const stats = await statsOfResult(result, (await this.catalog()).tables, (sql) => this.query({ sql, limit: 1 }, signal));
    if (stats === undefined) throw new ClientError(404, { code: 'unknown-result', message: `You have no result '${result.slice(0, 80)}'.`, hint: 'list them: GET /v1/results-sql/catalog' }, '/v1/results-sql/catalog');
    return stats;
  }

  /** GET /v1/results-sql/catalog */
  catalog(): Promise<{ tables: ResultsSqlTable[]; saved: SavedResultsQuery[] }> {
    return this.http.json('GET', '/v1/results-sql/catalog');
  }

  /** PATCH /v1/results/{id} (null restores the default name) */
  name(resultId: string, name: string | null): Promise<ResultsSqlTable> {
    return this.http.json('PATCH', `/v1/results/${seg(resultId)}`, { json: { name } });
  }

  /** GET /v1/results-sql/saved */
  listSaved(): Promise<SavedResultsQuery[]> {
    return this.http.json('GET', '/v1/results-sql/saved');
  }

  /** GET /v1/results-sql/saved/{name} */
  showSaved(name: string): Promise<SavedResultsQuery> {
    return this.http.json('GET', `/v1/results-sql/saved/${seg(name)}`);
  }

  /** PUT /v1/results-sql/saved/{name} */
  save(name: string, body: { readonly kind: 'query' | 'view'; readonly sql: string; readonly description?: string; readonly replace?: boolean }): Promise<SavedResultsQuery> {
    return this.http.json('PUT', `/v1/results-sql/saved/${seg(name)}`, { json: body });
  }

  /** DELETE /v1/results-sql/saved/{name} */
  deleteSaved(name: string): Promise<{ deleted: string }> {
    return this.http.json('DELETE', `/v1/results-sql/saved/${seg(name)}`);
  }

  /** GET /v1/results-sql/tables/{name}/parquet: one result table (by name or id) as Parquet */
  tableParquet(name: string): Promise<Download> {
    return download(this.http, `/v1/results-sql/tables/${seg(name)}/parquet`, `result table ${name}`);
  }

  /** GET /v1/results-sql/export: every result as one DuckDB database file */
  exportDuckDb(): Promise<Download> {
    return download(this.http, '/v1/results-sql/export', 'the results export');
  }
}
