import type { Diagnostic } from '../sql/diagnostic.ts';

/**
 * A request that did not succeed: the HTTP status and the server's diagnostic (the same
 * one the CLI prints), or status 0 with `server-unreachable` when no answer came.
 */
export class ClientError extends Error {
  override readonly name = 'ClientError';
  constructor(
    /** HTTP status; 0 when the server could not be reached. */
    readonly status: number,
    readonly diagnostic: Diagnostic,
    /** The URL asked, for messages and logs. */
    readonly url: string,
  ) {
    super(diagnostic.message);
  }

  /** True for a network failure (no HTTP answer at all). */
  get unreachable(): boolean {
    return this.status === 0;
  }
}

function isDiagnostic(value: unknown): value is Diagnostic {
  if (typeof value !== 'object' || value === null) return false;
  const d = value as Record<string, unknown>;
  return typeof d['code'] === 'string' && typeof d['message'] === 'string';
}

/** The server's `{ "error": Diagnostic }`, or a diagnostic made from the status line. */
export function diagnosticOf(status: number, statusText: string, bodyText: string, method: string, url: string): Diagnostic {
  try {
    const body = JSON.parse(bodyText) as unknown;
    const error = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)['error'] : undefined;
    if (isDiagnostic(error)) return error;
  } catch {
    // Not JSON (a proxy's error page, say): described from the status below.
  }
  return { code: `http-${status}`, message: `${method} ${url} answered ${status}${statusText ? ` ${statusText}` : ''}` };
}

/** Why fetch failed, as the runtime says it (Node puts the socket error in `cause`). */
function reasonOf(e: unknown): string {
  if (e instanceof Error) {
    const cause = (e as Error & { cause?: unknown }).cause;
    if (cause instanceof Error) {
      const code = (cause as Error & { code?: unknown }).code;
      return typeof code === 'string' && !cause.message.includes(code) ? `${code}: ${cause.message}` : cause.message;
    }
    return e.message;
  }
  return String(e);
}

export function unreachable(method: string, url: string, e: unknown): ClientError {
  const origin = (() => {
    try {
      return new URL(url).origin;
    } catch {
      return url;
    }
  })();
  return new ClientError(
    0,
    {
      code: 'server-unreachable',
      message: `cannot reach the Cleanroom server at ${origin} (${method} ${url}): ${reasonOf(e)}`,
      hint: 'check the server URL (--server or CLEANROOM_SERVER) and that `cleanroom serve` is running there',
    },
    url,
  );
}
