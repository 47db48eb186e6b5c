import { describe, expect, it } from 'vitest';
import { ANALYSES, findAnalysis, renderAnalysisSql } from './library.ts';

describe('the insights library', () => {
  it('holds every analysis the contract names, once each', () => {
    const names = ANALYSES.map((a) => a.name);
    for (const name of [
      'audience-overlap', 'audience-profile', 'reach-frequency', 'incremental-reach', 'segment-export',
      'conversion-overlap', 'attribution', 'conversion-lift', 'roas', 'frequency-to-conversion', 'time-to-conversion',
    ]) {
      expect(names).toContain(name);
    }
    expect(new Set(names).size).toBe(names.length);
  });

  it('renders table roles as association names and nothing else', () => {
    const overlap = findAnalysis('audience-overlap');
    if (!overlap) throw new Error('missing');
    const sql = renderAnalysisSql(overlap, { customers: 'cust', impressions: 'imp' });
    expect(sql).not.toMatch(/\{\{/);
    expect(sql).toMatch(/\bcust\b/);
    expect(sql).toMatch(/\bimp\b/);
  });

  it('uses only the roles each analysis declares', () => {
    for (const a of ANALYSES) {
      const used = new Set([...a.sql.matchAll(/\{\{([a-z_]+)\}\}/g)].map((m) => m[1]));
      expect([...used].sort(), a.name).toEqual([...new Set(a.tables)].sort());
    }
  });

  it('falls back only to a custom-rule analysis of the library with the same output columns', () => {
    for (const a of ANALYSES.filter((x) => x.fallback)) {
      const fallback = findAnalysis(a.fallback?.analysis ?? '');
      expect(fallback?.rule, a.name).toBe('custom');
      expect(fallback?.output.map((c) => c.name), a.name).toEqual(a.output.map((c) => c.name));
      // The choosing value must not be one the analysis's own template accepts.
      const own = a.parameters.find((p) => p.name === a.fallback?.parameter);
      expect(own?.allowed ?? [], a.name).not.toContain(a.fallback?.value);
    }
    expect(findAnalysis('conversion-lift')?.fallback?.analysis).toBe('conversion-lift-exposure');
  });
});
