/**
 * Where things live inside an object store. Every key is built here from validated
 * segments, so a member, dataset or result name chosen by a hostile member can never
 * name a path outside the store (`..`, absolute paths, separators, control bytes).
 *
 *   members/<member>/datasets/<dataset>/v<version>/<file>.parquet
 *   members/<member>/results/<resultId>.<ext>
 *   tmp/<name>                      in-progress writes, removed by sweepTemporary()
 *
 * Storage imports nothing of the project, so results here are shaped like
 * `Result<string>` from src/sql/diagnostic.ts without importing it.
 */

export type KeyResult =
  | { readonly ok: true; readonly value: string }
  | { readonly ok: false; readonly error: { readonly code: string; readonly message: string; readonly hint?: string } };

/** Leading alphanumeric keeps names from starting with `.` (hidden, `..`) or `-` (flags). */
const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9_.=-]{0,127}$/;
/** Names of members, datasets, files and results: stricter than a key segment (no `=`). */
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const MAX_KEY_LENGTH = 1024;
export const TMP_PREFIX = 'tmp/';
export const RESULT_EXTENSIONS = ['parquet', 'csv', 'json'] as const;
export type ResultExtension = (typeof RESULT_EXTENSIONS)[number];

/** Why `key` is unsafe, or undefined when it is a safe relative object key. */
export function keyProblem(key: string): string | undefined {
  if (key.length === 0) return 'the key is empty';
  if (key.length > MAX_KEY_LENGTH) return `the key is longer than ${MAX_KEY_LENGTH} characters`;
  if (key.startsWith('/')) return 'the key is an absolute path';
  for (const segment of key.split('/')) {
    if (segment === '') return 'the key has an empty path segment';
    if (segment.includes('..')) return 'the key contains ".."';
    if (!SEGMENT.test(segment)) return `the key segment "${printable(segment)}" has characters outside A-Z a-z 0-9 _ . = -`;
  }
  return undefined;
}

/** Throws for an unsafe key: keys come from this module, so a bad one is a bug. */
export function assertSafeKey(key: string): void {
  const problem = keyProblem(key);
  if (problem !== undefined) throw new Error(`Internal error: unsafe object key: ${problem}`);
}

/**
 * A prefix for list/delete: a key, optionally ending in `/`, or '' for everything.
 * A partial last segment (`members/ac`) is allowed, as S3 allows it.
 */
export function assertSafePrefix(prefix: string): void {
  if (prefix === '') return;
  assertSafeKey(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix);
}

export function checkName(kind: string, name: string): KeyResult {
  if (NAME.test(name) && !name.includes('..')) return { ok: true, value: name };
  return {
    ok: false,
    error: {
      code: 'unsafe-name',
      message: `The ${kind} name "${printable(name)}" cannot be stored: names are 1-128 characters of A-Z a-z 0-9 _ . - starting with a letter or digit, without "..".`,
      hint: `Choose a ${kind} name such as "acme_2024".`,
    },
  };
}

export function memberPrefix(member: string): KeyResult {
  const m = checkName('member', member);
  return m.ok ? { ok: true, value: `members/${member}/` } : m;
}

/** Prefix of all versions of a dataset (for deleting a dataset). */
export function datasetPrefix(member: string, dataset: string): KeyResult {
  const m = memberPrefix(member);
  if (!m.ok) return m;
  const d = checkName('dataset', dataset);
  return d.ok ? { ok: true, value: `${m.value}datasets/${dataset}/` } : d;
}

export function datasetVersionPrefix(member: string, dataset: string, version: number): KeyResult {
  const d = datasetPrefix(member, dataset);
  if (!d.ok) return d;
  if (!Number.isSafeInteger(version) || version < 1) {
    return {
      ok: false,
      error: { code: 'bad-version', message: `A dataset version is a whole number from 1 up, not ${String(version)}.` },
    };
  }
  return { ok: true, value: `${d.value}v${version}/` };
}

/** `members/<member>/datasets/<dataset>/v<version>/<file>.parquet` */
export function datasetFileKey(member: string, dataset: string, version: number, file: string): KeyResult {
  const v = datasetVersionPrefix(member, dataset, version);
  if (!v.ok) return v;
  const f = checkName('file', file);
  return f.ok ? { ok: true, value: `${v.value}${file}.parquet` } : f;
}

export function resultsPrefix(member: string): KeyResult {
  const m = memberPrefix(member);
  return m.ok ? { ok: true, value: `${m.value}results/` } : m;
}

/** `members/<member>/results/<resultId>.<ext>` */
export function resultKey(member: string, resultId: string, ext: ResultExtension): KeyResult {
  const r = resultsPrefix(member);
  if (!r.ok) return r;
  const id = checkName('result', resultId);
  if (!id.ok) return id;
  if (!(RESULT_EXTENSIONS as readonly string[]).includes(ext)) {
    return { ok: false, error: { code: 'bad-result-format', message: `Results are stored as ${RESULT_EXTENSIONS.join(', ')}.` } };
  }
  return { ok: true, value: `${r.value}${resultId}.${ext}` };
}

/** `tmp/<name>`: a place for a write in progress; swept after a crash. */
export function tmpKey(name: string): KeyResult {
  const n = checkName('temporary file', name);
  return n.ok ? { ok: true, value: `${TMP_PREFIX}${name}` } : n;
}

/** Keeps control characters out of messages and logs. */
function printable(text: string): string {
  const shown = text.length > 60 ? `${text.slice(0, 60)}…` : text;
  return shown.replace(/[\u0000-\u001f\u007f]/g, '?');
}
