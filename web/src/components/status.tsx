import type { ComponentChildren } from 'preact';
import { ClientError, type Diagnostic } from '../../../src/client/index.ts';

export function Loading({ what }: { readonly what: string }) {
  return (
    <p class="loading" role="status" aria-live="polite">
      <span class="spinner" aria-hidden="true" /> Loading {what}…
    </p>
  );
}

export function Empty({ children }: { readonly children: ComponentChildren }) {
  return <div class="empty">{children}</div>;
}

/** A diagnostic as the CLI prints it: code, message, where, and the hint. */
export function DiagnosticView({ diagnostic, title }: { readonly diagnostic: Diagnostic; readonly title?: string }) {
  const where = [
    diagnostic.rule !== undefined ? `rule: ${diagnostic.rule}` : undefined,
    diagnostic.table !== undefined ? `table: ${diagnostic.table}` : undefined,
    diagnostic.position !== undefined ? `at character ${diagnostic.position}` : undefined,
  ].filter((w): w is string => w !== undefined);
  return (
    <div class="diagnostic">
      {title !== undefined && <p class="diagnostic-title">{title}</p>}
      <p>
        <code class="diagnostic-code">[{diagnostic.code}]</code> <span class="diagnostic-message">{diagnostic.message}</span>
      </p>
      {where.length > 0 && <p class="diagnostic-where">{where.join(' · ')}</p>}
      {diagnostic.fragment !== undefined && (
        <p>
          offending part: <code class="diagnostic-fragment">{diagnostic.fragment}</code>
        </p>
      )}
      {diagnostic.hint !== undefined && <p class="diagnostic-hint">hint: {diagnostic.hint}</p>}
    </div>
  );
}

/** A failed request: the server's diagnostic, its HTTP status, and a retry. */
export function ErrorBox({ error, retry }: { readonly error: unknown; readonly retry?: () => void }) {
  const diagnostic: Diagnostic =
    error instanceof ClientError
      ? error.diagnostic
      : { code: 'browser-error', message: error instanceof Error ? error.message : String(error) };
  const status = error instanceof ClientError ? (error.status === 0 ? 'the server did not answer' : `HTTP ${error.status}`) : 'in the browser';
  return (
    <div class="error" role="alert">
      <DiagnosticView diagnostic={diagnostic} title={`The request failed (${status}):`} />
      {retry && (
        <button type="button" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  );
}

/** The usual three states of something loaded. */
export function Loaded<T>({
  load,
  what,
  retry,
  children,
}: {
  readonly load: { readonly state: 'loading' } | { readonly state: 'error'; readonly error: unknown } | { readonly state: 'ready'; readonly value: T };
  readonly what: string;
  readonly retry?: () => void;
  readonly children: (value: T) => ComponentChildren;
}) {
  if (load.state === 'loading') return <Loading what={what} />;
  if (load.state === 'error') return <ErrorBox error={load.error} {...(retry ? { retry } : {})} />;
  return <>{children(load.value)}</>;
}
