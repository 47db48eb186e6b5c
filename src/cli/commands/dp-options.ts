import type { DpReport } from '../../collaboration/dp-release.ts';
import type { ContributionBounds } from '../../rules/plan/plan-dp.ts';
import { UsageError } from '../output.ts';

export const DP_GROUPS_HELP = 'differential privacy: groups one user may count in (default 1; more groups, more noise)';
export const DP_ROWS_HELP = 'differential privacy: rows one user may add to one group (default 1; more rows, more noise)';

function bound(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new UsageError(`${flag} takes a whole number from 1 to 1000, not '${text}'`);
  return Number(text);
}

/** `--dp-max-groups` and `--dp-max-rows` as the run options take them. */
export function dpOptions(groups: string | undefined, rows: string | undefined): Partial<ContributionBounds> | undefined {
  const g = bound('--dp-max-groups', groups);
  const r = bound('--dp-max-rows', rows);
  if (g === undefined && r === undefined) return undefined;
  return { ...(g !== undefined ? { maxGroupsPerUser: g } : {}), ...(r !== undefined ? { maxRowsPerGroup: r } : {}) };
}

function round(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toPrecision(4);
}

/** The lines printed under a differentially private result in table format. */
export function describeDp(report: DpReport): string {
  const columns = report.columns.map((c) => `${c.name} ±${round(c.errorBound95)}${c.aggregate === 'AVG' ? ' (approx.)' : ''}`).join(', ');
  const lines = [
    `differential privacy (${report.mechanism}): epsilon ${round(report.epsilon)}${report.delta > 0 ? `, delta ${report.delta.toExponential(2)}` : ''} spent`,
    `  noise at 95%: ${columns}`,
    `  each user counts in at most ${report.contribution.maxGroupsPerUser} group(s), with at most ${report.contribution.maxRowsPerGroup} row(s) per group`,
  ];
  if (report.partitionSelection) {
    lines.push(`  groups released only with at least ${report.partitionSelection.threshold} users after noise (${report.partitionSelection.groupsReleased} released)`);
  }
  return `${lines.join('\n')}\n`;
}
