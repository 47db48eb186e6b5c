/**
 * A small real workspace for the audit tests: two members, two datasets, two configured
 * tables, one collaboration, built through the service functions (each one a logged
 * change), with the chain attached under a master key the test holds.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { associate } from '../collaboration/associations.ts';
import { acceptCollaboration, createCollaboration } from '../collaboration/collaborations.ts';
import { createDataset } from '../collaboration/datasets.ts';
import { createMember } from '../collaboration/members.ts';
import { createTable } from '../collaboration/tables.ts';
import { Workspace } from '../collaboration/workspace.ts';
import { LocalKeyProvider } from '../storage/encryption/local-key-provider.ts';
import { attachAuditChain } from './attach.ts';

/** Identifiers from member data: none of them may ever reach the audit chain. */
export const EMAILS = ['alice.smith@example.com', 'bob.jones@example.com', 'carol.white@example.com', 'dave.brown@example.com'] as const;

const CUSTOMERS = `email_address,state\n${EMAILS.map((e, i) => `${e},${i < 2 ? 'CA' : 'NY'}`).join('\n')}\n`;
const IMPRESSIONS = `email_address,campaign_id,cost\n${EMAILS.map((e, i) => `${e},${i < 3 ? 'c1' : 'c2'},${i + 1}`).join('\n')}\n`;

const CUSTOMERS_RULE = {
  v1: {
    aggregation: {
      aggregateColumns: [{ columnNames: ['email_address'], function: 'COUNT_DISTINCT' }],
      joinColumns: ['email_address'],
      dimensionColumns: ['state'],
      scalarFunctions: [],
      outputConstraints: [{ columnName: 'email_address', minimum: 2, type: 'COUNT_DISTINCT' }],
    },
  },
};
const IMPRESSIONS_RULE = {
  v1: {
    aggregation: {
      aggregateColumns: [
        { columnNames: ['email_address'], function: 'COUNT_DISTINCT' },
        { columnNames: ['cost'], function: 'SUM' },
      ],
      joinColumns: ['email_address'],
      dimensionColumns: ['campaign_id'],
      scalarFunctions: [],
      outputConstraints: [{ columnName: 'email_address', minimum: 3, type: 'COUNT_DISTINCT' }],
    },
  },
};

/** c1 reaches alice, bob and carol (3 users): one output row; c2 only dave: suppressed. */
export const OVERLAP_SQL =
  'SELECT i.campaign_id, COUNT(DISTINCT i.email_address) AS n FROM impressions i INNER JOIN customers c ON i.email_address = c.email_address GROUP BY i.campaign_id';

/** The changes the world makes, in order, after the chain's start entry. */
export const WORLD_ACTIONS = [
  'member.create',
  'member.create',
  'dataset.create',
  'dataset.create',
  'table.create',
  'table.create',
  'collaboration.create',
  'collaboration.accept',
  'collaboration.associate',
  'collaboration.associate',
] as const;

export interface AuditWorld {
  readonly workspace: Workspace;
  readonly dir: string;
  /** The SQLite file, for tampering with plain SQL. */
  readonly file: string;
  readonly provider: LocalKeyProvider;
}

export async function auditWorld(): Promise<AuditWorld> {
  const dir = mkdtempSync(join(tmpdir(), 'cr-audit-'));
  writeFileSync(join(dir, 'customers.csv'), CUSTOMERS);
  writeFileSync(join(dir, 'impressions.csv'), IMPRESSIONS);
  const provider = LocalKeyProvider.fromBytes(randomBytes(32));
  const home = join(dir, 'home');
  const workspace = await Workspace.open(home, { threads: 1, memoryLimit: '1GB', keyProvider: provider });
  // The Workspace attaches the chain itself once wired; this returns that chain then.
  await attachAuditChain(workspace.db, provider);
  await createMember(workspace.db, 'brand');
  await createMember(workspace.db, 'platform');
  await createDataset(workspace, 'brand', 'customers', [join(dir, 'customers.csv')]);
  await createDataset(workspace, 'platform', 'impressions', [join(dir, 'impressions.csv')]);
  await createTable(workspace.db, 'brand', 'customers', 'customers', undefined, CUSTOMERS_RULE);
  await createTable(workspace.db, 'platform', 'impressions', 'impressions', undefined, IMPRESSIONS_RULE);
  await createCollaboration(workspace.db, 'brand', 'c', [
    { member: 'brand', query: true, receive: true },
    { member: 'platform', query: false, receive: true },
  ], true);
  await acceptCollaboration(workspace.db, 'platform', 'c');
  await associate(workspace.db, 'c', 'brand', 'customers', 'customers', undefined);
  await associate(workspace.db, 'c', 'platform', 'impressions', 'impressions', undefined);
  return { workspace, dir, file: join(home, 'metadata.db'), provider };
}
