import type { CellValue } from '../engine/engine.ts';

export type OutputFormat = 'table' | 'json' | 'csv';

/** Default: `table` on a terminal, JSON when stdout is piped (shared/CLI.md). */
export function pickFormat(flag: string | undefined): OutputFormat {
  if (flag === 'table' || flag === 'json' || flag === 'csv') return flag;
  if (flag !== undefined) throw new UsageError(`--format must be table, json or csv, not '${flag}'`);
  return process.stdout.isTTY ? 'table' : 'json';
}

/** A usage error exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

function cellText(value: CellValue | undefined): string {
  if (value === null || value === undefined) return '';
  return String(value);
}

/** RFC 4180: header row, CRLF-free newlines, quotes doubled, NULL as an empty field. */
export function toCsv(columns: readonly string[], rows: readonly (readonly CellValue[])[]): string {
  const field = (text: string): string => (/[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text);
  const lines = [columns.map(field).join(',')];
  for (const row of rows) lines.push(row.map((v) => field(cellText(v))).join(','));
  return `${lines.join('\n')}\n`;
}

/** A boxed text table for people; numbers right-aligned. */
export function toTable(columns: readonly string[], rows: readonly (readonly CellValue[])[]): string {
  const texts = rows.map((r) => r.map((v) => (v === null ? 'NULL' : cellText(v))));
  const widths = columns.map((c, i) => Math.max(c.length, ...texts.map((r) => (r[i] ?? '').length)));
  const numeric = columns.map((_, i) => rows.length > 0 && rows.every((r) => r[i] === null || typeof r[i] === 'number'));
  const pad = (text: string, i: number): string =>
    numeric[i] ? text.padStart(widths[i] ?? 0) : text.padEnd(widths[i] ?? 0);
  const rule = `+${widths.map((w) => '-'.repeat(w + 2)).join('+')}+`;
  const line = (cells: readonly string[]): string => `| ${cells.map((c, i) => pad(c, i)).join(' | ')} |`;
  return [rule, line(columns), rule, ...texts.map(line), rule].join('\n') + '\n';
}

/** Prints rows of records in the chosen format (list commands). */
export function printRecords(format: OutputFormat, records: readonly Record<string, unknown>[], columns: readonly string[]): void {
  if (format === 'json') {
    printJson(records);
    return;
  }
  const rows = records.map((r) =>
    columns.map((c) => {
      const v = r[c];
      if (v === undefined || v === null) return null;
      return typeof v === 'object' ? JSON.stringify(v) : (v as CellValue);
    }),
  );
  process.stdout.write(format === 'csv' ? toCsv(columns, rows) : toTable(columns, rows));
}
