import { describe, expect, it } from 'vitest';
import { chooseAnalysis } from './fallback.ts';

const lift = {
  name: 'lift',
  fallback: { analysis: 'lift-exposure', parameter: 'design', value: 'exposure', note: 'biased' },
};

describe('chooseAnalysis', () => {
  it('runs an analysis without a fallback as asked', () => {
    expect(chooseAnalysis({ name: 'roas' }, { currency: 'EUR' }, new Set())).toEqual({ analysis: 'roas', values: { currency: 'EUR' } });
  });

  it('runs the analysis itself when its template is installed', () => {
    expect(chooseAnalysis(lift, {}, new Set(['lift', 'lift-exposure']))).toEqual({ analysis: 'lift', values: {} });
  });

  it('falls back, with the note, when only the fallback is installed', () => {
    expect(chooseAnalysis(lift, {}, new Set(['lift-exposure']))).toEqual({
      analysis: 'lift-exposure',
      values: {},
      note: 'no lift template here (its tables are not associated), so biased',
    });
  });

  it('runs the fallback when the runner asks for it, even with the analysis installed, without passing the choice on', () => {
    expect(chooseAnalysis(lift, { design: 'exposure', x: '1' }, new Set(['lift', 'lift-exposure']))).toEqual({
      analysis: 'lift-exposure',
      values: { x: '1' },
      note: 'as asked (design=exposure), biased',
    });
  });

  it('never silently replaces an explicit choice of the analysis itself', () => {
    expect(chooseAnalysis(lift, { design: 'holdout' }, new Set(['lift-exposure']))).toEqual({ analysis: 'lift', values: { design: 'holdout' } });
  });

  it('names the analysis itself when neither is installed (so the error names what to install)', () => {
    expect(chooseAnalysis(lift, {}, new Set())).toEqual({ analysis: 'lift', values: {} });
  });
});
