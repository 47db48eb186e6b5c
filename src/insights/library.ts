import type { Analysis, TableRole } from './analysis.ts';
import { attribution } from './analyses/attribution.ts';
import { audienceOverlap } from './analyses/audience-overlap.ts';
import { audienceProfile } from './analyses/audience-profile.ts';
import { conversionLift } from './analyses/conversion-lift.ts';
import { conversionLiftExposure } from './analyses/conversion-lift-exposure.ts';
import { conversionOverlap } from './analyses/conversion-overlap.ts';
import { frequencyToConversion } from './analyses/frequency-to-conversion.ts';
import { incrementalReach } from './analyses/incremental-reach.ts';
import { reachFrequency } from './analyses/reach-frequency.ts';
import { roas } from './analyses/roas.ts';
import { segmentExport } from './analyses/segment-export.ts';
import { timeToConversion } from './analyses/time-to-conversion.ts';

/** The media insights library, in the order `insights list` shows it. */
export const ANALYSES: readonly Analysis[] = [
  audienceOverlap,
  audienceProfile,
  reachFrequency,
  incrementalReach,
  segmentExport,
  conversionOverlap,
  attribution,
  conversionLift,
  conversionLiftExposure,
  roas,
  frequencyToConversion,
  timeToConversion,
];

export function findAnalysis(name: string): Analysis | undefined {
  return ANALYSES.find((a) => a.name === name);
}

/** The analysis SQL with each `{{role}}` replaced by the association name it maps to. */
export function renderAnalysisSql(analysis: Analysis, tables: Readonly<Partial<Record<TableRole, string>>>): string {
  return analysis.sql.replace(/\{\{([a-z_]+)\}\}/g, (whole, role: string) => {
    const name = tables[role as TableRole];
    if (name === undefined) throw new Error(`Internal error: no table for role ${role} in ${analysis.name}`);
    return name;
  });
}
