import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { associate } from '../../src/collaboration/associations.ts';
import { acceptCollaboration, createCollaboration } from '../../src/collaboration/collaborations.ts';
import { createDataset } from '../../src/collaboration/datasets.ts';
import { createMember } from '../../src/collaboration/members.ts';
import { createTable } from '../../src/collaboration/tables.ts';
import { Workspace } from '../../src/collaboration/workspace.ts';

/** Small hand-made tables whose facts the tests can work out by hand. */
export interface FixtureTables {
  readonly customers: string;
  readonly conversions: string;
  readonly impressions: string;
}

export function aggregationRule(parts: Record<string, unknown>): unknown {
  return { v1: { aggregation: parts } };
}

export const DEFAULT_RULES = {
  customers: aggregationRule({
    aggregateColumns: [{ columnNames: ['email_address'], function: 'COUNT_DISTINCT' }],
    joinColumns: ['email_address'],
    dimensionColumns: ['state', 'birth_country'],
    scalarFunctions: ['LOWER', 'UPPER'],
    outputConstraints: [{ columnName: 'email_address', minimum: 2, type: 'COUNT_DISTINCT' }],
  }),
  conversions: aggregationRule({
    aggregateColumns: [
      { columnNames: ['email_address'], function: 'COUNT_DISTINCT' },
      { columnNames: ['price'], function: 'SUM' },
      { columnNames: ['transaction_id'], function: 'COUNT' },
    ],
    joinColumns: ['email_address'],
    dimensionColumns: ['creative_id', 'event_type'],
    scalarFunctions: [],
    outputConstraints: [{ columnName: 'email_address', minimum: 2, type: 'COUNT_DISTINCT' }],
  }),
  impressions: aggregationRule({
    aggregateColumns: [
      { columnNames: ['email_address'], function: 'COUNT_DISTINCT' },
      { columnNames: ['creative_id'], function: 'COUNT' },
      { columnNames: ['cost'], function: 'SUM' },
    ],
    joinColumns: ['email_address'],
    joinRequired: 'QUERY_RUNNER',
    dimensionColumns: ['campaign_id', 'device_type'],
    scalarFunctions: ['LOWER'],
    outputConstraints: [{ columnName: 'email_address', minimum: 3, type: 'COUNT_DISTINCT' }],
  }),
} as const;

/**
 * brand: customers, conversions; platform: impressions. Collaboration `c` with brand
 * as query+receive, platform as receive only, everything associated under its own name.
 */
export async function mediaWorkspace(
  data: FixtureTables,
  rules: FixtureRules = {},
): Promise<{ workspace: Workspace; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'cr-fixture-'));
  const files: FixtureTables = {
    customers: join(dir, 'customers.csv'),
    conversions: join(dir, 'conversions.csv'),
    impressions: join(dir, 'impressions.csv'),
  };
  for (const name of TABLES) writeFileSync(files[name], data[name]);
  return { workspace: await filesWorkspace(files, rules, dir), dir };
}

export type FixtureRules = { customers?: unknown; conversions?: unknown; impressions?: unknown };
const TABLES = ['customers', 'conversions', 'impressions'] as const;

/** The same collaboration from data files of any format (paths in `files`). */
export async function filesWorkspace(files: FixtureTables, rules: FixtureRules, dir: string): Promise<Workspace> {
  const workspace = await Workspace.open(join(dir, 'home'), { threads: 1, memoryLimit: '1GB' });
  for (const member of ['brand', 'platform']) await createMember(workspace.db, member);
  const owner = { customers: 'brand', conversions: 'brand', impressions: 'platform' } as const;
  for (const name of TABLES) {
    await createDataset(workspace, owner[name], name, [files[name]]);
    await createTable(workspace.db, owner[name], name, name, undefined, rules[name] ?? DEFAULT_RULES[name]);
  }
  await createCollaboration(
    workspace.db,
    'brand',
    'c',
    [
      { member: 'brand', query: true, receive: true },
      { member: 'platform', query: false, receive: true },
    ],
    true,
  );
  await acceptCollaboration(workspace.db, 'platform', 'c');
  for (const name of TABLES) await associate(workspace.db, 'c', owner[name], name, name, undefined);
  return workspace;
}
