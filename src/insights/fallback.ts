import type { Analysis } from './analysis.ts';

/** Which library analysis `insights run` runs, with which parameter values. */
export interface AnalysisChoice {
  readonly analysis: string;
  readonly values: Readonly<Record<string, string>>;
  /** Set when the fallback runs: tell the runner why and how to read it. */
  readonly note?: string;
}

/**
 * The analysis to run for a request: the runner's explicit choice of the fallback
 * (`--param design=exposure`) wins; otherwise the analysis itself when its template is
 * installed or the runner named one of its own parameter values; otherwise the fallback
 * when that is installed. A missing template then surfaces as the usual not-found error.
 */
export function chooseAnalysis(
  analysis: Pick<Analysis, 'name' | 'fallback'>,
  values: Readonly<Record<string, string>>,
  installed: ReadonlySet<string>,
): AnalysisChoice {
  const fallback = analysis.fallback;
  if (!fallback) return { analysis: analysis.name, values };
  const requested = values[fallback.parameter];
  const { [fallback.parameter]: _dropped, ...rest } = values;
  if (requested === fallback.value) {
    return { analysis: fallback.analysis, values: rest, note: `as asked (${fallback.parameter}=${fallback.value}), ${fallback.note}` };
  }
  if (installed.has(analysis.name) || requested !== undefined || !installed.has(fallback.analysis)) {
    return { analysis: analysis.name, values };
  }
  return {
    analysis: fallback.analysis,
    values: rest,
    note: `no ${analysis.name} template here (its tables are not associated), so ${fallback.note}`,
  };
}
