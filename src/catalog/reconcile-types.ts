/**
 * The one type two files' versions of a column can share without losing values, or
 * undefined when there is none. Deliberately narrow: widening integers, integers with
 * floats, dates with timestamps. Text with numbers is not reconciled, since casting
 * would silently turn the member's numbers into strings in some files only.
 */
export function reconcileTypes(a: string, b: string): string | undefined {
  if (a === b) return a;
  if (a === 'NULL') return b; // a JSON key that held only nulls in one file
  if (b === 'NULL') return a;
  const ra = numericRank(a);
  const rb = numericRank(b);
  if (ra !== undefined && rb !== undefined) {
    if (ra.kind === 'int' && rb.kind === 'int') return ra.rank === 3 || rb.rank === 3 ? 'HUGEINT' : 'BIGINT';
    return 'DOUBLE'; // any float or decimal mix: DOUBLE holds every value approximately
  }
  const dates = new Set([a, b]);
  if (dates.size === 2 && dates.has('DATE') && dates.has('TIMESTAMP')) return 'TIMESTAMP';
  return undefined;
}

interface NumericRank {
  readonly kind: 'int' | 'float';
  readonly rank: number;
}

const INTEGERS: Readonly<Record<string, number>> = {
  TINYINT: 1,
  SMALLINT: 1,
  INTEGER: 1,
  BIGINT: 1,
  UTINYINT: 1,
  USMALLINT: 1,
  UINTEGER: 1,
  // UBIGINT does not fit BIGINT; HUGEINT holds it.
  UBIGINT: 3,
  HUGEINT: 3,
};

function numericRank(type: string): NumericRank | undefined {
  const int = INTEGERS[type];
  if (int !== undefined) return { kind: 'int', rank: int };
  if (type === 'FLOAT' || type === 'DOUBLE' || type.startsWith('DECIMAL')) return { kind: 'float', rank: 2 };
  return undefined;
}
