import { DuckDBInstance } from '@duckdb/node-api';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbEngine, deliveredSql } from './duckdb-engine.ts';
import type { ProtectedRunRequest } from './engine.ts';

/** Independent of DuckDB: strip space, \t, \n, \r at both ends (as ingest does), lowercase. */
const normalise = (s: string): string => s.replace(/^[ \t\n\r]+|[ \t\n\r]+$/g, '').toLowerCase();
const sha256 = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');

// Identifiers as a platform might store them: padding, tabs, newlines, mixed case, non-ASCII.
const IDS = [' A@X.com ', 'b@x.COM\t', '\nC@x.com\r\n', 'd@x.com', 'Zoë@Example.org', ''];

describe('delivery options in the sealed engine', () => {
  let root: string;
  let dataFile: string;
  const engine = new DuckDbEngine({ memoryLimit: '512MB', threads: 1 });

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'cr-delivery-'));
    mkdirSync(join(root, 'member'));
    dataFile = join(root, 'member', 'data.parquet');
    const setup = await DuckDBInstance.create(':memory:');
    const c = await setup.connect();
    const values = IDS.map((id, i) => `(${i}, '${id.replaceAll("'", "''")}', ${i * 10})`).join(', ');
    await c.run(
      `COPY (SELECT * FROM (VALUES ${values}, (${IDS.length}, NULL, 99)) t(__cr_rowid, email, spend)) TO '${dataFile}' (FORMAT parquet)`,
    );
    c.closeSync();
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  function request(sql: string, extra: Partial<ProtectedRunRequest> = {}): ProtectedRunRequest {
    const workDir = mkdtempSync(join(root, 'work-'));
    return {
      tables: [{ viewName: 'ids', files: [dataFile], columns: ['__cr_rowid', 'email', 'spend'] }],
      sql,
      outputFile: join(workDir, 'out.parquet'),
      format: 'parquet',
      workDir,
      previewRows: 100,
      ...extra,
    };
  }
  const ALL = 'SELECT email, spend FROM ids ORDER BY __cr_rowid';

  it("normalises and hashes with DuckDB's sha256, exactly as node:crypto computes it", async () => {
    const out = await engine.runProtected(request(ALL, { delivery: [{ column: 'email', normalize: true, hash: 'sha256' }] }));
    expect(out.delivered).toBe(true);
    if (!out.delivered) return;
    const expected = [...IDS.map((id, i) => [sha256(normalise(id)), i * 10]), [null, 99]];
    expect(out.preview).toEqual(expected);
    // Spot check by hand: ' A@X.com ' -> 'a@x.com'.
    expect(out.preview[0]?.[0]).toBe(sha256('a@x.com'));
    // Same columns, same order; the hashed one is text.
    expect(out.columns.map((c) => [c.name, c.type])).toEqual([['email', 'VARCHAR'], ['spend', 'INTEGER']]);
  });

  it('hashes the value as stored without --normalize, and normalises without hashing', async () => {
    const hashed = await engine.runProtected(request(ALL, { delivery: [{ column: 'email', normalize: false, hash: 'sha256' }] }));
    const normalised = await engine.runProtected(request(ALL, { delivery: [{ column: 'email', normalize: true }] }));
    if (!hashed.delivered || !normalised.delivered) throw new Error('expected delivery');
    expect(hashed.preview.map((r) => r[0])).toEqual([...IDS.map(sha256), null]);
    expect(normalised.preview.map((r) => r[0])).toEqual([...IDS.map(normalise), null]);
  });

  it('transforms the stored file too (csv), not only the preview', async () => {
    const req = request(ALL, { format: 'csv', delivery: [{ column: 'email', normalize: true, hash: 'sha256' }] });
    const out = await engine.runProtected({ ...req, outputFile: join(req.workDir, 'out.csv') });
    expect(out.delivered).toBe(true);
    const lines = readFileSync(join(req.workDir, 'out.csv'), 'utf8').trim().split('\n');
    expect(lines[0]).toBe('email,spend');
    expect(lines.slice(1, 1 + IDS.length)).toEqual(IDS.map((id, i) => `${sha256(normalise(id))},${i * 10}`));
    for (const id of IDS.filter((x) => x.trim() !== '')) expect(lines.join('\n')).not.toContain(normalise(id));
  });

  it('applies nothing when the gate is closed: no file is written', async () => {
    const req = request(ALL, {
      deliverIfSql: 'SELECT false AS list_size_ok',
      delivery: [{ column: 'email', normalize: true, hash: 'sha256' }],
    });
    expect(await engine.runProtected(req)).toEqual({ delivered: false });
    expect(() => readFileSync(req.outputFile)).toThrow();
  });

  it('wraps the delivered rows and leaves the SQL alone without options', () => {
    expect(deliveredSql('SELECT 1 AS x', [])).toBe('SELECT 1 AS x');
    expect(deliveredSql('SELECT 1 AS x', [{ column: 'x', normalize: false }])).toBe('SELECT 1 AS x');
    expect(deliveredSql('SELECT a FROM t', [{ column: 'a"b', normalize: false, hash: 'sha256' }])).toBe(
      'SELECT * REPLACE (sha256("a""b") AS "a""b") FROM (SELECT a FROM t) AS "__cr_delivered"',
    );
  });
});
