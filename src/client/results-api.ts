import type { Http } from './http.ts';
import { seg } from './http.ts';
import type { Download, DownloadFormat, ResultRowsPage, ResultSummary } from './types.ts';

function filenameOf(disposition: string | null): string | undefined {
  const match = disposition === null ? null : /filename="([^"]+)"/.exec(disposition);
  return match?.[1];
}

/** Results a member received: list, metadata, pages of rows, downloads, delete. */
export class ResultsApi {
  constructor(private readonly http: Http) {}

  /** GET /v1/results */
  list(): Promise<ResultSummary[]> {
    return this.http.json('GET', '/v1/results');
  }

  /** GET /v1/results/{id} */
  get(id: string): Promise<ResultSummary> {
    return this.http.json('GET', `/v1/results/${seg(id)}`);
  }

  /** GET /v1/results/{id}/rows?offset&limit (limit ≤ 10 000) */
  rows(id: string, page: { readonly offset?: number; readonly limit?: number } = {}): Promise<ResultRowsPage> {
    return this.http.json('GET', `/v1/results/${seg(id)}/rows`, { query: { offset: page.offset, limit: page.limit } });
  }

  /**
   * GET /v1/results/{id}/download?format=…: the whole result as a stream (default: as
   * stored; `json` is NDJSON).
   *
   * @example
   *   const { body } = await client.results.download(id, 'csv');
   *   await pipeline(Readable.fromWeb(body), createWriteStream('result.csv'));   // Node
   */
  async download(id: string, format?: DownloadFormat, signal?: AbortSignal): Promise<Download> {
    const response = await this.http.send('GET', `/v1/results/${seg(id)}/download`, { query: { format }, ...(signal ? { signal } : {}) });
    if (response.body === null) throw new Error(`Internal error: the download of result ${id} has no body`);
    const filename = filenameOf(response.headers.get('content-disposition'));
    return {
      contentType: response.headers.get('content-type') ?? 'application/octet-stream',
      ...(filename !== undefined ? { filename } : {}),
      body: response.body,
    };
  }

  /** DELETE /v1/results/{id} */
  delete(id: string): Promise<{ deleted: string }> {
    return this.http.json('DELETE', `/v1/results/${seg(id)}`);
  }
}
