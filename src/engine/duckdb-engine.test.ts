import { DuckDBInstance } from '@duckdb/node-api';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbEngine, EngineError } from './duckdb-engine.ts';
import { QueryCancelled, type ProtectedRunRequest } from './engine.ts';

describe('DuckDbEngine', () => {
  let root: string;
  let dataFile: string;
  let secretFile: string;
  const engine = new DuckDbEngine({ memoryLimit: '512MB', threads: 1 });

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'cr-engine-'));
    mkdirSync(join(root, 'member'));
    mkdirSync(join(root, 'other'));
    dataFile = join(root, 'member', 'data.parquet');
    secretFile = join(root, 'other', 'secret.parquet');
    writeFileSync(join(root, 'other', 'secret.csv'), 'x\n42\n');
    const setup = await DuckDBInstance.create(':memory:');
    const c = await setup.connect();
    await c.run(
      `COPY (SELECT i AS __cr_rowid, 'u' || (i % 3) AS email, i * 10 AS spend, 'hidden' AS ssn FROM range(6) t(i)) TO '${dataFile}' (FORMAT parquet)`,
    );
    await c.run(`COPY (SELECT 42 AS s) TO '${secretFile}' (FORMAT parquet)`);
    c.closeSync();
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  function request(sql: string, extra: Partial<ProtectedRunRequest> = {}): ProtectedRunRequest {
    const workDir = mkdtempSync(join(root, 'work-'));
    return {
      tables: [{ viewName: 'spend', files: [dataFile], columns: ['__cr_rowid', 'email', 'spend'] }],
      sql,
      outputFile: join(workDir, 'out.parquet'),
      format: 'parquet',
      workDir,
      previewRows: 10,
      ...extra,
    };
  }

  it('runs SQL over the exposed view and reads the result back with types', async () => {
    const out = await engine.runProtected(request('SELECT email, sum(spend) AS total FROM spend GROUP BY email ORDER BY email'));
    expect(out.delivered).toBe(true);
    if (!out.delivered) return;
    // Hand-computed: u0 = rows 0,3 -> 0+30; u1 = 1,4 -> 10+40; u2 = 2,5 -> 20+50.
    expect(out.preview).toEqual([
      ['u0', 30],
      ['u1', 50],
      ['u2', 70],
    ]);
    expect(out.rowCount).toBe(3);
    expect(out.columns.map((c) => c.name)).toEqual(['email', 'total']);
  });

  it('writes CSV on request', async () => {
    const req = request('SELECT email FROM spend WHERE spend = 0', { format: 'csv' });
    const csvFile = join(req.workDir, 'out.csv');
    await engine.runProtected({ ...req, outputFile: csvFile });
    expect(readFileSync(csvFile, 'utf8')).toBe('email\nu0\n');
  });

  it('hides columns that are not exposed', async () => {
    await expect(engine.runProtected(request('SELECT ssn FROM spend'))).rejects.toBeInstanceOf(EngineError);
  });

  it.each([
    [`SELECT * FROM read_parquet('SECRET')`],
    [`SELECT * FROM read_csv('OTHERCSV')`],
    [`SELECT * FROM read_csv('/etc/passwd')`],
  ])('cannot read files it was not given: %s', async (sql) => {
    const text = sql.replace('SECRET', secretFile).replace('OTHERCSV', join(root, 'other', 'secret.csv'));
    await expect(engine.runProtected(request(text))).rejects.toThrow(/Permission|disabled/i);
  });

  it('cannot re-enable external access', async () => {
    const req = request('SELECT 1');
    await expect(
      engine.runProtected({ ...req, sql: "SELECT 1); SET enable_external_access = true; SELECT (1" }),
    ).rejects.toBeInstanceOf(EngineError);
  });

  it('does not deliver when the gate query says no', async () => {
    const out = await engine.runProtected(request('SELECT email FROM spend', { deliverIfSql: 'SELECT count(*) > 100 FROM spend' }));
    expect(out).toEqual({ delivered: false });
  });

  it('stops a running query when its signal aborts', async () => {
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 300);
    const run = engine.runProtected(
      request('SELECT sum(a.i * b.i) FROM range(200000) a(i), range(200000) b(i)', { signal: controller.signal }),
    );
    await expect(run).rejects.toBeInstanceOf(QueryCancelled);
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('refuses a work folder other users can open (it holds decrypted member data)', async () => {
    const req = request('SELECT 1 AS x');
    chmodSync(req.workDir, 0o755);
    await expect(engine.runProtected(req)).rejects.toThrow(/^Internal error: the query work folder must be private/);
  });

  it('spills into the work folder, its temp_directory, and nowhere else', async () => {
    // A sort far beyond the memory limit must spill; the files go to the work folder only.
    const small = new DuckDbEngine({ memoryLimit: '64MB', threads: 1 });
    const req = request('SELECT email FROM spend ORDER BY email');
    const bigSql = "SELECT i, md5(i::VARCHAR) || repeat('x', 200) AS pad FROM range(600000) t(i) ORDER BY pad DESC LIMIT 1";
    const outcome = await small.runProtected({ ...req, sql: bigSql, tables: [] });
    expect(outcome.delivered).toBe(true);
    // DuckDB removes its spill files when the instance closes; only the result remains.
    expect(readdirSync(req.workDir)).toEqual(['out.parquet']);
  });
});
