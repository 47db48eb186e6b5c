import { CrawlRefusal, RESERVED_PREFIX } from './crawl-types.ts';

/**
 * Lowercase snake_case: `Email Address` -> `email_address`, `dateCreated` ->
 * `date_created`, `HTTPStatus` -> `http_status`, `userID` -> `user_id`.
 * Letters and digits of any script are kept (lower-cased, NFC); every other run of
 * characters becomes one `_`. Leading underscores are kept on purpose so that
 * `__CR_RowId` still normalises into the reserved `__cr_` prefix and is refused,
 * rather than slipping through as `cr_row_id`.
 */
export function normalizeColumnName(original: string): string {
  const trimmed = original.normalize('NFC').trim();
  const leading = /^_*/.exec(trimmed)?.[0] ?? '';
  const rest = trimmed
    .slice(leading.length)
    // lower/digit followed by upper: dateCreated -> date_Created
    .replace(/([\p{Ll}\p{N}])(\p{Lu})/gu, '$1_$2')
    // acronym followed by a word: HTTPStatus -> HTTP_Status
    .replace(/(\p{Lu})(\p{Lu}\p{Ll})/gu, '$1_$2')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '_')
    .replace(/^_+|_+$/g, '');
  return rest === '' ? '' : leading + rest;
}

/**
 * Normalises the columns of one file, refusing empty names, reserved names and names
 * that collide (before or after normalisation). Returns original -> normalised, in
 * file order.
 */
export function normalizeColumns(originals: readonly string[], file: string): Map<string, string> {
  const mapping = new Map<string, string>();
  const byNormalized = new Map<string, string>();
  for (const original of originals) {
    if (mapping.has(original)) {
      throw new CrawlRefusal({
        code: 'duplicate-column',
        message: `File ${file} has the column name "${original}" more than once.`,
        file,
        column: original,
        hint: 'Rename one of the columns so that every column name is unique.',
      });
    }
    const normalized = normalizeColumnName(original);
    if (normalized === '') {
      throw new CrawlRefusal({
        code: 'empty-column-name',
        message: `File ${file} has a column with an empty name${original === '' ? '' : ` ("${original}" has no letters or digits)`}.`,
        file,
        column: original,
        hint: 'Give every column a name with at least one letter or digit.',
      });
    }
    if (normalized.startsWith(RESERVED_PREFIX)) {
      throw new CrawlRefusal({
        code: 'reserved-column-name',
        message: `File ${file} has the column "${original}", which normalises to "${normalized}"; names starting with "${RESERVED_PREFIX}" are reserved for Cleanroom.`,
        file,
        column: original,
        hint: 'Rename the column.',
      });
    }
    const clash = byNormalized.get(normalized);
    if (clash !== undefined) {
      throw new CrawlRefusal({
        code: 'column-name-collision',
        message: `File ${file} has the columns "${clash}" and "${original}", which both normalise to "${normalized}".`,
        file,
        column: original,
        hint: 'Rename one of the columns.',
      });
    }
    byNormalized.set(normalized, original);
    mapping.set(original, normalized);
  }
  return mapping;
}
