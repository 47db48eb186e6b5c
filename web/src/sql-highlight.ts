/** The part of a query a diagnostic points at, to mark it in the text. Pure. */
export interface Range {
  readonly start: number;
  readonly end: number;
}

/**
 * The characters to mark: from the diagnostic's 0-based `position`, as long as its
 * `fragment` when the text there matches it (else to the end of the word); without a
 * position, the fragment's first occurrence. Undefined when neither points anywhere.
 *
 * @example highlightRange('SELECT * FROM raw', { position: 14, fragment: 'raw' }) // { start: 14, end: 17 }
 */
export function highlightRange(sql: string, diagnostic: { readonly position?: number; readonly fragment?: string }): Range | undefined {
  const { position, fragment } = diagnostic;
  if (position !== undefined && Number.isInteger(position) && position >= 0 && position < sql.length) {
    if (fragment !== undefined && fragment !== '' && sql.startsWith(fragment, position)) return { start: position, end: position + fragment.length };
    const word = /^[\w."$]+/.exec(sql.slice(position));
    return { start: position, end: position + Math.max(1, word?.[0].length ?? 1) };
  }
  if (fragment !== undefined && fragment !== '') {
    const at = sql.indexOf(fragment);
    if (at >= 0) return { start: at, end: at + fragment.length };
  }
  return undefined;
}
