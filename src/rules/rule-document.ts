import type { AnalysisRule } from './rule-types.ts';

/**
 * Every column a rule names, in order of first appearance: `table create` without
 * `--columns` allows exactly these.
 */
export function ruleColumns(rule: AnalysisRule): string[] {
  const out: string[] = [];
  const add = (c: string): void => {
    if (!out.includes(c)) out.push(c);
  };
  switch (rule.kind) {
    case 'aggregation':
      rule.aggregateColumns.forEach((a) => a.columnNames.forEach(add));
      rule.joinColumns.forEach(add);
      rule.dimensionColumns.forEach(add);
      rule.outputConstraints.forEach((o) => add(o.columnName));
      rule.differentialPrivacy?.columns.forEach((c) => add(c.name));
      break;
    case 'list':
      rule.joinColumns.forEach(add);
      rule.listColumns.forEach(add);
      break;
    case 'custom':
      rule.disallowedOutputColumns.forEach(add);
      rule.differentialPrivacy?.columns.forEach((c) => add(c.name));
      rule.outputConstraints.forEach((o) => add(o.columnName));
      break;
  }
  return out;
}

/** The rule back in its JSON document shape (`{"v1": {"<kind>": {...}}}`), for display. */
export function ruleToDocument(rule: AnalysisRule): { v1: Record<string, Record<string, unknown>> } {
  switch (rule.kind) {
    case 'aggregation':
      return {
        v1: {
          aggregation: {
            aggregateColumns: rule.aggregateColumns.map((a) => ({ columnNames: [...a.columnNames], function: a.function })),
            joinColumns: [...rule.joinColumns],
            ...(rule.joinRequired !== undefined ? { joinRequired: rule.joinRequired } : {}),
            allowedJoinOperators: [...rule.allowedJoinOperators],
            dimensionColumns: [...rule.dimensionColumns],
            scalarFunctions: [...rule.scalarFunctions],
            outputConstraints: rule.outputConstraints.map((o) => ({ ...o })),
            ...(rule.differentialPrivacy !== undefined
              ? {
                  differentialPrivacy: {
                    columns: rule.differentialPrivacy.columns.map((c) => ({ name: c.name })),
                    ...(rule.differentialPrivacy.bounds.length > 0 ? { bounds: rule.differentialPrivacy.bounds.map((b) => ({ ...b })) } : {}),
                  },
                }
              : {}),
          },
        },
      };
    case 'list':
      return {
        v1: {
          list: {
            joinColumns: [...rule.joinColumns],
            listColumns: [...rule.listColumns],
            allowedJoinOperators: [...rule.allowedJoinOperators],
            ...(rule.additionalAnalyses !== undefined ? { additionalAnalyses: rule.additionalAnalyses } : {}),
            minimumListSize: rule.minimumListSize,
          },
        },
      };
    case 'custom':
      return {
        v1: {
          custom: {
            allowedAnalyses: [...rule.allowedAnalyses],
            allowedAnalysisProviders: [...rule.allowedAnalysisProviders],
            disallowedOutputColumns: [...rule.disallowedOutputColumns],
            ...(rule.differentialPrivacy !== undefined
              ? { differentialPrivacy: { columns: rule.differentialPrivacy.columns.map((c) => ({ name: c.name })) } }
              : {}),
            ...(rule.additionalAnalyses !== undefined ? { additionalAnalyses: rule.additionalAnalyses } : {}),
            outputConstraints: rule.outputConstraints.map((o) => ({ ...o })),
          },
        },
      };
  }
}
