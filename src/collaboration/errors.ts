import type { Diagnostic } from '../sql/diagnostic.ts';

/**
 * What went wrong, from the user's side. The CLI maps it to an exit code and the HTTP
 * API (later) to a status: `refused` (a rule, an unknown table or column, a bad
 * parameter) exits 3; `invalid` (bad arguments or input files) and the rest exit 1.
 */
export type ProblemKind = 'refused' | 'forbidden' | 'not-found' | 'conflict' | 'invalid';

/** A problem the user can fix; carries the same diagnostic the CLI and API show. */
export class CleanroomError extends Error {
  override readonly name = 'CleanroomError';
  constructor(
    readonly kind: ProblemKind,
    readonly diagnostic: Diagnostic,
  ) {
    super(diagnostic.message);
  }
}

export function forbidden(message: string, hint?: string): CleanroomError {
  return new CleanroomError('forbidden', { code: 'forbidden', message, ...(hint ? { hint } : {}) });
}

export function notFound(code: string, message: string, hint?: string): CleanroomError {
  return new CleanroomError('not-found', { code, message, ...(hint ? { hint } : {}) });
}

export function conflict(code: string, message: string, hint?: string): CleanroomError {
  return new CleanroomError('conflict', { code, message, ...(hint ? { hint } : {}) });
}

export function invalid(code: string, message: string, hint?: string): CleanroomError {
  return new CleanroomError('invalid', { code, message, ...(hint ? { hint } : {}) });
}

export function refused(diagnostic: Diagnostic): CleanroomError {
  return new CleanroomError('refused', diagnostic);
}
