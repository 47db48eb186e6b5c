import type { Http } from './http.ts';
import { seg } from './http.ts';
import type { DatasetDescription, DatasetRegistration, DatasetSummary } from './types.ts';
import type { UploadBody } from './upload-body.ts';

export interface UploadOptions {
  /** The file's name; its extension names the format (`customers.csv.gz`). */
  readonly filename: string;
  readonly normalize?: readonly string[];
  readonly hash?: readonly string[];
  readonly signal?: AbortSignal;
}

/** A member's datasets: uploads (one file, one new version) and the catalog. */
export class DatasetsApi {
  constructor(private readonly http: Http) {}

  /**
   * POST /v1/members/{member}/datasets/{dataset}?filename=…: the body is the file.
   *
   * @example
   *   await client.datasets.upload('brand', 'customers', fileInput.files[0], { filename: 'customers.csv' });
   */
  upload(member: string, dataset: string, body: UploadBody, options: UploadOptions): Promise<DatasetRegistration> {
    const list = (xs: readonly string[] | undefined): string | undefined => (xs && xs.length > 0 ? xs.join(',') : undefined);
    return this.http.json('POST', `/v1/members/${seg(member)}/datasets/${seg(dataset)}`, {
      query: { filename: options.filename, normalize: list(options.normalize), hash: list(options.hash) },
      raw: body,
      ...(options.signal ? { signal: options.signal } : {}),
    });
  }

  /** GET /v1/members/{member}/datasets */
  list(member: string): Promise<DatasetSummary[]> {
    return this.http.json('GET', `/v1/members/${seg(member)}/datasets`);
  }

  /** GET /v1/members/{member}/datasets/{dataset} */
  show(member: string, dataset: string): Promise<DatasetDescription> {
    return this.http.json('GET', `/v1/members/${seg(member)}/datasets/${seg(dataset)}`);
  }

  /** DELETE /v1/members/{member}/datasets/{dataset}[?version=n] */
  delete(member: string, dataset: string, version?: number): Promise<{ deleted: string; version?: number }> {
    return this.http.json('DELETE', `/v1/members/${seg(member)}/datasets/${seg(dataset)}`, { query: { version } });
  }
}
