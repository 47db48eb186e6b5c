import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CleanroomError } from '../src/collaboration/errors.ts';
import { queryLogs } from '../src/collaboration/query-logs.ts';
import { runQuery, runTemplate } from '../src/collaboration/run-query.ts';
import { setApproval } from '../src/collaboration/template-approvals.ts';
import { describeTemplate } from '../src/collaboration/template-review.ts';
import { createTemplate, findTemplate } from '../src/collaboration/templates.ts';
import { updateTable } from '../src/collaboration/tables.ts';
import type { Workspace } from '../src/collaboration/workspace.ts';
import { mediaWorkspace } from './support/media-fixture.ts';
import { runCli } from './support/run-cli.ts';

const custom = (extra: Record<string, unknown> = {}): unknown => ({
  v1: {
    custom: {
      allowedAnalyses: [],
      disallowedOutputColumns: ['email_address'],
      outputConstraints: [{ columnName: 'email_address', minimum: 2, type: 'COUNT_DISTINCT' }],
      ...extra,
    },
  },
});

// Customers a..e; impressions: a, b on c1 (a twice), c, d on c2, z (not a customer) on c1.
const CUSTOMERS = 'email_address,state,birth_country\na,CA,US\nb,CA,US\nc,NY,MX\nd,NY,US\ne,NY,US\n';
const CONVERSIONS = 'email_address,creative_id,event_type,price,transaction_id\na,k1,purchase,10,t1\n';
const IMPRESSIONS =
  'email_address,campaign_id,device_type,creative_id,cost\na,c1,mobile,k1,1\na,c1,mobile,k1,1\nb,c1,tv,k1,2\nc,c2,mobile,k2,3\nd,c2,mobile,k2,4\nz,c1,mobile,k1,5\n';

const REACH_SQL = `
  SELECT i.campaign_id, COUNT(DISTINCT i.email_address) AS reached_customers, COUNT(*) AS impressions
  FROM impressions i JOIN customers c ON i.email_address = c.email_address
  WHERE i.device_type <> :skip_device
  GROUP BY i.campaign_id
  ORDER BY i.campaign_id`;

describe('analysis templates under the custom rule', () => {
  let workspace: Workspace;
  let dir: string;
  beforeAll(async () => {
    ({ workspace, dir } = await mediaWorkspace(
      { customers: CUSTOMERS, conversions: CONVERSIONS, impressions: IMPRESSIONS },
      { customers: custom(), impressions: custom() },
    ));
    // A custom rule names few columns: allow the ones the analyses read.
    await updateTable(workspace.db, 'brand', 'customers', ['email_address', 'state', 'birth_country'], undefined);
    await updateTable(workspace.db, 'platform', 'impressions', ['email_address', 'campaign_id', 'device_type', 'creative_id', 'cost'], undefined);
    await createTemplate(workspace, 'c', 'brand', {
      name: 'reach',
      description: 'customers reached per campaign',
      sql: REACH_SQL,
      parameters: [{ name: 'skip_device', type: 'VARCHAR', default: 'none' }],
    });
  });
  afterAll(async () => {
    await workspace.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows the reviewer the SQL that will run, the tables and columns read, and the outputs', async () => {
    const review = await describeTemplate(workspace, await findTemplate(workspace, 'c', 'platform', 'reach'));
    expect(review.runSql).toMatch(/TRY_CAST\('none' AS VARCHAR\)/);
    // What runs once approved: both owners' minimums of 2 people are in the SQL.
    expect(review.runSql).toMatch(/HAVING .*count\(DISTINCT "i"\."email_address"\) >= 2/);
    expect(review.refusal).toBeUndefined();
    expect(review.reads).toEqual({ customers: ['email_address'], impressions: ['email_address', 'campaign_id', 'device_type'] });
    expect(review.outputs).toEqual(['campaign_id', 'reached_customers', 'impressions']);
  });

  it('refuses to run until every owner approves, then runs with typed parameters', async () => {
    const before = await runTemplate(workspace, 'c', 'brand', 'reach', {});
    expect(before).toMatchObject({ status: 'refused', error: { code: 'analysis-not-allowed' } });
    await setApproval(workspace, 'c', 'reach', 'brand', 'customers', true);
    const half = await runTemplate(workspace, 'c', 'brand', 'reach', {});
    expect(half).toMatchObject({ status: 'refused', error: { code: 'analysis-not-allowed', table: 'impressions' } });
    await setApproval(workspace, 'c', 'reach', 'platform', 'impressions', true);
    const run = await runTemplate(workspace, 'c', 'brand', 'reach', {});
    if (run.status !== 'succeeded' || !run.delivery) throw new Error(`expected rows, got ${JSON.stringify(run)}`);
    // c1: customers a (2 impressions), b (1) -> 2 people, 3 impressions (z is no customer).
    // c2: c, d -> 2 people, 2 impressions. Both meet the minimum of 2 people on each table.
    expect(run.delivery.rows).toEqual([
      ['c1', 2, 3],
      ['c2', 2, 2],
    ]);
    // Skipping tv leaves only a on c1: 1 person < 2, the row is suppressed.
    const noTv = await runTemplate(workspace, 'c', 'brand', 'reach', { skip_device: 'tv' });
    if (noTv.status !== 'succeeded' || !noTv.delivery) throw new Error('expected a delivery');
    expect(noTv.delivery.rows).toEqual([['c2', 2, 2]]);
  });

  it('binds hostile values as data, never as SQL', async () => {
    const run = await runTemplate(workspace, 'c', 'brand', 'reach', { skip_device: "x' OR 1=1 --" });
    if (run.status !== 'succeeded' || !run.delivery) throw new Error('expected a delivery');
    // The owners' log shows the template and the exact value given.
    const logged = (await queryLogs(workspace.db, 'c', 'platform')).find((e) => 'id' in run && e.id === run.id);
    expect(logged?.parameters).toEqual({ skip_device: "x' OR 1=1 --" });
    expect(logged?.templateId).toMatch(/^tpl-/);
    // No device is called that, so nothing is skipped: the same rows as the default.
    expect(run.delivery.rows).toEqual([
      ['c1', 2, 3],
      ['c2', 2, 2],
    ]);
  });

  it('refuses unknown parameters and values of the wrong type', async () => {
    expect(await runTemplate(workspace, 'c', 'brand', 'reach', { nope: '1' })).toMatchObject({
      status: 'refused',
      error: { code: 'parameter-unknown' },
    });
    await createTemplate(workspace, 'c', 'brand', {
      name: 'since',
      sql: 'SELECT COUNT(DISTINCT i.email_address) AS n FROM impressions i JOIN customers c ON i.email_address = c.email_address WHERE i.cost >= :min_cost',
      parameters: [{ name: 'min_cost', type: 'INTEGER', range: { lo: '0', hi: '100' } }],
    });
    expect(await runTemplate(workspace, 'c', 'brand', 'since', { min_cost: 'abc' })).toMatchObject({
      status: 'refused',
      error: { code: 'parameter-type' },
    });
    expect(await runTemplate(workspace, 'c', 'brand', 'since', { min_cost: '101' })).toMatchObject({
      status: 'refused',
      error: { code: 'parameter-out-of-range' },
    });
  });

  it('stops a revoked template at once', async () => {
    await setApproval(workspace, 'c', 'reach', 'platform', 'impressions', false);
    expect(await runTemplate(workspace, 'c', 'brand', 'reach', {})).toMatchObject({
      status: 'refused',
      error: { code: 'analysis-not-allowed', table: 'impressions' },
    });
    await setApproval(workspace, 'c', 'reach', 'platform', 'impressions', true);
  });

  it('refuses a template whose output carries a disallowed column, naming the path', async () => {
    await createTemplate(workspace, 'c', 'brand', {
      name: 'leak',
      sql: 'WITH s AS (SELECT i.email_address AS who FROM impressions i JOIN customers c ON i.email_address = c.email_address) SELECT who, COUNT(*) AS n FROM s GROUP BY who',
      parameters: [],
    });
    await setApproval(workspace, 'c', 'leak', 'brand', 'customers', true);
    await setApproval(workspace, 'c', 'leak', 'platform', 'impressions', true);
    const review = await describeTemplate(workspace, await findTemplate(workspace, 'c', 'platform', 'leak'));
    expect(review.refusal?.code).toBe('disallowed-output-column');
    const out = await runTemplate(workspace, 'c', 'brand', 'leak', {});
    expect(out).toMatchObject({ status: 'refused', error: { code: 'disallowed-output-column' } });
    if (out.status === 'refused') expect(out.error.message).toMatch(/email_address/);
  });

  it('refuses ad-hoc SQL over custom tables unless the runner is an allowed analysis provider', async () => {
    const adHoc = 'SELECT COUNT(DISTINCT i.email_address) AS n FROM impressions i JOIN customers c ON i.email_address = c.email_address';
    expect(await runQuery(workspace, 'c', 'brand', adHoc)).toMatchObject({ status: 'refused', error: { code: 'analysis-not-allowed' } });
  });

  it('keeps templates immutable: a name is taken once', async () => {
    await expect(
      createTemplate(workspace, 'c', 'brand', { name: 'reach', sql: 'SELECT 1 AS x FROM impressions', parameters: [] }),
    ).rejects.toBeInstanceOf(CleanroomError);
  });

  it('runs from the CLI with --template and --param', () => {
    const home = join(dir, 'home');
    const sqlFile = join(dir, 'reach.sql');
    writeFileSync(sqlFile, REACH_SQL);
    const run = runCli(home, ['query', 'run', 'c', '--as', 'brand', '--template', 'reach', '--param', 'skip_device=tv', '--format', 'json']);
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toMatchObject({ status: 'succeeded', rows: [['c2', 2, 2]] });
    const bad = runCli(home, ['query', 'run', 'c', '--as', 'brand', '--template', 'reach', '--param', 'nope=1', '--format', 'json']);
    expect(bad.code).toBe(3);
    const list = runCli(home, ['template', 'list', 'c', '--as', 'platform', '--format', 'json']);
    expect((JSON.parse(list.stdout) as { name: string }[]).map((t) => t.name)).toContain('reach');
  });
});
