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

/** A member's datasets: uploads (one file or several, one new version) and the catalog. */
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

  /**
   * POST /v1/members/{member}/datasets/{dataset} as a multipart form: several files make
   * one version; names may carry folders (`year=2024/part-1.csv`: partition columns).
   * Blobs stream (in Node, `fs.openAsBlob(path)` reads the file as it is sent).
   *
   * @example
   *   await client.datasets.uploadFiles('platform', 'impressions', [
   *     { name: 'year=2024/a.csv', body: await openAsBlob('impressions/year=2024/a.csv') },
   *   ]);
   */
  uploadFiles(
    member: string,
    dataset: string,
    files: readonly { readonly name: string; readonly body: Blob }[],
    options: Omit<UploadOptions, 'filename'> = {},
  ): Promise<DatasetRegistration> {
    const form = new FormData();
    if (options.normalize && options.normalize.length > 0) form.append('normalize', options.normalize.join(','));
    if (options.hash && options.hash.length > 0) form.append('hash', options.hash.join(','));
    for (const file of files) form.append('file', file.body, file.name);
    return this.http.json('POST', `/v1/members/${seg(member)}/datasets/${seg(dataset)}`, {
      form,
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
