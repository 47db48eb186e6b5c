import type { CellValue } from './engine.ts';

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * Encodes one value from DuckDB's JSON row form (`getRowsJson`) as shared/CLI.md says:
 * integers as numbers up to ±(2^53−1) and strings beyond, DECIMAL as strings, non-finite
 * doubles as strings, DATE/TIMESTAMP as ISO-8601 UTC with `Z`.
 */
export function encodeCell(value: unknown, type: string): CellValue {
  if (value === null || value === undefined) return null;
  const base = type.toUpperCase();
  if (/^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT)$/.test(base)) {
    const big = BigInt(String(value));
    return big <= MAX_SAFE && big >= -MAX_SAFE ? Number(big) : big.toString();
  }
  if (base.startsWith('TIMESTAMP')) return isoTimestamp(String(value));
  if (base === 'DATE') return String(value);
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  return JSON.stringify(value);
}

/** `2024-01-02 03:04:05.5+00` or `2024-01-02 03:04:05` -> `2024-01-02T03:04:05.5Z`. */
function isoTimestamp(text: string): string {
  const m = /^(\d{4,}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2}(?:\.\d+)?)(?:([+-]\d{2})(?::?(\d{2}))?)?$/.exec(text);
  if (m === null) return text;
  const [, date, time, offsetHours, offsetMinutes] = m;
  if (offsetHours === undefined || (Number(offsetHours) === 0 && Number(offsetMinutes ?? 0) === 0)) {
    return `${date}T${time}Z`;
  }
  // The engine runs with TimeZone=UTC, so a non-zero offset means an unusual input: let
  // Date normalise it (drops sub-millisecond digits, which such inputs rarely carry).
  return new Date(`${date}T${time}${offsetHours}:${offsetMinutes ?? '00'}`).toISOString();
}
