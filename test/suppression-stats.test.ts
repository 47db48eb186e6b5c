/**
 * Owner-only "rows removed by output constraints" (issue 2 item 11): computed in the
 * same engine run as the delivery, shown to the owner of the constrained table in the
 * query log, never to the runner.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryLogs, listOwnQueries } from '../src/collaboration/query-logs.ts';
import { runQuery } from '../src/collaboration/run-query.ts';
import type { Workspace } from '../src/collaboration/workspace.ts';
import { mediaWorkspace } from './support/media-fixture.ts';

// brand owns customers (email >= 2) and conversions; platform owns impressions (email >= 3).
const CUSTOMERS = 'email_address,state,birth_country\na,CA,US\nb,CA,US\nc,NY,MX\nd,NY,US\ne,NY,US\nf,TX,US\ng,TX,MX\n';
const CONVERSIONS = 'email_address,creative_id,event_type,price,transaction_id\na,k1,purchase,10,t1\nb,k1,purchase,20,t2\n';
// Reached customers per campaign: c1 {a,b,c} passes both; c2 {d} fails both;
// c3 {e,f} fails impressions' minimum 3 only; c4 {g,g} fails both; c5 {x,y,z} reaches no customer (no group).
const IMPRESSIONS = 'email_address,campaign_id,device_type,creative_id,cost\n' +
  'a,c1,mobile,k1,1\nb,c1,mobile,k1,2\nc,c1,desktop,k1,3\nd,c2,mobile,k2,4\ne,c3,mobile,k2,1\nf,c3,mobile,k2,1\n' +
  'g,c4,mobile,k2,1\ng,c4,desktop,k2,1\nx,c5,mobile,k1,1\ny,c5,mobile,k1,1\nz,c5,mobile,k1,1\n';
const QUERY =
  'SELECT i.campaign_id, COUNT(DISTINCT i.email_address) AS n, SUM(i.cost) AS cost FROM impressions i ' +
  'INNER JOIN customers c ON i.email_address = c.email_address GROUP BY i.campaign_id';
// The same groups from the customers' side, grouped by a brand dimension, with a SUM
// that keeps the join plan (both tables contribute values).
const JOINED =
  'SELECT i.campaign_id, c.state, SUM(i.cost) AS cost FROM impressions i ' +
  'INNER JOIN customers c ON i.email_address = c.email_address GROUP BY i.campaign_id, c.state';

describe('suppression statistics', () => {
  let workspace: Workspace;
  let dir: string;
  beforeAll(async () => {
    ({ workspace, dir } = await mediaWorkspace({ customers: CUSTOMERS, conversions: CONVERSIONS, impressions: IMPRESSIONS }));
  });
  afterAll(async () => {
    await workspace.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows the owner of the constrained table how many groups its constraints removed', async () => {
    const outcome = await runQuery(workspace, 'c', 'brand', QUERY);
    if (outcome.status !== 'succeeded' || !outcome.delivery) throw new Error(`expected a delivery: ${JSON.stringify(outcome)}`);
    expect(outcome.delivery.rows).toEqual([['c1', 3, 6]]);
    // impressions' minimum 3 removes c2, c3, c4
    const platform = (await queryLogs(workspace.db, 'c', 'platform')).find((q) => q.id === outcome.id);
    expect(platform?.tableStats?.impressions?.rowsSuppressed).toBe(3);
    expect(Object.keys(platform?.tableStats ?? {})).toEqual(['impressions']);
  });

  it('shows the runner nothing, not even for the table it owns', async () => {
    const outcome = await runQuery(workspace, 'c', 'brand', QUERY);
    if (outcome.status !== 'succeeded') throw new Error('expected success');
    for (const entry of [
      ...(await queryLogs(workspace.db, 'c', 'brand')),
      ...(await listOwnQueries(workspace.db, 'c', 'brand')),
    ]) {
      for (const stats of Object.values(entry.tableStats ?? {})) expect(stats.rowsSuppressed).toBeUndefined();
      expect(JSON.stringify(entry)).not.toContain('rowsSuppressed');
    }
  });

  it('join plan: groups per campaign and state, counted per table', async () => {
    // (campaign, state) groups: (c1,CA){a,b} (c1,NY){c} (c2,NY){d} (c3,NY){e} (c3,TX){f} (c4,TX){g}:
    // impressions' minimum 3 removes all six, so nothing is delivered.
    const outcome = await runQuery(workspace, 'c', 'brand', JOINED);
    if (outcome.status !== 'succeeded' || !outcome.delivery) throw new Error('expected a delivery');
    expect(outcome.delivery.rows).toEqual([]);
    const platform = (await queryLogs(workspace.db, 'c', 'platform')).find((q) => q.id === outcome.id);
    expect(platform?.tableStats?.impressions?.rowsSuppressed).toBe(6);
  });
});
