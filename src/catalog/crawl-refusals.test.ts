import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { crawlDataset } from './crawl.ts';
import type { CrawlDiagnostic } from './crawl-types.ts';
import { makeDir, put, zstdStored } from './crawl-fixtures.ts';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await makeDir());
});
afterEach(async () => cleanup());

/** Crawls expecting a refusal, and checks that nothing was written. */
async function refused(paths: string[], options: { normalize?: string[]; hash?: Record<string, 'sha256'> } = {}): Promise<CrawlDiagnostic> {
  const outDir = path.join(dir, 'out');
  const r = await crawlDataset({ paths, ...options, outputFile: path.join(outDir, 'data.parquet'), tempDir: path.join(dir, 'tmp') });
  if (r.ok) throw new Error('expected a refusal');
  expect(await readdir(outDir).catch(() => [])).toEqual([]);
  return r.error;
}

describe('crawlDataset refusals', () => {
  it('missing file', async () => {
    const missing = path.join(dir, 'nope.csv');
    expect(await refused([missing])).toMatchObject({ code: 'file-not-found', file: missing });
  });

  it('unknown format and mislabelled compression', async () => {
    const glob = await put(dir, 'a[1].csv', 'a\n1\n');
    expect(await refused([glob])).toMatchObject({ code: 'unsupported-file-name', file: glob });
    const txt = await put(dir, 'notes.txt', 'hello\n');
    expect(await refused([txt])).toMatchObject({ code: 'unknown-format', file: txt });
    const fake = await put(dir, 'plain.csv.gz', 'a\n1\n');
    expect(await refused([fake])).toMatchObject({ code: 'compression-mismatch', file: fake });
    const hidden = await put(dir, 'secret.csv', gzipSync('a\n1\n'));
    expect(await refused([hidden])).toMatchObject({ code: 'compression-mismatch', file: hidden });
  });

  it('empty files: zero bytes, header only, empty JSON array, empty folder', async () => {
    for (const [name, content] of [
      ['zero.csv', ''],
      ['header.csv', 'a,b\n'],
      ['header.csv.zst', zstdStored('a,b\n')],
      ['empty.json', '[]'],
      ['blank.ndjson', '\n'],
    ] as const) {
      const file = await put(dir, name, content);
      expect(await refused([file]), name).toMatchObject({ code: 'empty-file', file });
    }
    const folder = path.join(dir, 'nothing');
    await put(folder, '_SUCCESS', '');
    expect(await refused([folder])).toMatchObject({ code: 'no-input-files' });
  });

  it('ragged CSV rows within the sniffer sample, with the line', async () => {
    const tooMany = await put(dir, 'many.csv', 'a,b\n1,x\n2,y,z\n3,w\n');
    expect(await refused([tooMany])).toMatchObject({ code: 'ragged-row', file: tooMany, line: 3 });
    const tooFew = await put(dir, 'few.tsv', 'a\tb\n1\tx\n2\tx\n3\n');
    expect(await refused([tooFew])).toMatchObject({ code: 'ragged-row', file: tooFew, line: 4 });
  });

  it('ragged row and a mistyped value beyond the sniffer sample', async () => {
    const body = Array.from({ length: 25_000 }, (_, i) => `${i},x`).join('\n');
    // header = line 1, rows 0..24999 = lines 2..25001, the bad row is line 25002.
    const ragged = await put(dir, 'ragged.csv', `n,s\n${body}\n7,y,z\n`);
    expect(await refused([ragged])).toMatchObject({ code: 'ragged-row', line: 25002 });
    const typed = await put(dir, 'typed.csv', `n,s\n${body}\nseven,y\n`);
    const small = await put(dir, 'small.csv', 'n,s\n1,a\n');
    // Found only while writing all files together: still blamed on the right file.
    const error = await refused([small, typed]);
    expect(error).toMatchObject({ code: 'value-does-not-match-type', file: typed, line: 25002, column: 'n' });
  });

  it('non-UTF-8 bytes in CSV, gzip CSV and NDJSON, with line and byte', async () => {
    const latin1 = Buffer.concat([Buffer.from('name,city\nann,Paris\nbob,K'), Buffer.from([0xf6]), Buffer.from('ln\n')]);
    const csv = await put(dir, 'latin1.csv', latin1);
    expect(await refused([csv])).toMatchObject({ code: 'invalid-utf8', file: csv, line: 3, character: 6 });
    const gz = await put(dir, 'latin1.csv.gz', gzipSync(latin1));
    expect(await refused([gz])).toMatchObject({ code: 'invalid-utf8', file: gz, line: 3, character: 6 });
    const json = Buffer.concat([Buffer.from('{"city":"Paris"}\n{"city":"K'), Buffer.from([0xf6]), Buffer.from('ln"}\n')]);
    const nd = await put(dir, 'latin1.ndjson', json);
    expect(await refused([nd])).toMatchObject({ code: 'invalid-utf8', file: nd, line: 2, character: 11 });
  });

  it('malformed JSON names the file and line', async () => {
    const nd = await put(dir, 'broken.ndjson', '{"a": 1}\n{"a": 2\n');
    const error = await refused([nd]);
    expect(error).toMatchObject({ code: 'malformed-json', file: nd });
    expect(error.line).toBeGreaterThanOrEqual(2);
  });

  it('files that disagree: extra column, missing column, irreconcilable types', async () => {
    const a = await put(dir, 'a.csv', 'id,name\n1,ann\n');
    const extra = await put(dir, 'b.csv', 'id,name,age\n2,bob,3\n');
    expect(await refused([a, extra])).toMatchObject({ code: 'schema-mismatch', file: extra });
    const fewer = await put(dir, 'c.csv', 'id\n2\n');
    expect(await refused([a, fewer])).toMatchObject({ code: 'schema-mismatch', file: fewer });
    const text = await put(dir, 'd.csv', 'id,name\nX7,cat\n');
    expect(await refused([a, text])).toMatchObject({ code: 'type-mismatch', file: text, column: 'id' });
    const root = path.join(dir, 'parts');
    await put(root, 'k=1/x.csv', 'id,name\n1,a\n');
    await put(root, 'y.csv', 'id,name\n1,a\n');
    expect(await refused([root])).toMatchObject({ code: 'schema-mismatch' });
    const clash = path.join(dir, 'clash');
    await put(clash, 'Name=x/p.csv', 'id,name\n1,a\n');
    expect(await refused([clash])).toMatchObject({ code: 'column-name-collision', column: 'Name' });
  });

  it('unknown --normalize / --hash columns name the column and list the available ones', async () => {
    const csv = await put(dir, 'p.csv', 'Email,Age\na@x.io,3\n');
    const n = await refused([csv], { normalize: ['mail'] });
    expect(n).toMatchObject({ code: 'unknown-column', column: 'mail' });
    expect(n.message).toContain('Available columns: email, age');
    expect(await refused([csv], { hash: { phone: 'sha256' } })).toMatchObject({ code: 'unknown-column', column: 'phone' });
    expect(await refused([csv], { normalize: ['Age'] })).toMatchObject({ code: 'normalize-not-text', column: 'age' });
    const md5 = { Email: 'md5' } as unknown as Record<string, 'sha256'>;
    expect(await refused([csv], { hash: md5 })).toMatchObject({ code: 'unknown-hash', column: 'Email' });
  });

  it('duplicate, colliding, empty and reserved column names', async () => {
    const dup = await put(dir, 'dup.csv', 'a,b,a\n1,2,3\n');
    expect(await refused([dup])).toMatchObject({ code: 'duplicate-column', file: dup, column: 'a' });
    const collide = await put(dir, 'collide.csv', 'Email Address,email_address\n1,2\n');
    expect(await refused([collide])).toMatchObject({ code: 'column-name-collision', file: collide });
    const blank = await put(dir, 'blank.csv', 'a,,c\n1,2,3\n');
    expect(await refused([blank])).toMatchObject({ code: 'empty-column-name', file: blank });
    const reserved = await put(dir, 'reserved.csv', 'id,__CR_rowid\n1,2\n');
    expect(await refused([reserved])).toMatchObject({ code: 'reserved-column-name', file: reserved });
    const jsonDup = await put(dir, 'dup.ndjson', '{"a": 1, "a": 2}\n');
    expect(await refused([jsonDup])).toMatchObject({ code: 'duplicate-column', file: jsonDup, line: 1 });
  });

  it('leaves an existing output file untouched when refused', async () => {
    const out = await put(dir, 'keep/data.parquet', 'previous');
    const bad = await put(dir, 'bad.csv', 'a,b\n1\n');
    const r = await crawlDataset({ paths: [bad], outputFile: out, tempDir: path.join(dir, 'tmp') });
    expect(r.ok).toBe(false);
    expect(await readdir(path.dirname(out))).toEqual(['data.parquet']);
  });
});

describe('crawlDataset refusals (JSON shape)', () => {
  it('refuses JSON values that are not objects', async () => {
    const { dir: d, cleanup: c } = await makeDir();
    try {
      const file = await put(d, 'nums.json', '[1, 2, 3]');
      const r = await crawlDataset({ paths: [file], outputFile: path.join(d, 'o.parquet'), tempDir: path.join(d, 'tmp') });
      expect(r.ok ? undefined : r.error).toMatchObject({ code: 'not-records', file });
    } finally {
      await c();
    }
  });
});
