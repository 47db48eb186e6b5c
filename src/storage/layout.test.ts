import { describe, expect, it } from 'vitest';
import { assertSafeKey, datasetFileKey, datasetPrefix, keyProblem, resultKey, tmpKey } from './layout.ts';

describe('layout', () => {
  it('builds the documented keys', () => {
    expect(datasetFileKey('acme', 'visits', 3, 'part-0')).toEqual({
      ok: true,
      value: 'members/acme/datasets/visits/v3/part-0.parquet',
    });
    expect(resultKey('acme', 'r-123', 'csv')).toEqual({ ok: true, value: 'members/acme/results/r-123.csv' });
    expect(datasetPrefix('acme', 'visits')).toEqual({ ok: true, value: 'members/acme/datasets/visits/' });
    expect(tmpKey('crawl-1')).toEqual({ ok: true, value: 'tmp/crawl-1' });
  });

  const hostile = ['..', '../etc', 'a/b', '/abs', '', '.hidden', 'a..b', '-flag', 'a\u0000b', 'a\\b', 'C:x', 'é', 'x'.repeat(129)];
  it.each(hostile)('refuses the hostile name %j', (name) => {
    const member = datasetFileKey(name, 'd', 1, 'f');
    const dataset = datasetFileKey('m', name, 1, 'f');
    const result = resultKey('m', name, 'parquet');
    for (const r of [member, dataset, result]) {
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.code).toBe('unsafe-name');
    }
  });

  it('refuses bad versions', () => {
    for (const v of [0, -1, 1.5, Number.NaN]) {
      const r = datasetFileKey('m', 'd', v, 'f');
      expect(r.ok ? 'ok' : r.error.code).toBe('bad-version');
    }
  });

  it('validates raw keys', () => {
    expect(keyProblem('members/a/b.parquet')).toBeUndefined();
    for (const key of ['/x', 'a//b', 'a/../b', 'a/./b', 'a/', '../a', 'a/\nb']) {
      expect(keyProblem(key), key).toBeDefined();
      expect(() => assertSafeKey(key)).toThrow(/^Internal error/);
    }
  });
});
