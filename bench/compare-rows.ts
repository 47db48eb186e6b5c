import type { CellValue } from '../src/engine/engine.ts';

export interface Table {
  readonly columns: readonly string[];
  readonly rows: readonly (readonly CellValue[])[];
}

/**
 * Equal columns and equal rows, ignoring row order (ORDER BY ties may come out either
 * way) and float noise below 1e-9 relative. Returns a description of the first
 * difference, or undefined when the tables are equal.
 */
export function differences(expected: Table, actual: Table): string | undefined {
  if (expected.columns.join(',') !== actual.columns.join(',')) {
    return `columns differ: [${expected.columns.join(', ')}] vs [${actual.columns.join(', ')}]`;
  }
  if (expected.rows.length !== actual.rows.length) {
    return `row counts differ: ${expected.rows.length} vs ${actual.rows.length}`;
  }
  const a = expected.rows.map(canonical).sort();
  const b = actual.rows.map(canonical).sort();
  for (let i = 0; i < a.length; i += 1) {
    if (a[i] !== b[i]) return `rows differ: ${a[i]} vs ${b[i]}`;
  }
  return undefined;
}

function canonical(row: readonly CellValue[]): string {
  return JSON.stringify(row.map((v) => (typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(10)) : v)));
}
