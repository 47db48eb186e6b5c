import { join } from 'node:path';
import { associate } from '../../src/collaboration/associations.ts';
import { createDataset } from '../../src/collaboration/datasets.ts';
import { installInsights } from '../../src/collaboration/insights.ts';
import { createMember } from '../../src/collaboration/members.ts';
import { createTable } from '../../src/collaboration/tables.ts';
import { setApproval } from '../../src/collaboration/template-approvals.ts';
import { Workspace } from '../../src/collaboration/workspace.ts';
import type { GeneratedTestData } from '../../src/insights/test-support.ts';
import { mediaCollaboration } from './media-collaboration.ts';

/**
 * The demo's rules over generated data (src/cli/demo/demo-insights.ts): `email_address`
 * is a disallowed output column of every table, and the platforms' tables require
 * COUNT_DISTINCT email_address >= `minimum` per output row. Collaboration `media` with the
 * whole insights library installed and approved by every owner.
 */
export const CONSTRAINED_TABLES = {
  customers: { owner: 'brand', role: 'brand', table: 'customers', constrained: false },
  conversions: { owner: 'brand', role: 'brand', table: 'conversions', constrained: false },
  impressions: { owner: 'platform', role: 'platform1', table: 'impressions', constrained: true },
  campaign_audience: { owner: 'platform', role: 'platform1', table: 'campaign_audience', constrained: true },
  impressions_b: { owner: 'platform2', role: 'platform2', table: 'impressions', constrained: true },
} as const;

function rule(constrained: boolean, minimum: number): unknown {
  return {
    v1: {
      custom: {
        allowedAnalyses: [],
        disallowedOutputColumns: ['email_address'],
        ...(constrained ? { outputConstraints: [{ columnName: 'email_address', minimum, type: 'COUNT_DISTINCT' }] } : {}),
      },
    },
  };
}

export async function openConstrainedInsights(data: GeneratedTestData, minimum: number): Promise<Workspace> {
  const workspace = await Workspace.open(join(data.dir, 'home'), { threads: 2, memoryLimit: '1GB' });
  for (const m of ['brand', 'platform', 'platform2']) await createMember(workspace.db, m);
  for (const [name, t] of Object.entries(CONSTRAINED_TABLES)) {
    const reg = await createDataset(workspace, t.owner, name, [join(data.dir, t.role, t.table)]);
    await createTable(workspace.db, t.owner, name, name, reg.columns.map((c) => c.name), rule(t.constrained, minimum));
  }
  await mediaCollaboration(workspace);
  for (const [name, t] of Object.entries(CONSTRAINED_TABLES)) await associate(workspace.db, 'media', t.owner, name, name, undefined);
  const report = await installInsights(workspace, 'media', 'brand', {});
  for (const template of report.installed) {
    for (const table of template.tables) {
      await setApproval(workspace, 'media', template.name, CONSTRAINED_TABLES[table as keyof typeof CONSTRAINED_TABLES].owner, table, true);
    }
  }
  return workspace;
}
