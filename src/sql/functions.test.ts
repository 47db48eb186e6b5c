import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { toNumberScale, toStrftime } from './date-format.ts';
import { FUNCTIONS, functionBySpelling, rulesScalarName } from './functions.ts';
import { renderFunctionsDoc } from './functions-doc.ts';

describe('function allowlist', () => {
  it('docs/functions.md is the rendering of functions.ts', () => {
    const doc = readFileSync(new URL('../../docs/functions.md', import.meta.url), 'utf8');
    expect(doc).toBe(renderFunctionsDoc());
  });

  it('covers every RULES.md scalar function except CAST/CONVERT (which are Cast nodes)', () => {
    const rules = ['ABS', 'CEILING', 'COALESCE', 'CURRENT_DATE', 'DATEADD', 'EXTRACT', 'FLOOR', 'GETDATE', 'LN', 'LOG', 'LOWER', 'ROUND', 'RTRIM', 'SQRT', 'SUBSTRING', 'TO_CHAR', 'TO_DATE', 'TO_NUMBER', 'TO_TIMESTAMP', 'TRIM', 'TRUNC', 'UPPER'];
    expect(FUNCTIONS.flatMap((f) => ('rulesName' in f ? [f.rulesName] : [])).sort()).toEqual(rules.sort());
  });

  it('maps DuckDB spellings to canonical names and RULES.md names', () => {
    expect(functionBySpelling('CEIL')?.name).toBe('ceiling');
    expect(rulesScalarName('ceiling')).toBe('CEILING');
    expect(functionBySpelling('strftime')?.name).toBe('to_char');
    expect(rulesScalarName('to_char')).toBe('TO_CHAR');
    expect(functionBySpelling('date_part')?.name).toBe('extract');
    expect(rulesScalarName('date_trunc')).toBeUndefined();
    expect(functionBySpelling('md5')).toBeUndefined();
  });

  it('has no spelling claimed twice', () => {
    const all = FUNCTIONS.flatMap((f) => [...f.spellings]);
    expect(new Set(all).size).toBe(all.length);
  });

  it('translates date formats and number formats (hand-worked)', () => {
    expect(toStrftime('YYYY-MM-DD HH24:MI:SS')).toBe('%Y-%m-%d %H:%M:%S');
    expect(toStrftime('DD Mon YY "at" HH12 AM')).toBe('%d %b %y at %I %p');
    expect(toStrftime('%Y/%m')).toBe('%Y/%m');
    expect(toStrftime('%Q')).toBeUndefined();
    expect(toStrftime('YYYY-Q')).toBeUndefined();
    expect(toNumberScale('9G999D99')).toBe(2);
    expect(toNumberScale('999')).toBe(0);
    expect(toNumberScale('9.9.9')).toBeUndefined();
    expect(toNumberScale('abc')).toBeUndefined();
  });
});
