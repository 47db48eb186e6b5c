/**
 * A problem a user can fix, as a value. CLI, HTTP API and web UI show the same fields.
 * `code` is stable kebab-case; `message` names the rule and the offending part;
 * `fragment`/`position` point into the query text; `hint` says what to do instead.
 * Never put a data-derived value (an observed count, a row value) in a diagnostic.
 */
export interface Diagnostic {
  readonly code: string;
  readonly message: string;
  /** The rule the refusal comes from: `aggregation`, `list`, `custom`, `sql` ... */
  readonly rule?: string;
  /** The association (SQL table name) whose rule refused. */
  readonly table?: string;
  readonly fragment?: string;
  /** 0-based character offset into the query text. */
  readonly position?: number;
  readonly hint?: string;
}

export type Result<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: Diagnostic };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function refuse<T = never>(error: Diagnostic): Result<T> {
  return { ok: false, error };
}

/** Thrown inside deep walkers and caught at the step boundary to become a Result. */
export class Refusal extends Error {
  constructor(readonly diagnostic: Diagnostic) {
    super(diagnostic.message);
    this.name = 'Refusal';
  }
}

/** Runs a walker that may throw Refusal and turns the outcome into a Result. */
export function catchRefusal<T>(run: () => T): Result<T> {
  try {
    return ok(run());
  } catch (e) {
    if (e instanceof Refusal) return refuse(e.diagnostic);
    throw e;
  }
}
