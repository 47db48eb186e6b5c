/**
 * Parameter declarations, strict values and binding. Bound values go the whole way:
 * template -> translateParameters -> DuckDB's parser -> convertParsed -> bindParameters
 * -> printQuery(duckdbDialect) -> a real in-memory DuckDB, and the value DuckDB returns
 * must be the value given, with exactly the declared type.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbParser } from '../engine/duckdb-parser.ts';
import type { Query } from './ast.ts';
import { convertParsed } from './convert.ts';
import type { Diagnostic, Result } from './diagnostic.ts';
import { duckdbDialect } from './dialect.ts';
import { printQuery } from './print.ts';
import { bindParameters, checkTemplateParameters, collectParameters } from './template-bind.ts';
import { type ParameterDeclaration, parseValue } from './template-params.ts';
import { formatParameterSpec, parseParameterAssignment, parseParameterSpec } from './template-spec.ts';
import { translateParameters } from './template-text.ts';

let parser: DuckDbParser;
let db: DuckDBConnection;
beforeAll(async () => {
  parser = await DuckDbParser.create();
  const instance = await DuckDBInstance.create(':memory:', { threads: '1', memory_limit: '256MB' });
  db = await instance.connect();
  await db.run(`CREATE TABLE people AS SELECT * FROM (VALUES
    ('alice', 34, DATE '2024-01-05'), ('bob', 41, DATE '2024-02-29'), ('carol', 29, DATE '2024-03-10')) v(name, age, joined)`);
});
afterAll(() => { parser.close(); db.closeSync(); });

async function template(sql: string): Promise<Query> {
  const t = translateParameters(sql);
  if (!t.ok) throw new Error(JSON.stringify(t.error));
  const q = convertParsed(await parser.serialize(t.value.sql), t.value.sql);
  if (!q.ok) throw new Error(JSON.stringify(q.error));
  return q.value;
}
function value<T>(r: Result<T>): T {
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  return r.value;
}
function error<T>(r: Result<T>): Diagnostic {
  if (r.ok) throw new Error(`accepted: ${JSON.stringify(r.value)}`);
  return r.error;
}
async function boundSql(sql: string, decls: readonly ParameterDeclaration[], values: Record<string, string>): Promise<string> {
  return printQuery(value(bindParameters(await template(sql), decls, values)), duckdbDialect);
}
/** `SELECT :v AS v` bound and run: the value (JS), its JSON form and DuckDB's type. */
async function roundTrip(decl: Omit<ParameterDeclaration, 'name'>, text: string): Promise<{ js: unknown; json: unknown; type: string; sql: string }> {
  const bound = value(bindParameters(await template('SELECT :v AS v'), [{ ...decl, name: 'v' }], { v: text }));
  expect(collectParameters(bound)).toEqual([]);
  const sql = printQuery(bound, duckdbDialect);
  const reader = await db.runAndReadAll(sql);
  return { js: reader.getRows()[0]?.[0], json: reader.getRowsJson()[0]?.[0], type: String(reader.columnTypes()[0]), sql };
}

const HOSTILE_STRINGS = [
  "'; DROP TABLE people; --", "' OR 1=1", "' OR '1'='1' --", "alice' --", "alice'", "'alice'", '"alice"', '\\', "\\'", "''",
  '$$', '$v', ':v', '?', '$1', '*/ SELECT 1 /*', '-- x', '\n', '\r\n', '\t', ' alice', 'alice ', 'ALICE', '%', '_', 'a%',
  'ünï©ødé 🎉', '\u202eevil', 'e\u0301', '\u00a0', '\ufeff', 'a\u0000b', '\u0000', '', 'x'.repeat(10_000), "'".repeat(5000),
  'chr(0)', "E'\\''", '); DROP TABLE people; SELECT (',
];

describe('bound values round-trip exactly through the real DuckDB', () => {
  it('VARCHAR: hostile strings come back unchanged, typed VARCHAR', async () => {
    for (const s of HOSTILE_STRINGS) {
      const r = await roundTrip({ type: 'VARCHAR' }, s);
      // The exact bytes DuckDB holds: the JS client drops a leading U+FEFF when it decodes.
      const bytes = await db.runAndReadAll(`SELECT hex(encode(v)) FROM (${r.sql})`);
      expect(bytes.getRows()[0]?.[0], JSON.stringify(s).slice(0, 80)).toBe(Buffer.from(s, 'utf8').toString('hex').toUpperCase());
      if (!s.startsWith('\ufeff')) expect(r.js, JSON.stringify(s).slice(0, 80)).toBe(s);
      expect(r.type).toBe('VARCHAR');
    }
  });

  it('a hostile string parameter matches no rows and changes nothing', async () => {
    const sql = 'SELECT name, age FROM people WHERE name = :who ORDER BY name';
    const decl: ParameterDeclaration[] = [{ name: 'who', type: 'VARCHAR' }];
    for (const s of HOSTILE_STRINGS) {
      const reader = await db.runAndReadAll(await boundSql(sql, decl, { who: s }));
      expect(reader.getRowsJson(), JSON.stringify(s).slice(0, 80)).toEqual([]);
    }
    const alice = await db.runAndReadAll(await boundSql(sql, decl, { who: 'alice' }));
    expect(alice.getRowsJson()).toEqual([['alice', 34]]);
    const count = await db.runAndReadAll('SELECT count(*) FROM people');
    expect(count.getRowsJson()).toEqual([['3']]);
  });

  const exact: readonly (readonly [Omit<ParameterDeclaration, 'name'>, string, unknown, string])[] = [
    // [declaration, input, JSON value DuckDB returns, DuckDB type]
    [{ type: 'INTEGER' }, '0', 0, 'INTEGER'],
    [{ type: 'INTEGER' }, '-0', 0, 'INTEGER'],
    [{ type: 'INTEGER' }, '+42', 42, 'INTEGER'],
    [{ type: 'INTEGER' }, '007', 7, 'INTEGER'],
    [{ type: 'INTEGER' }, '2147483647', 2147483647, 'INTEGER'],
    [{ type: 'INTEGER' }, '-2147483648', -2147483648, 'INTEGER'],
    [{ type: 'BIGINT' }, '5', '5', 'BIGINT'],
    [{ type: 'BIGINT' }, '9223372036854775807', '9223372036854775807', 'BIGINT'],
    [{ type: 'BIGINT' }, '-9223372036854775808', '-9223372036854775808', 'BIGINT'],
    [{ type: 'BIGINT' }, '9007199254740993', '9007199254740993', 'BIGINT'],
    [{ type: 'DECIMAL', precision: 10, scale: 2 }, '12.5', '12.50', 'DECIMAL(10,2)'],
    [{ type: 'DECIMAL', precision: 10, scale: 2 }, '-0', '0.00', 'DECIMAL(10,2)'],
    [{ type: 'DECIMAL', precision: 10, scale: 2 }, '12.340', '12.34', 'DECIMAL(10,2)'],
    [{ type: 'DECIMAL', precision: 10, scale: 2 }, '-99999999.99', '-99999999.99', 'DECIMAL(10,2)'],
    [{ type: 'DECIMAL', precision: 10, scale: 2 }, '.5', '0.50', 'DECIMAL(10,2)'],
    [{ type: 'DECIMAL' }, '1.5', '1.500', 'DECIMAL(18,3)'],
    [{ type: 'DECIMAL', precision: 38, scale: 0 }, '9'.repeat(38), '9'.repeat(38), 'DECIMAL(38,0)'],
    [{ type: 'DECIMAL', precision: 38, scale: 0 }, `-${'9'.repeat(38)}`, `-${'9'.repeat(38)}`, 'DECIMAL(38,0)'],
    [{ type: 'DECIMAL', precision: 38, scale: 38 }, `0.${'12345678901234567890123456789012345678'}`, `0.${'12345678901234567890123456789012345678'}`, 'DECIMAL(38,38)'],
    [{ type: 'DECIMAL', precision: 38, scale: 10 }, '1234567890123456789012345678.0123456789', '1234567890123456789012345678.0123456789', 'DECIMAL(38,10)'],
    [{ type: 'DATE' }, '2024-02-29', '2024-02-29', 'DATE'],
    [{ type: 'DATE' }, '2000-02-29', '2000-02-29', 'DATE'],
    [{ type: 'DATE' }, '0001-01-01', '0001-01-01', 'DATE'],
    [{ type: 'DATE' }, '9999-12-31', '9999-12-31', 'DATE'],
    [{ type: 'TIMESTAMP' }, '2024-01-01T00:00:00Z', '2024-01-01 00:00:00', 'TIMESTAMP'],
    [{ type: 'TIMESTAMP' }, '2024-01-01 10:30', '2024-01-01 10:30:00', 'TIMESTAMP'],
    [{ type: 'TIMESTAMP' }, '2024-01-01', '2024-01-01 00:00:00', 'TIMESTAMP'],
    [{ type: 'TIMESTAMP' }, '2024-01-01T02:00:00+02:00', '2024-01-01 00:00:00', 'TIMESTAMP'],
    [{ type: 'TIMESTAMP' }, '2024-02-28T23:30:00-01:00', '2024-02-29 00:30:00', 'TIMESTAMP'],
    [{ type: 'TIMESTAMP' }, '2024-03-01T00:15:00+0530', '2024-02-29 18:45:00', 'TIMESTAMP'],
    [{ type: 'TIMESTAMP' }, '2024-06-30T12:00:00.123456Z', '2024-06-30 12:00:00.123456', 'TIMESTAMP'],
    [{ type: 'TIMESTAMP' }, '2024-06-30t12:00:00.500z', '2024-06-30 12:00:00.5', 'TIMESTAMP'],
    [{ type: 'TIMESTAMP' }, '9999-12-31T23:59:59.999999Z', '9999-12-31 23:59:59.999999', 'TIMESTAMP'],
    [{ type: 'BOOLEAN' }, 'true', true, 'BOOLEAN'],
    [{ type: 'BOOLEAN' }, 'FALSE', false, 'BOOLEAN'],
  ];
  for (const [decl, input, expected, type] of exact) {
    it(`${decl.type} ${input.length > 30 ? `${input.slice(0, 30)}…` : input}`, async () => {
      const r = await roundTrip(decl, input);
      expect(r.json).toEqual(expected);
      expect(r.type).toBe(type);
    });
  }

  it('DOUBLE: the same double comes back, -0 included', async () => {
    for (const input of ['0', '-0', '0.1', '-1.5', '1e-3', '.5', '5.', '123456789012345678901234567890', '1.7976931348623157e308', '5e-324', '-2.2250738585072014E-308', '3.141592653589793']) {
      const r = await roundTrip({ type: 'DOUBLE' }, input);
      expect(Object.is(r.js, Number(input)), `${input} -> ${String(r.js)} (${r.sql})`).toBe(true);
      expect(r.type).toBe('DOUBLE');
    }
  });

  it('prints a cast to the declared type, never the text of the template', async () => {
    expect(await boundSql('SELECT :v AS v', [{ name: 'v', type: 'INTEGER' }], { v: '14' })).toBe('SELECT TRY_CAST(14 AS INTEGER) AS "v"');
    expect(await boundSql('SELECT :v AS v', [{ name: 'v', type: 'VARCHAR' }], { v: "it's" })).toBe(`SELECT TRY_CAST('it''s' AS VARCHAR) AS "v"`);
    expect(await boundSql('SELECT :v AS v', [{ name: 'v', type: 'DECIMAL', precision: 10, scale: 2 }], { v: '1' })).toBe(`SELECT TRY_CAST('1.00' AS DECIMAL(10, 2)) AS "v"`);
    expect(await boundSql('SELECT :v AS v', [{ name: 'v', type: 'DATE' }], { v: '2024-02-29' })).toBe(`SELECT TRY_CAST(DATE '2024-02-29' AS DATE) AS "v"`);
  });
});

describe('parseValue is strict', () => {
  const refused: readonly (readonly [Omit<ParameterDeclaration, 'name'>, string])[] = [
    [{ type: 'INTEGER' }, 'abc'], [{ type: 'INTEGER' }, '12abc'], [{ type: 'INTEGER' }, ''], [{ type: 'INTEGER' }, ' 1'],
    [{ type: 'INTEGER' }, '1 '], [{ type: 'INTEGER' }, '1.0'], [{ type: 'INTEGER' }, '1e3'], [{ type: 'INTEGER' }, '0x10'],
    [{ type: 'INTEGER' }, '1_000'], [{ type: 'INTEGER' }, '2147483648'], [{ type: 'INTEGER' }, '-2147483649'],
    [{ type: 'INTEGER' }, '١٢'], [{ type: 'INTEGER' }, '--1'], [{ type: 'INTEGER' }, '1; DROP TABLE people'],
    [{ type: 'BIGINT' }, '9223372036854775808'], [{ type: 'BIGINT' }, '-9223372036854775809'], [{ type: 'BIGINT' }, '9'.repeat(10_000)],
    [{ type: 'DOUBLE' }, '1e999'], [{ type: 'DOUBLE' }, '-1e999'], [{ type: 'DOUBLE' }, 'NaN'], [{ type: 'DOUBLE' }, 'Infinity'],
    [{ type: 'DOUBLE' }, 'inf'], [{ type: 'DOUBLE' }, '1e-400'], [{ type: 'DOUBLE' }, '0x1p3'], [{ type: 'DOUBLE' }, '1,5'],
    [{ type: 'DOUBLE' }, '.'], [{ type: 'DOUBLE' }, 'e5'], [{ type: 'DOUBLE' }, ''],
    [{ type: 'DECIMAL', precision: 10, scale: 2 }, '12.345'], [{ type: 'DECIMAL', precision: 10, scale: 2 }, '123456789'],
    [{ type: 'DECIMAL', precision: 10, scale: 2 }, '1e3'], [{ type: 'DECIMAL', precision: 10, scale: 2 }, 'NaN'],
    [{ type: 'DECIMAL', precision: 10, scale: 2 }, '-'], [{ type: 'DECIMAL', precision: 10, scale: 2 }, '.'],
    [{ type: 'DATE' }, '2024-02-30'], [{ type: 'DATE' }, '2023-02-29'], [{ type: 'DATE' }, '1900-02-29'], [{ type: 'DATE' }, '2024-13-01'],
    [{ type: 'DATE' }, '2024-00-10'], [{ type: 'DATE' }, '0000-01-01'], [{ type: 'DATE' }, '2024-1-1'], [{ type: 'DATE' }, '2024-01-01T00:00:00Z'],
    [{ type: 'DATE' }, '20240101'], [{ type: 'DATE' }, 'today'], [{ type: 'DATE' }, '2024-04-31'],
    [{ type: 'TIMESTAMP' }, '2024-01-01T24:00:00Z'], [{ type: 'TIMESTAMP' }, '2024-01-01T23:60:00Z'], [{ type: 'TIMESTAMP' }, '2024-01-01T23:59:60Z'],
    [{ type: 'TIMESTAMP' }, '2024-02-30T00:00:00Z'], [{ type: 'TIMESTAMP' }, '2024-01-01T00:00:00.1234567Z'], [{ type: 'TIMESTAMP' }, '2024-01-01T00:00:00+24:00'],
    [{ type: 'TIMESTAMP' }, '0001-01-01T00:00:00+01:00'], [{ type: 'TIMESTAMP' }, '9999-12-31T23:00:00-01:00'], [{ type: 'TIMESTAMP' }, 'now'],
    [{ type: 'TIMESTAMP' }, '2024-01-01Z'], [{ type: 'TIMESTAMP' }, '1704067200'],
    [{ type: 'BOOLEAN' }, '1'], [{ type: 'BOOLEAN' }, 'yes'], [{ type: 'BOOLEAN' }, 't'], [{ type: 'BOOLEAN' }, ''],
    [{ type: 'VARCHAR' }, 'lone \ud800 surrogate'],
  ];
  for (const [decl, input] of refused) {
    it(`${decl.type} refuses ${JSON.stringify(input.slice(0, 30))}`, () => {
      expect(error(parseValue({ ...decl, name: 'p' }, input))).toMatchObject({ code: 'parameter-type', rule: 'custom', fragment: ':p' });
    });
  }

  it('names the parameter, the type and the value', () => {
    expect(error(parseValue({ name: 'days', type: 'INTEGER' }, 'abc')).message).toBe("parameter :days expects INTEGER, got 'abc'");
    expect(error(parseValue({ name: 'big', type: 'BIGINT' }, '9223372036854775808')).message)
      .toBe("parameter :big expects BIGINT, got '9223372036854775808' (outside the BIGINT range)");
    expect(error(parseValue({ name: 'amount', type: 'DECIMAL', precision: 10, scale: 2 }, '1.234')).message)
      .toBe("parameter :amount expects DECIMAL(10,2), got '1.234' (more than 2 decimal places)");
    const long = error(parseValue({ name: 'n', type: 'INTEGER' }, `1${'x'.repeat(10_000)}\u0000`)).message;
    expect(long.length).toBeLessThan(120);
    expect(error(parseValue({ name: 'n', type: 'INTEGER' }, 'a\u0000b')).message).toContain('a\\u0000b');
  });

  it('in= and range= refuse values outside them, comparing typed values', () => {
    const days: ParameterDeclaration = { name: 'days', type: 'INTEGER', range: { lo: '1', hi: '90' } };
    expect(value(parseValue(days, '90')).value).toEqual({ type: 'integer', value: '90' });
    expect(error(parseValue(days, '91'))).toMatchObject({ code: 'parameter-out-of-range', message: "parameter :days must be at least '1' and at most '90', got '91'" });
    expect(error(parseValue(days, '0')).code).toBe('parameter-out-of-range');
    expect(error(parseValue(days, 'x')).code).toBe('parameter-type');
    const open: ParameterDeclaration = { name: 'since', type: 'DATE', range: { lo: '2024-01-01' } };
    expect(parseValue(open, '9999-12-31').ok).toBe(true);
    expect(error(parseValue(open, '2023-12-31')).message).toBe("parameter :since must be at least '2024-01-01', got '2023-12-31'");
    const ts: ParameterDeclaration = { name: 't', type: 'TIMESTAMP', range: { hi: '2024-01-01T00:00:00Z' } };
    expect(parseValue(ts, '2024-01-01T01:00:00+01:00').ok).toBe(true);
    expect(error(parseValue(ts, '2024-01-01T00:00:00.000001Z')).code).toBe('parameter-out-of-range');
    const dec: ParameterDeclaration = { name: 'd', type: 'DECIMAL', precision: 38, scale: 0, range: { hi: '99999999999999999999999999999999999998' } };
    expect(error(parseValue(dec, '9'.repeat(38))).code).toBe('parameter-out-of-range');
    const channel: ParameterDeclaration = { name: 'channel', type: 'VARCHAR', allowed: ['tv', 'web'] };
    expect(parseValue(channel, 'tv').ok).toBe(true);
    expect(error(parseValue(channel, 'TV'))).toMatchObject({ code: 'parameter-not-allowed', message: "parameter :channel must be one of 'tv', 'web', got 'TV'" });
    expect(error(parseValue(channel, "tv' OR 1=1")).code).toBe('parameter-not-allowed');
    const n: ParameterDeclaration = { name: 'n', type: 'INTEGER', allowed: ['7', '30'] };
    expect(value(parseValue(n, '007')).value).toEqual({ type: 'integer', value: '7' });
    const x: ParameterDeclaration = { name: 'x', type: 'DOUBLE', allowed: ['0'] };
    expect(parseValue(x, '-0').ok).toBe(true);
  });
});

describe('parseParameterSpec: name:TYPE[=default][:in=a|b|c][:range=lo..hi]', () => {
  const accepted: readonly (readonly [string, ParameterDeclaration])[] = [
    ['days:INTEGER=30:range=1..90', { name: 'days', type: 'INTEGER', default: '30', range: { lo: '1', hi: '90' } }],
    ['Days:integer', { name: 'days', type: 'INTEGER' }],
    ['start:TIMESTAMP=2024-01-01T00:00:00Z', { name: 'start', type: 'TIMESTAMP', default: '2024-01-01T00:00:00Z' }],
    ['start:TIMESTAMP=2024-01-01T00:00:00+01:00:range=2023-01-01T00:00:00Z..', { name: 'start', type: 'TIMESTAMP', default: '2024-01-01T00:00:00+01:00', range: { lo: '2023-01-01T00:00:00Z' } }],
    ["channel:VARCHAR=tv:in=tv|web|'a|b'", { name: 'channel', type: 'VARCHAR', default: 'tv', allowed: ['tv', 'web', 'a|b'] }],
    ["note:VARCHAR='x:in=y'", { name: 'note', type: 'VARCHAR', default: 'x:in=y' }],
    ["q:VARCHAR='it''s'", { name: 'q', type: 'VARCHAR', default: "it's" }],
    ["q:VARCHAR=it's", { name: 'q', type: 'VARCHAR', default: "it's" }],
    ["q:VARCHAR=''", { name: 'q', type: 'VARCHAR', default: '' }],
    ['q:VARCHAR:in=a=b|c', { name: 'q', type: 'VARCHAR', allowed: ['a=b', 'c'] }],
    ['q:VARCHAR=a b|c..d', { name: 'q', type: 'VARCHAR', default: 'a b|c..d' }],
    ['amount:DECIMAL(10,2)=12.5:range=0..', { name: 'amount', type: 'DECIMAL', precision: 10, scale: 2, default: '12.5', range: { lo: '0' } }],
    ['amount:DECIMAL( 10 , 2 )', { name: 'amount', type: 'DECIMAL', precision: 10, scale: 2 }],
    ['n:decimal', { name: 'n', type: 'DECIMAL', precision: 18, scale: 3 }],
    ['n:DECIMAL(10)', { name: 'n', type: 'DECIMAL', precision: 10, scale: 0 }],
    ['w:DATE:range=..2024-12-31:in=2024-01-01|2024-06-30', { name: 'w', type: 'DATE', range: { hi: '2024-12-31' }, allowed: ['2024-01-01', '2024-06-30'] }],
    ['x:DOUBLE:range=-1.5..-0.5', { name: 'x', type: 'DOUBLE', range: { lo: '-1.5', hi: '-0.5' } }],
    ['flag:BOOLEAN=TRUE', { name: 'flag', type: 'BOOLEAN', default: 'TRUE' }],
  ];
  for (const [spec, decl] of accepted) {
    it(spec, () => {
      expect(value(parseParameterSpec(spec))).toEqual(decl);
      // The canonical form reads back as the same declaration.
      expect(value(parseParameterSpec(formatParameterSpec(decl)))).toEqual(decl);
    });
  }

  const refusedSpecs: readonly (readonly [string, string])[] = [
    ['days', 'parameter-spec'], ['days:', 'parameter-spec'], ['1x:INTEGER', 'parameter-spec'], ['days:INT', 'parameter-spec'],
    ['days:INTEGER(5)', 'parameter-spec'], ['d:DECIMAL(40,2)', 'parameter-spec'], ['d:DECIMAL(5,6)', 'parameter-spec'],
    ['days:INTEGER=abc', 'parameter-spec'], ['days:INTEGER=100:range=1..90', 'parameter-spec'], ['days:INTEGER:range=9..1', 'parameter-spec'],
    ['days:INTEGER:range=1', 'parameter-spec'], ['days:INTEGER:range=..', 'parameter-spec'], ['c:VARCHAR:range=a..b', 'parameter-spec'],
    ['b:BOOLEAN:range=false..true', 'parameter-spec'], ['c:VARCHAR:in=a|b:in=c', 'parameter-spec'], ['c:VARCHAR:in=a||b', 'parameter-spec'],
    ["c:VARCHAR='abc", 'parameter-spec'], ["c:VARCHAR='abc'x", 'parameter-spec'], ['c:VARCHAR:foo=1', 'parameter-spec'],
    ['c:INTEGER:range=1..5=3', 'parameter-spec'], ['c:VARCHAR:in=a|a', 'parameter-spec'], ['c:INTEGER:in=1|200:range=1..100', 'parameter-spec'],
    ['c:INTEGER:in=1|01', 'parameter-spec'], ['c:VARCHAR=', 'parameter-spec'], ['c:INTEGER:in=1:range=0..5=1', 'parameter-spec'],
['c:INTEGER:in=1|2=1', 'parameter-spec'], ['c:INTEGER:in=1|2:IN=3', 'parameter-spec'],
  ];
  for (const [spec, code] of refusedSpecs) {
    it(`refuses ${spec}`, () => {
      const e = error(parseParameterSpec(spec));
      expect(e.code).toBe(code);
      expect(e.message).toContain(JSON.stringify(spec));
    });
  }

  it('formats values that need quotes with quotes', () => {
    expect(formatParameterSpec({ name: 'c', type: 'VARCHAR', default: "x:in='y'", allowed: ['a|b', "x:in='y'", '..', ''] }))
      .toBe("c:VARCHAR='x:in=''y''':in='a|b'|'x:in=''y'''|..|''");
    expect(formatParameterSpec({ name: 'n', type: 'DECIMAL' })).toBe('n:DECIMAL(18,3)');
  });

  it('reads query run --param name=value', () => {
    expect(value(parseParameterAssignment('start=2024-01-01T00:00:00Z'))).toEqual({ name: 'start', value: '2024-01-01T00:00:00Z' });
    expect(value(parseParameterAssignment('Q=a=b'))).toEqual({ name: 'q', value: 'a=b' });
    expect(value(parseParameterAssignment('q='))).toEqual({ name: 'q', value: '' });
    expect(error(parseParameterAssignment('=3')).code).toBe('parameter-spec');
    expect(error(parseParameterAssignment('x')).code).toBe('parameter-spec');
  });
});

describe('bindParameters', () => {
  const days: ParameterDeclaration = { name: 'days', type: 'INTEGER', default: '30', range: { lo: '1', hi: '90' } };

  it('uses defaults, accepts names in any case, and refuses unknown, missing and bad values', async () => {
    const q = await template('SELECT name FROM people WHERE age > :days');
    expect(printQuery(value(bindParameters(q, [days], {})), duckdbDialect)).toContain('TRY_CAST(30 AS INTEGER)');
    expect(printQuery(value(bindParameters(q, [days], { DAYS: '40' })), duckdbDialect)).toContain('TRY_CAST(40 AS INTEGER)');
    expect(error(bindParameters(q, [days], { day: '3' }))).toMatchObject({ code: 'parameter-unknown', message: 'the template has no parameter :day', hint: 'Its parameters are :days.' });
    expect(error(bindParameters(q, [{ name: 'days', type: 'INTEGER' }], {}))).toMatchObject({ code: 'parameter-missing', message: 'parameter :days has no value and no default' });
    expect(error(bindParameters(q, [days], { days: 'abc' })).message).toBe("parameter :days expects INTEGER, got 'abc'");
    expect(error(bindParameters(q, [days], { days: '91' })).code).toBe('parameter-out-of-range');
    expect(error(bindParameters(q, [days], { days: '3', Days: '4' })).code).toBe('parameter-duplicate');
  });

  it('refuses declarations that do not match the SQL', async () => {
    const text = 'SELECT name FROM people WHERE age > :days AND joined > :since';
    const q = await template(text);
    const since: ParameterDeclaration = { name: 'since', type: 'DATE' };
    expect(error(checkTemplateParameters(q, [days], value(translateParameters(text)).parameters))).toMatchObject({
      code: 'parameter-undeclared', message: 'the SQL uses :since but the template declares no such parameter', position: text.indexOf(':since'),
    });
    expect(error(bindParameters(q, [days], {})).code).toBe('parameter-undeclared');
    expect(error(bindParameters(q, [days, since, { name: 'extra', type: 'VARCHAR', default: 'x' }], { since: '2024-01-01' })))
      .toMatchObject({ code: 'parameter-unused', message: 'parameter :extra is declared but the SQL never uses it' });
    expect(error(bindParameters(q, [days, since, { ...days, name: 'DAYS' }], {})).code).toBe('parameter-duplicate');
    expect(error(bindParameters(q, [days, { name: 'since', type: 'DATE', default: 'x' }], {})).code).toBe('parameter-spec');
  });

  it('binds parameters in every clause, CTEs, subqueries, joins and window frames, and the query runs', async () => {
    const sql = `WITH older AS (SELECT name, age FROM people WHERE age >= :min_age)
      SELECT o.name, CASE WHEN o.age > :mid THEN :label ELSE lower(:label) END AS band,
             sum(o.age) OVER (ORDER BY o.name ROWS BETWEEN :n PRECEDING AND CURRENT ROW) AS running
      FROM older AS o JOIN people AS p ON p.name = o.name AND p.joined >= :since
      WHERE o.name IN (:a, :b) AND o.age BETWEEN :lo AND 100
        AND EXISTS (SELECT 1 FROM people AS q WHERE q.age < :lo + 100)
      ORDER BY o.name LIMIT :n OFFSET 0`;
    const q = await template(sql);
    expect(new Set(collectParameters(q).map((p) => p.name))).toEqual(new Set(['min_age', 'mid', 'label', 'n', 'since', 'a', 'b', 'lo']));
    const decls: ParameterDeclaration[] = [
      { name: 'min_age', type: 'INTEGER' }, { name: 'mid', type: 'INTEGER' }, { name: 'label', type: 'VARCHAR' },
      { name: 'n', type: 'INTEGER' }, { name: 'since', type: 'DATE' }, { name: 'a', type: 'VARCHAR' }, { name: 'b', type: 'VARCHAR' },
      { name: 'lo', type: 'INTEGER' },
    ];
    const bound = value(bindParameters(q, decls, { min_age: '30', mid: '40', label: 'OLD', n: '2', since: '2024-01-01', a: 'alice', b: 'bob', lo: '0' }));
    expect(collectParameters(bound)).toEqual([]);
    const reader = await db.runAndReadAll(printQuery(bound, duckdbDialect));
    expect(reader.getRowsJson()).toEqual([['alice', 'old', '34'], ['bob', 'OLD', '75']]);
  });
});
