import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { associate, disassociate } from '../src/collaboration/associations.ts';
import { listOwnQueries, queryLogs } from '../src/collaboration/query-logs.ts';
import { listResults } from '../src/collaboration/results.ts';
import { runQuery } from '../src/collaboration/run-query.ts';
import { updateTable } from '../src/collaboration/tables.ts';
import type { Workspace } from '../src/collaboration/workspace.ts';
import { DEFAULT_RULES, mediaWorkspace } from './support/media-fixture.ts';

const CUSTOMERS = 'email_address,state,birth_country\na,CA,US\nb,CA,US\nc,NY,MX\nd,NY,US\n';
const CONVERSIONS = 'email_address,creative_id,event_type,price,transaction_id\na,k1,purchase,10,t1\nb,k1,purchase,20,t2\n';
const IMPRESSIONS =
  'email_address,campaign_id,device_type,creative_id,cost\na,c1,mobile,k1,1\nb,c1,mobile,k1,2\nc,c1,desktop,k1,3\nd,c2,mobile,k2,4\n';
const OVERLAP =
  'SELECT i.campaign_id, COUNT(DISTINCT i.email_address) AS n FROM impressions i INNER JOIN customers c ON i.email_address = c.email_address GROUP BY i.campaign_id';

describe('protected query lifecycle', () => {
  let workspace: Workspace;
  let dir: string;
  beforeAll(async () => {
    ({ workspace, dir } = await mediaWorkspace({ customers: CUSTOMERS, conversions: CONVERSIONS, impressions: IMPRESSIONS }));
  });
  afterAll(async () => {
    await workspace.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('succeeds, records duration and rows, and catalogues the result for the receiver', async () => {
    const outcome = await runQuery(workspace, 'c', 'brand', OVERLAP);
    expect(outcome.status).toBe('succeeded');
    if (outcome.status !== 'succeeded' || !outcome.delivery) throw new Error('expected a delivery');
    // c1 reaches a, b, c (3 >= 3); c2 only d: suppressed.
    expect(outcome.delivery.rows).toEqual([['c1', 3]]);
    const results = await listResults(workspace, 'brand');
    expect(results.at(-1)).toMatchObject({ queryId: outcome.id, rowCount: 1, format: 'parquet' });
    const [entry] = (await listOwnQueries(workspace.db, 'c', 'brand')).filter((q) => q.id === outcome.id);
    expect(entry).toMatchObject({ status: 'succeeded', rowCount: 1, tables: ['customers', 'impressions'] });
    expect(entry?.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('records a cancelled query and delivers nothing', async () => {
    const before = (await listResults(workspace, 'brand')).length;
    const controller = new AbortController();
    controller.abort();
    const outcome = await runQuery(workspace, 'c', 'brand', OVERLAP, { signal: controller.signal });
    expect(outcome.status).toBe('cancelled');
    expect((await listResults(workspace, 'brand')).length).toBe(before);
    const logged = (await listOwnQueries(workspace.db, 'c', 'brand')).find((q) => 'id' in outcome && q.id === outcome.id);
    expect(logged?.status).toBe('cancelled');
  });

  it('refuses a receiver that a referenced table does not allow', async () => {
    await disassociate(workspace.db, 'c', 'platform', 'impressions');
    await associate(workspace.db, 'c', 'platform', 'impressions', 'impressions', ['platform']);
    const outcome = await runQuery(workspace, 'c', 'brand', OVERLAP);
    expect(outcome).toMatchObject({ status: 'refused', error: { code: 'receiver-not-allowed', table: 'impressions' } });
    const toPlatform = await runQuery(workspace, 'c', 'brand', OVERLAP, { receiver: 'platform' });
    expect(toPlatform.status).toBe('succeeded');
    expect('delivery' in toPlatform && toPlatform.delivery).toBeFalsy();
  });

  it('records the rule versions each query ran under', async () => {
    await updateTable(workspace.db, 'platform', 'impressions', undefined, DEFAULT_RULES.impressions);
    const outcome = await runQuery(workspace, 'c', 'brand', OVERLAP, { receiver: 'platform' });
    expect(outcome.status).toBe('succeeded');
    const row = await workspace.db.selectFrom('queries').select('tables_json').where('id', '=', 'id' in outcome ? outcome.id! : '').executeTakeFirstOrThrow();
    const tables = JSON.parse(row.tables_json) as { sqlName: string; ruleVersion: number }[];
    expect(tables.find((t) => t.sqlName === 'impressions')?.ruleVersion).toBe(2);
    expect(tables.find((t) => t.sqlName === 'customers')?.ruleVersion).toBe(1);
  });

  it('shows a runner who is not the receiver only the status', async () => {
    const logs = await queryLogs(workspace.db, 'c', 'brand');
    const sentAway = logs.filter((l) => l.receiver === 'platform' && l.status === 'succeeded');
    expect(sentAway.length).toBeGreaterThan(0);
    for (const l of sentAway) expect(l.rowCount).toBeUndefined();
    const platformView = await queryLogs(workspace.db, 'c', 'platform');
    expect(platformView.filter((l) => l.receiver === 'platform' && l.status === 'succeeded').every((l) => l.rowCount !== undefined)).toBe(true);
  });

  it('refuses an oversize query text before parsing it', async () => {
    const huge = `${OVERLAP} WHERE ${Array.from({ length: 40_000 }, () => "i.device_type = 'mobile'").join(' OR ')}`;
    expect(huge.length).toBeGreaterThan(1_000_000);
    const outcome = await runQuery(workspace, 'c', 'brand', huge);
    expect(outcome).toMatchObject({ status: 'refused', error: { code: 'query-too-large' } });
  });
});
