import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { crawlDataset } from './crawl.ts';
import type { CrawlReport } from './crawl-types.ts';
import { makeDir, put, readParquet, writeParquetFixture, zstdStored } from './crawl-fixtures.ts';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await makeDir());
});
afterEach(async () => cleanup());

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

async function crawl(paths: string[], options: { normalize?: string[]; hash?: Record<string, 'sha256'> } = {}): Promise<{ report: CrawlReport; out: string }> {
  const out = path.join(dir, 'out', 'data.parquet');
  const r = await crawlDataset({ paths, ...options, outputFile: out, tempDir: path.join(dir, 'tmp') });
  if (!r.ok) throw new Error(`unexpected refusal: ${JSON.stringify(r.error)}`);
  return { report: r.value, out };
}

describe('crawlDataset', () => {
  it('infers, normalises names, adds row ids and computes stats for a CSV', async () => {
    const csv = await put(dir, 'people.csv', 'Email Address,dateCreated,Age\nA@x.io,2024-01-02,30\nb@x.io,2024-03-04,\nc@x.io,2023-12-31,25\n');
    const { report, out } = await crawl([csv]);
    expect(report.columns).toEqual([
      { name: 'email_address', type: 'VARCHAR', originalName: 'Email Address' },
      { name: 'date_created', type: 'DATE', originalName: 'dateCreated' },
      { name: 'age', type: 'BIGINT', originalName: 'Age' },
    ]);
    expect(report.mapping).toEqual({ 'Email Address': 'email_address', dateCreated: 'date_created', Age: 'age' });
    expect(report.rowCount).toBe(3);
    expect(report.files).toEqual([{ path: csv, format: 'csv', compression: 'none', rows: 3 }]);
    expect(report.stats).toEqual({
      email_address: { nullCount: 0, min: 'A@x.io', max: 'c@x.io', approxDistinct: 3 },
      date_created: { nullCount: 0, min: '2023-12-31', max: '2024-03-04', approxDistinct: 3 },
      age: { nullCount: 1, min: '25', max: '30', approxDistinct: 2 },
    });
    const rows = await readParquet(out, 'SELECT __cr_rowid, email_address FROM t ORDER BY __cr_rowid');
    expect(rows.map((r) => r['__cr_rowid'])).toEqual([0n, 1n, 2n]);
    expect(rows.map((r) => r['email_address'])).toEqual(['A@x.io', 'b@x.io', 'c@x.io']);
    const codec = await readParquet(out, `SELECT DISTINCT compression FROM parquet_metadata('${out}')`);
    expect(codec).toEqual([{ compression: 'ZSTD' }]);
    // No temporary file is left beside the output.
    expect(await readdir(path.dirname(out))).toEqual(['data.parquet']);
  });

  it('gives timestamp min/max as ISO 8601 UTC with Z and dates as YYYY-MM-DD', async () => {
    // Worked by hand: 05:06:07+02:00 is 03:06:07 UTC; the naive column is taken as UTC,
    // as query results take it (docs/cli.md).
    const csv = await put(
      dir,
      'times.csv',
      'at,at_zoned,day\n2024-01-02 03:04:05,2024-01-02T03:04:05Z,2024-01-02\n2024-03-04 05:06:07.5,2024-03-04T05:06:07+02:00,2024-03-04\n',
    );
    const { report } = await crawl([csv]);
    expect(report.columns.map((c) => c.type)).toEqual(['TIMESTAMP', 'TIMESTAMP WITH TIME ZONE', 'DATE']);
    expect(report.stats).toEqual({
      at: { nullCount: 0, min: '2024-01-02T03:04:05Z', max: '2024-03-04T05:06:07.5Z', approxDistinct: 2 },
      at_zoned: { nullCount: 0, min: '2024-01-02T03:04:05Z', max: '2024-03-04T03:06:07Z', approxDistinct: 2 },
      day: { nullCount: 0, min: '2024-01-02', max: '2024-03-04', approxDistinct: 2 },
    });
  });

  it('keeps every timestamp precision of a Parquet input, and infinity as written', async () => {
    const parquet = path.join(dir, 'times.parquet');
    await writeParquetFixture(
      parquet,
      "SELECT '2024-01-02 03:04:05.123456789'::TIMESTAMP_NS AS ns, '2024-01-02 03:04:05'::TIMESTAMP_S AS s, " +
        "'2024-01-02 08:34:05+05:30'::TIMESTAMPTZ AS zoned, 'infinity'::TIMESTAMP AS endless",
    );
    const { report } = await crawl([parquet]);
    const extremes = Object.fromEntries(Object.entries(report.stats).map(([name, s]) => [name, [s.min, s.max]]));
    expect(extremes).toEqual({
      ns: ['2024-01-02T03:04:05.123456789Z', '2024-01-02T03:04:05.123456789Z'],
      s: ['2024-01-02T03:04:05Z', '2024-01-02T03:04:05Z'],
      zoned: ['2024-01-02T03:04:05Z', '2024-01-02T03:04:05Z'],
      endless: ['infinity', 'infinity'],
    });
  });

  it('normalises and hashes columns: DuckDB sha256 matches node:crypto', async () => {
    const csv = await put(dir, 'ids.csv', 'Email,Phone,Label\n"  Alice@Example.COM ",4915112345,KeepCase\n,4915199999, x \n');
    const { report, out } = await crawl([csv], { normalize: ['Email', 'label'], hash: { email: 'sha256', Phone: 'sha256' } });
    expect(report.columns.map((c) => [c.name, c.type])).toEqual([
      ['email', 'VARCHAR'],
      ['phone', 'VARCHAR'],
      ['label', 'VARCHAR'],
    ]);
    const rows = await readParquet(out, 'SELECT email, phone, label FROM t ORDER BY __cr_rowid');
    expect(rows).toEqual([
      { email: sha256('alice@example.com'), phone: sha256('4915112345'), label: 'keepcase' },
      { email: null, phone: sha256('4915199999'), label: 'x' },
    ]);
  });

  it('reads every format and compression to the same rows', async () => {
    const csv = 'id,name\n1,ann\n2,bob\n';
    const files = [
      await put(dir, 'a.csv.gz', gzipSync(csv)),
      await put(dir, 'b.csv.zst', zstdStored(csv)),
      await put(dir, 'c.tsv', 'id\tname\n1\tann\n2\tbob\n'),
      await put(dir, 'd.json', '[{"id": 1, "name": "ann"}, {"id": 2, "name": "bob"}]'),
      await put(dir, 'e.ndjson.gz', gzipSync('{"id": 1, "name": "ann"}\n{"id": 2, "name": "bob"}\n')),
      await put(dir, 'f.json.zst', zstdStored('{"id": 1, "name": "ann"}\n{"id": 2, "name": "bob"}\n')),
      await put(dir, 'g.jsonl', '{"id": 1, "name": "ann"}\n{"id": 2, "name": "bob"}\n'),
    ];
    const parquet = path.join(dir, 'h.parquet');
    await writeParquetFixture(parquet, "SELECT * FROM (VALUES (1::INTEGER, 'ann'), (2::INTEGER, 'bob')) v(id, name)");
    files.push(parquet);
    const { report, out } = await crawl(files);
    expect(report.files.map((f) => [path.basename(f.path), f.format, f.compression, f.rows])).toEqual([
      ['a.csv.gz', 'csv', 'gzip', 2],
      ['b.csv.zst', 'csv', 'zstd', 2],
      ['c.tsv', 'tsv', 'none', 2],
      ['d.json', 'json', 'none', 2],
      ['e.ndjson.gz', 'ndjson', 'gzip', 2],
      ['f.json.zst', 'json', 'zstd', 2],
      ['g.jsonl', 'ndjson', 'none', 2],
      ['h.parquet', 'parquet', 'none', 2],
    ]);
    // INTEGER (Parquet) and BIGINT (CSV, JSON) reconcile to BIGINT.
    expect(report.columns.map((c) => [c.name, c.type])).toEqual([
      ['id', 'BIGINT'],
      ['name', 'VARCHAR'],
    ]);
    expect(report.rowCount).toBe(16);
    const rows = await readParquet(out, 'SELECT name, count(*)::INTEGER AS n, count(DISTINCT __cr_rowid)::INTEGER AS ids, min(__cr_rowid)::INTEGER AS lo, max(__cr_rowid)::INTEGER AS hi FROM t GROUP BY name ORDER BY name');
    expect(rows).toEqual([
      { name: 'ann', n: 8, ids: 8, lo: expect.any(Number), hi: expect.any(Number) },
      { name: 'bob', n: 8, ids: 8, lo: expect.any(Number), hi: expect.any(Number) },
    ]);
    const all = await readParquet(out, 'SELECT min(__cr_rowid)::INTEGER AS lo, max(__cr_rowid)::INTEGER AS hi, count(DISTINCT __cr_rowid)::INTEGER AS n FROM t');
    expect(all).toEqual([{ lo: 0, hi: 15, n: 16 }]);
  });

  it('turns Hive folders into typed partition columns and reconciles int with float', async () => {
    const root = path.join(dir, 'sales');
    await put(root, 'year=2023/region=eu/part-0.csv', 'Amount\n10\n20\n');
    await put(root, 'year=2024/region=us%20east/part-0.csv', 'Amount\n2.5\n');
    await put(root, 'year=2024/region=us%20east/_SUCCESS', '');
    await put(root, '.hidden/x.csv', 'junk\n');
    const { report, out } = await crawl([root]);
    expect(report.columns).toEqual([
      { name: 'amount', type: 'DOUBLE', originalName: 'Amount' },
      { name: 'year', type: 'BIGINT', originalName: 'year' },
      { name: 'region', type: 'VARCHAR', originalName: 'region' },
    ]);
    expect(report.files.map((f) => f.rows)).toEqual([2, 1]);
    const rows = await readParquet(out, 'SELECT amount, year, region FROM t ORDER BY amount');
    expect(rows).toEqual([
      { amount: 2.5, year: 2024n, region: 'us east' },
      { amount: 10, year: 2023n, region: 'eu' },
      { amount: 20, year: 2023n, region: 'eu' },
    ]);
    expect(report.stats['year']).toEqual({ nullCount: 0, min: '2023', max: '2024', approxDistinct: 2 });
  });

  it('accepts files whose columns come in a different order', async () => {
    const a = await put(dir, 'a.csv', 'x,y\n1,a\n');
    const b = await put(dir, 'b.csv', 'Y,X\nb,2\n');
    const { report, out } = await crawl([a, b]);
    expect(report.mapping).toEqual({ x: 'x', y: 'y', Y: 'y', X: 'x' });
    expect(await readParquet(out, 'SELECT x, y FROM t ORDER BY x')).toEqual([
      { x: 1n, y: 'a' },
      { x: 2n, y: 'b' },
    ]);
  });
});
