/**
 * Every message here is a real DuckDB error, produced by running a failing statement on
 * @duckdb/node-api over a table of planted values (fake e-mails, recognisable numbers).
 * The statements never contain the planted values, so any value in a diagnostic could
 * only have come from the engine's message: the diagnostic must hold none of them, and
 * must name the kind of failure (and the expression, where DuckDB gives a position).
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classify, engineErrorDiagnostic, type EngineErrorSource } from './engine-error-diagnostic.ts';

const EMAIL = 'alice.secret@example.com';
const BAD_REGEX = 'alice@(example.com';
const BIG = '7777777777777777777';
const FORGED = `boom\n\nLINE 1: zq-planted-context\n         ^`;

let duck: DuckDBInstance;
let c: DuckDBConnection;
let out: string;
beforeAll(async () => {
  out = join(mkdtempSync(join(tmpdir(), 'cr-engine-error-')), 'out.parquet');
  duck = await DuckDBInstance.create(':memory:', { threads: '1' });
  c = await duck.connect();
  await c.run(`CREATE TABLE people AS SELECT * FROM (VALUES
    ('${EMAIL}', '${BAD_REGEX}', CAST(${BIG} AS BIGINT), CAST(1.5 AS DECIMAL(38,30)), DATE '5881580-07-10',
     TIMESTAMP '2020-01-01 00:00:00', CAST(-9223372036854775808 AS BIGINT),
     CAST('99999999999999999999999999999999999999' AS DECIMAL(38,0)), -5.5, '${FORGED.replaceAll("'", "''")}'),
    ('bob.hidden@example.com', 'b', CAST(2 AS BIGINT), CAST(1.5 AS DECIMAL(38,30)), DATE '2020-01-01',
     TIMESTAMP '2020-01-01 00:00:00', CAST(1 AS BIGINT),
     CAST('99999999999999999999999999999999999999' AS DECIMAL(38,0)), 1.0, 'x')
  ) t(email, pattern, big, ratio, d, ts, low, wide, neg, forged)`);
});
afterAll(() => {
  c.closeSync();
  duck.closeSync();
  rmSync(join(out, '..'), { recursive: true, force: true });
});

/** DuckDB's message for `statement`, which must fail. */
async function failure(statement: string, connection: DuckDBConnection = c): Promise<string> {
  try {
    await connection.run(statement);
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
  throw new Error(`expected the engine to fail: ${statement}`);
}

/** Runs `emitted` inside a COPY, as the engine does, and maps its failure. */
async function mapped(emitted: string, planted: readonly string[]): Promise<{ raw: string; json: string; d: ReturnType<typeof engineErrorDiagnostic> }> {
  const statement = `COPY (${emitted}) TO '${out}' (FORMAT parquet)`;
  const raw = await failure(statement);
  const d = engineErrorDiagnostic(raw, { statement, emitted });
  const json = JSON.stringify(d);
  for (const value of planted) expect(json).not.toContain(value);
  return { raw, json, d };
}

describe('engine errors that quote data values become diagnostics without them', () => {
  it('conversion-failed: a string holding an e-mail cast to INTEGER (names the CAST)', async () => {
    const { raw, d } = await mapped('SELECT CAST(email AS INTEGER) AS v FROM people', [EMAIL]);
    expect(raw).toContain(EMAIL);
    expect(d).toMatchObject({ code: 'conversion-failed', fragment: 'CAST(email AS INTEGER)' });
    expect(d.message).toMatch(/could not be converted/);
    expect(d.hint).toMatch(/TRY_CAST/);
  });

  it('conversion-failed: an e-mail cast to DATE and to DECIMAL', async () => {
    const date = await mapped('SELECT CAST(email AS DATE) AS v FROM people', [EMAIL]);
    expect(date.raw).toContain(EMAIL);
    expect(date.d).toMatchObject({ code: 'conversion-failed', fragment: 'CAST(email AS DATE)' });
    const decimal = await mapped('SELECT 1 AS a, CAST(email AS DECIMAL(10, 2)) AS v FROM people', [EMAIL]);
    expect(decimal.raw).toContain(EMAIL);
    expect(decimal.d).toMatchObject({ code: 'conversion-failed', fragment: 'CAST(email AS DECIMAL(10, 2))' });
  });

  it('conversion-failed: the implicit cast of a BIGINT to DECIMAL(38,30) in COALESCE quotes the number', async () => {
    const { raw, d } = await mapped('SELECT COALESCE(big, ratio) AS v FROM people', [BIG]);
    expect(raw).toContain(BIG);
    expect(d).toMatchObject({ code: 'conversion-failed', fragment: 'COALESCE(big, ratio)' });
  });

  it('conversion-failed: a DATE outside the timestamp range compared with a TIMESTAMP names the comparison', async () => {
    const { raw, d } = await mapped('SELECT count(*) AS n FROM people WHERE (d < ts)', ['5881580']);
    expect(raw).toContain('5881580-07-10');
    expect(d).toMatchObject({ code: 'conversion-failed', fragment: '(d < ts)' });
  });

  it('date-out-of-range: date_trunc of a date outside the timestamp range', async () => {
    const { d } = await mapped("SELECT date_trunc('month', d) AS m FROM people", ['5881580']);
    expect(d.code).toBe('date-out-of-range');
  });

  it('numeric-overflow: BIGINT multiplication, abs(MIN(BIGINT)), a DECIMAL(38,0) sum, MIN(BIGINT) // -1', async () => {
    const product = await mapped('SELECT big * big AS v FROM people', [BIG]);
    expect(product.raw).toContain(BIG);
    expect(product.d.code).toBe('numeric-overflow');
    expect(product.d.fragment).toBeUndefined(); // DuckDB gives no position for runtime overflow
    const abs = await mapped('SELECT abs(low) AS v FROM people', ['9223372036854775808']);
    expect(abs.raw).toContain('-9223372036854775808');
    expect(abs.d.code).toBe('numeric-overflow');
    const sum = await mapped('SELECT sum(wide) AS v FROM people', ['99999999999999999999999999999999999999']);
    expect(sum.raw).toContain('99999999999999999999999999999999999999');
    expect(sum.d.code).toBe('numeric-overflow');
    const division = await mapped('SELECT low // -1 AS v FROM people', ['9223372036854775808']);
    expect(division.raw).toMatch(/Overflow in division/);
    expect(division.d.code).toBe('numeric-overflow');
  });

  it('DuckDB does not raise on integer division or modulo by zero (NULL) nor on x / 0 (Infinity)', async () => {
    const reader = await c.runAndReadAll('SELECT big // 0, big % 0, big / 0 FROM people LIMIT 1');
    expect(reader.getRowsJson()[0]).toEqual([null, null, 'Infinity']);
    // The class exists in DuckDB; should any function raise it, it maps to its own code.
    expect(classify('Divide by Zero Error: x')).toBe('division-by-zero');
  });

  it('invalid-input: a regular expression taken from a value, error(value), strptime(value)', async () => {
    const regex = await mapped('SELECT regexp_matches(email, pattern) AS v FROM people', [BAD_REGEX, 'example']);
    expect(regex.raw).toContain(BAD_REGEX);
    expect(regex.d.code).toBe('invalid-input');
    const error = await mapped('SELECT error(email) AS v FROM people', [EMAIL]);
    expect(error.raw).toContain(EMAIL);
    expect(error.d.code).toBe('invalid-input');
    const parse = await mapped("SELECT strptime(email, '%Y') AS v FROM people", [EMAIL]);
    expect(parse.raw).toContain(EMAIL);
    expect(parse.d.code).toBe('invalid-input');
  });

  it('math-domain-error: the logarithm of a negative value', async () => {
    const { d } = await mapped('SELECT ln(neg) AS v FROM people', ['5.5']);
    expect(d.code).toBe('math-domain-error');
  });

  it('value-too-large: a string beyond 4 GB, whose size (data-derived) is in the message', async () => {
    const { raw, d } = await mapped('SELECT repeat(email, 1000000000) AS v FROM people', ['24000000000', EMAIL]);
    expect(raw).toContain('24000000000');
    expect(d.code).toBe('value-too-large');
  });

  it('subquery-returned-several-rows: a scalar subquery over two rows', async () => {
    const { d } = await mapped('SELECT (SELECT email FROM people) AS v', [EMAIL, 'bob.hidden']);
    expect(d.code).toBe('subquery-returned-several-rows');
  });

  it('out-of-memory: string_agg beyond the memory limit, sizes not shown', async () => {
    const small = await DuckDBInstance.create(':memory:', { threads: '1', memory_limit: '32MB' });
    const sc = await small.connect();
    try {
      const emitted = "SELECT string_agg(repeat('x', 1000), ',') AS v FROM range(1000000)";
      const statement = `COPY (${emitted}) TO '${out}' (FORMAT parquet)`;
      const raw = await failure(statement, sc);
      expect(raw).toMatch(/^Out of Memory Error: .*MiB/);
      const d = engineErrorDiagnostic(raw, { statement, emitted });
      expect(d.code).toBe('out-of-memory');
      expect(JSON.stringify(d)).not.toMatch(/MiB|\d/);
    } finally {
      sc.closeSync();
      small.closeSync();
    }
  });

  it('engine-error: anything else (a binder error means a printer bug) shows no text at all', async () => {
    const { raw, d } = await mapped('SELECT nope FROM people', []);
    expect(raw).toMatch(/^Binder Error/);
    expect(d).toEqual({
      code: 'engine-error',
      message: 'the query failed inside the engine; the operator can see the details in the audit log',
      hint: 'if the query looks right, ask the operator',
    });
    expect(classify('not a DuckDB message')).toBe('engine-error');
  });
});

describe('where the fragment comes from', () => {
  it('a value that forges a LINE context cannot place text in the diagnostic', async () => {
    const { raw, json, d } = await mapped('SELECT error(forged) AS v FROM people', ['zq-planted-context', 'boom']);
    expect(raw).toContain('zq-planted-context');
    expect(d.fragment).toBeUndefined();
    expect(json).not.toContain('LINE');
  });

  it('a context cut with "..." at both ends is placed in the statement', async () => {
    const emitted = `SELECT ${Array.from({ length: 12 }, (_, i) => `email AS c${i}`).join(', ')}, CAST(email AS INTEGER) AS v, ${
      Array.from({ length: 12 }, (_, i) => `d AS e${i}`).join(', ')} FROM people`;
    const { raw, d } = await mapped(emitted, [EMAIL]);
    expect(raw).toMatch(/LINE 1: \.\.\..*\.\.\.\n/);
    expect(d).toMatchObject({ code: 'conversion-failed', fragment: 'CAST(email AS INTEGER)' });
  });

  it('a later line of a multi-line statement', async () => {
    const { raw, d } = await mapped('SELECT 1 AS a,\n  CAST(email AS INTEGER) AS v\nFROM people', [EMAIL]);
    expect(raw).toMatch(/LINE 2:/);
    expect(d.fragment).toBe('CAST(email AS INTEGER)');
  });

  it('wide characters before the position give no fragment rather than a wrong one', async () => {
    const { d } = await mapped("SELECT '数据' AS a, CAST(email AS INTEGER) AS v FROM people", [EMAIL]);
    expect(d.code).toBe('conversion-failed');
    expect(d.fragment).toBeUndefined();
    const latin = await mapped("SELECT 'ünï' AS a, CAST(email AS INTEGER) AS v FROM people", [EMAIL]);
    expect(latin.d.fragment).toBe('CAST(email AS INTEGER)');
  });

  it('never from the wrapper around the emitted SQL, nor without the emitted SQL', async () => {
    const statement = "SELECT CAST(email AS INTEGER) AS v FROM people";
    const raw = await failure(statement);
    const inner: EngineErrorSource = { statement, emitted: 'FROM people' };
    expect(engineErrorDiagnostic(raw, inner).fragment).toBeUndefined();
    expect(engineErrorDiagnostic(raw, { statement }).fragment).toBeUndefined();
    expect(engineErrorDiagnostic(raw, { statement, emitted: statement }).fragment).toBe('CAST(email AS INTEGER)');
  });

  it('an operand of IN points at the whole IN expression; a subquery column stays itself', async () => {
    const inList = await mapped('SELECT count(*) AS n FROM people WHERE (big IN (ratio, 2))', [BIG]);
    expect(inList.d.fragment).toBe('(big IN (ratio, 2))');
    const union = await mapped('(SELECT d AS x FROM people) UNION ALL (SELECT ts FROM people)', ['5881580']);
    expect(union.d).toMatchObject({ code: 'conversion-failed', fragment: 'd' });
  });
});
