import { ClientError, diagnosticOf, unreachable } from './client-error.ts';
import { toFetchBody, type UploadBody } from './upload-body.ts';

/** Query-string values; undefined ones are left out. */
export type QueryParams = Readonly<Record<string, string | number | boolean | undefined>>;

export interface RequestOptions {
  readonly query?: QueryParams;
  /** A JSON body. */
  readonly json?: unknown;
  /** A raw body (uploads), sent as application/octet-stream. */
  readonly raw?: UploadBody;
  /** A multipart form (several files in one upload); fetch sets its content type. */
  readonly form?: FormData;
  readonly signal?: AbortSignal;
  /** Statuses to hand back as answers instead of throwing (a dry run's 422). */
  readonly accept?: readonly number[];
}

export interface ClientOptions {
  /** The server's base URL, e.g. `https://cleanroom.example.com` (a path prefix is kept). */
  readonly baseUrl: string;
  /** An API key (`crk_...`); without one only the public routes answer. */
  readonly token?: string;
  /** Another fetch (tests, instrumented or proxied fetch); default: the global one. */
  readonly fetch?: typeof fetch;
}

/** `/v1/members/${seg(name)}`: every path segment from a caller is encoded. */
export function seg(value: string): string {
  return encodeURIComponent(value);
}

/** The one place that talks HTTP: auth header, bodies, and the error mapping. */
export class Http {
  private readonly base: string;
  private readonly fetcher: typeof fetch;

  constructor(private readonly options: ClientOptions) {
    this.base = options.baseUrl.replace(/\/+$/, '');
    // Bound: a browser's fetch refuses to run with another `this`.
    this.fetcher = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  get baseUrl(): string {
    return this.base;
  }

  url(path: string, query?: QueryParams): string {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) params.set(k, String(v));
    const qs = params.toString();
    return `${this.base}${path}${qs ? `?${qs}` : ''}`;
  }

  /** Sends a request; a non-2xx answer (not in `accept`) throws a ClientError. */
  async send(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
    const url = this.url(path, options.query);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.options.token !== undefined) headers['authorization'] = `Bearer ${this.options.token}`;
    let body: BodyInit | undefined;
    let streaming = false;
    if (options.raw !== undefined) {
      headers['content-type'] = 'application/octet-stream';
      const converted = toFetchBody(options.raw);
      body = converted.body;
      streaming = converted.streaming;
    } else if (options.form !== undefined) {
      body = options.form;
    } else if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    }
    // A streamed request body needs `duplex: 'half'` (fetch standard; Node requires it).
    const init: RequestInit & { duplex?: 'half' } = {
      method,
      headers,
      ...(body !== undefined ? { body } : {}),
      ...(streaming ? { duplex: 'half' as const } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    };
    let response: Response;
    try {
      response = await this.fetcher(url, init);
    } catch (e) {
      if (options.signal?.aborted) throw e;
      throw unreachable(method, url, e);
    }
    if (!response.ok && !(options.accept ?? []).includes(response.status)) {
      const text = await response.text().catch(() => '');
      throw new ClientError(response.status, diagnosticOf(response.status, response.statusText, text, method, url), url);
    }
    return response;
  }

  /** Sends a request and parses the JSON answer. */
  async json<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const response = await this.send(method, path, options);
    const text = await response.text();
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new ClientError(
        response.status,
        { code: 'not-json', message: `${method} ${response.url || path} answered ${response.status} with a body that is not JSON` },
        response.url || path,
      );
    }
  }
}
