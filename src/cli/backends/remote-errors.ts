import { ClientError } from '../../client/client-error.ts';
import { UploadFileError } from '../../client/node-upload.ts';
import { CleanroomError, type ProblemKind } from '../../collaboration/errors.ts';

/** The inverse of the API's kind -> status map (src/api/http-problem.ts). */
function kindOf(status: number): ProblemKind {
  switch (status) {
    case 422:
      return 'refused';
    case 403:
      return 'forbidden';
    case 404:
      return 'not-found';
    case 409:
      return 'conflict';
    default:
      // 400, 401, 413, 429, 5xx and no answer at all: failures (exit 1), not refusals.
      return 'invalid';
  }
}

/**
 * A server's answer as the error the embedded CLI would have thrown, so that main.ts
 * prints the same `error: [code] message` line and exits with the same code.
 */
export function asCleanroomError(e: unknown): unknown {
  if (e instanceof ClientError) {
    const diagnostic =
      e.status === 401 ? { ...e.diagnostic, hint: 'check the API key given with --token or CLEANROOM_TOKEN' } : e.diagnostic;
    return new CleanroomError(kindOf(e.status), diagnostic);
  }
  if (e instanceof UploadFileError) return new CleanroomError('invalid', e.diagnostic);
  return e;
}
