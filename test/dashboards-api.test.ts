/**
 * Dashboards through the HTTP API: documents checked strictly, visual rows equal to
 * hand-worked figures, filters (hostile values stay literals), CSV export, and sharing:
 * only with members of the collaboration that may receive every result, checked again on
 * each view (receivers changed, member left), unshared dashboards 404 to others.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiWorld, CAMPAIGN_SQL, CUSTOMERS_CSV, CUSTOMERS_RULE, IMPRESSIONS_CSV, IMPRESSIONS_RULE, type ApiResponse } from './support/api-world.ts';

interface Data {
  columns: { name: string; type: string }[];
  rows: unknown[][];
  truncated: boolean;
  executed: string;
  filters: Record<string, unknown[]>;
}

const must = async (r: Promise<ApiResponse>, status: number): Promise<ApiResponse> => {
  const got = await r;
  if (got.status !== status) throw new Error(`expected ${status}, got ${got.status}: ${got.text}`);
  return got;
};
const code = (r: ApiResponse): string => (r.body as { error?: { code: string } }).error?.code ?? `none (${r.status})`;
const message = (r: ApiResponse): string => (r.body as { error?: { message: string } }).error?.message ?? '';

const DASHBOARD = {
  name: 'q3',
  title: 'Q3 campaigns',
  filters: [{ id: 'campaign', column: 'campaign_id', label: 'Campaign' }],
  visuals: [
    { id: 'users', kind: 'bar', title: 'Users by campaign', source: { kind: 'table', table: 'campaigns' }, fields: { x: 'campaign_id', y: ['users'] }, layout: { x: 0, y: 0, w: 6, h: 4 }, sort: { column: 'users', direction: 'desc' } },
    { id: 'total', kind: 'kpi', title: 'Users reached', source: { kind: 'sql', sql: 'SELECT SUM(users) AS users, SUM(cost) AS cost FROM campaigns' }, fields: { value: 'users' }, layout: { x: 6, y: 0, w: 3, h: 2 } },
  ],
};

describe('dashboards over the API', () => {
  let world: ApiWorld;
  const k: Record<'brand' | 'platform' | 'agency' | 'retailer', string> = { brand: '', platform: '', agency: '', retailer: '' };
  let id = '';

  const data = async (token: string, ref: string, visual: string, filters?: Record<string, unknown>): Promise<ApiResponse> =>
    world.call(token, 'POST', `/v1/dashboards/${ref}/visuals/${visual}/data`, filters === undefined ? {} : { filters });
  const rowsOf = (r: ApiResponse): unknown[][] => (r.body as Data).rows.map((row) => row.map((c) => (typeof c === 'string' && /^\d+$/.test(c) ? Number(c) : c)));

  beforeAll(async () => {
    world = await ApiWorld.start();
    for (const m of ['brand', 'platform', 'agency', 'retailer'] as const) k[m] = await world.member(m);
    await must(world.call(k.brand, 'POST', '/v1/members/brand/datasets/customers?filename=customers.csv', CUSTOMERS_CSV), 201);
    await must(world.call(k.platform, 'POST', '/v1/members/platform/datasets/impressions?filename=impressions.csv', IMPRESSIONS_CSV), 201);
    await must(world.call(k.brand, 'POST', '/v1/members/brand/tables', { name: 'customers', dataset: 'customers', rule: CUSTOMERS_RULE }), 201);
    await must(world.call(k.platform, 'POST', '/v1/members/platform/tables', { name: 'impressions', dataset: 'impressions', rule: IMPRESSIONS_RULE }), 201);
    await must(world.call(k.brand, 'POST', '/v1/collaborations', {
      name: 'media',
      members: [
        { member: 'brand', query: true, receive: true },
        { member: 'platform', query: false, receive: false },
        { member: 'agency', query: false, receive: true },
      ],
    }), 201);
    await must(world.call(k.platform, 'POST', '/v1/collaborations/media/accept'), 200);
    await must(world.call(k.agency, 'POST', '/v1/collaborations/media/accept'), 200);
    await must(world.call(k.brand, 'POST', '/v1/collaborations/media/associations', { table: 'customers' }), 201);
    await must(world.call(k.platform, 'POST', '/v1/collaborations/media/associations', { table: 'impressions' }), 201);
    const submitted = await world.call(k.brand, 'POST', '/v1/collaborations/media/queries?wait=30', { sql: CAMPAIGN_SQL });
    const done = await world.finish(k.brand, 'media', (submitted.body as { id: string }).id);
    expect(done['status']).toBe('succeeded');
    await must(world.call(k.brand, 'PATCH', `/v1/results/${done['resultId'] as string}`, { name: 'campaigns' }), 200);
  }, 120_000);
  afterAll(async () => world.close());

  it('refuses documents with unknown fields, naming the path', async () => {
    const bad = structuredClone(DASHBOARD) as { visuals: Record<string, unknown>[] };
    (bad.visuals[0]!['fields'] as Record<string, unknown>)['colour'] = 'red';
    const r = await world.call(k.brand, 'POST', '/v1/dashboards', bad);
    expect(r.status).toBe(400);
    expect(code(r)).toBe('dashboard-unknown-field');
    expect(message(r)).toContain('dashboard.visuals[0].fields.colour');
    const kind = await world.call(k.brand, 'POST', '/v1/dashboards', { ...DASHBOARD, visuals: [{ ...DASHBOARD.visuals[0], kind: 'pie' }] });
    expect(message(kind)).toContain('dashboard.visuals[0].kind');
    const missing = await world.call(k.brand, 'POST', '/v1/dashboards', { ...DASHBOARD, visuals: [{ ...DASHBOARD.visuals[1], fields: {} }] });
    expect(code(missing)).toBe('dashboard-missing-field');
    expect(message(missing)).toContain('dashboard.visuals[0].fields.value');
    // A histogram or stacked bar draws one count per bucket: a second y column is refused, not hidden.
    for (const kind of ['histogram', 'stacked-bar']) {
      const two = await world.call(k.brand, 'POST', '/v1/dashboards', { ...DASHBOARD, visuals: [{ ...DASHBOARD.visuals[0], kind, fields: { x: 'campaign_id', y: ['users', 'cost'], ...(kind === 'stacked-bar' ? { series: 'campaign_id' } : {}) } }] });
      expect([two.status, code(two)]).toEqual([400, 'dashboard-bad-value']);
      expect(message(two)).toContain('dashboard.visuals[0].fields.y');
    }
    const extra = await world.call(k.brand, 'POST', '/v1/dashboards', { ...DASHBOARD, owner: 'platform' });
    expect(message(extra)).toContain('dashboard.owner');
    // Results SQL rules hold in visuals: a raw table is refused when saving.
    const raw = await world.call(k.brand, 'POST', '/v1/dashboards', { ...DASHBOARD, visuals: [{ ...DASHBOARD.visuals[1], source: { kind: 'sql', sql: 'SELECT count(*) AS users FROM customers' } }] });
    expect(raw.status).toBe(422);
    expect(code(raw)).toBe('unknown-result-table');
  });

  it('creates a dashboard and returns rows equal to the hand-worked figures', async () => {
    const created = await must(world.call(k.brand, 'POST', '/v1/dashboards', DASHBOARD), 201);
    id = (created.body as { id: string }).id;
    expect((created.body as { spec: { visuals: unknown[] } }).spec.visuals).toHaveLength(2);
    // c1 reaches customers a, b, c; c3 reaches a, e; c2 (one user) is suppressed.
    expect(rowsOf(await must(data(k.brand, id, 'users'), 200)).map((r) => [r[0], r[1]])).toEqual([['c1', 3], ['c3', 2]]);
    expect(rowsOf(await must(data(k.brand, 'q3', 'total'), 200))).toEqual([[5, 41]]);
    const list = (await must(world.call(k.brand, 'GET', '/v1/dashboards'), 200)).body as { owned: { name: string }[]; shared: unknown[] };
    expect(list.owned.map((d) => d.name)).toEqual(['q3']);
    expect((await world.call(k.brand, 'POST', '/v1/dashboards', DASHBOARD)).status).toBe(409);
  });

  it('applies filters as literals: hostile values match nothing and run nothing', async () => {
    const c3 = await must(data(k.brand, id, 'users', { campaign: ['c3'] }), 200);
    expect(rowsOf(c3).map((r) => r[0])).toEqual(['c3']);
    expect((c3.body as Data).executed).toContain(`"v"."campaign_id" IN ('c3')`);
    for (const hostile of ["c1' OR '1'='1", 'c1"; DROP TABLE campaigns; --', "') UNION SELECT * FROM customers --", 'c1\\', '\u0000c1']) {
      const r = await must(data(k.brand, id, 'users', { campaign: [hostile] }), 200);
      expect((r.body as Data).rows).toEqual([]);
    }
    // The figures are untouched afterwards.
    expect(rowsOf(await must(data(k.brand, id, 'users'), 200)).map((r) => r[0])).toEqual(['c1', 'c3']);
    expect(code(await data(k.brand, id, 'users', { nope: ['x'] }))).toBe('unknown-filter');
    expect(code(await data(k.brand, id, 'users', { campaign: [{ sql: 'x' }] }))).toBe('dashboard-bad-value');
    // A filter on a numeric column takes numbers only.
    const numeric = { ...DASHBOARD, name: 'numeric', filters: [{ id: 'users', column: 'users', values: ['3 OR 1=1'] }] };
    await must(world.call(k.brand, 'POST', '/v1/dashboards', numeric), 201);
    expect(code(await data(k.brand, 'numeric', 'users'))).toBe('filter-value-type');
    expect(rowsOf(await must(data(k.brand, 'numeric', 'users', { users: [3] }), 200)).map((r) => r[0])).toEqual(['c1']);
    await must(world.call(k.brand, 'DELETE', '/v1/dashboards/numeric'), 200);
  });

  it('exports a visual as CSV', async () => {
    const r = await must(world.call(k.brand, 'GET', `/v1/dashboards/${id}/visuals/users/csv`), 200);
    expect(r.headers['content-type']).toContain('text/csv');
    expect(r.text).toBe('campaign_id,users,cost\nc1,3,36\nc3,2,5\n');
    // With the viewer's filter values (as JSON, like the data route's body): the rows shown.
    const filtered = await must(world.call(k.brand, 'GET', `/v1/dashboards/${id}/visuals/users/csv?filters=${encodeURIComponent(JSON.stringify({ campaign: ['c3'] }))}`), 200);
    expect(filtered.text).toBe('campaign_id,users,cost\nc3,2,5\n');
    const broken = await world.call(k.brand, 'GET', `/v1/dashboards/${id}/visuals/users/csv?filters=${encodeURIComponent('{campaign')}`);
    expect(broken.status).toBe(400);
    expect(code(broken)).toBe('dashboard-bad-value');
    expect(code(await world.call(k.brand, 'GET', `/v1/dashboards/${id}/visuals/users/csv?filters=${encodeURIComponent('{"nope":["x"]}')}`))).toBe('unknown-filter');
  });

  it('shares only with members who may receive every result', async () => {
    const share = (member: string, collaboration = 'media') => world.call(k.brand, 'POST', `/v1/dashboards/${id}/shares`, { member, collaboration });
    // Before sharing, the dashboard does not exist for anyone else.
    for (const m of ['platform', 'agency', 'retailer'] as const) {
      expect((await world.call(k[m], 'GET', `/v1/dashboards/${id}`)).status).toBe(404);
      expect((await data(k[m], id, 'users')).status).toBe(404);
    }
    const noReceive = await share('platform');
    expect(noReceive.status).toBe(403);
    expect(message(noReceive)).toContain('receive ability');
    const outsider = await share('retailer');
    expect(outsider.status).toBe(403);
    expect(code(outsider)).toBe('share-not-allowed');
    await must(share('agency'), 201);
    const seen = await must(world.call(k.agency, 'GET', `/v1/dashboards/${id}`), 200);
    expect((seen.body as { access: string; shares?: unknown }).access).toBe('shared');
    expect((seen.body as { shares?: unknown }).shares).toBeUndefined();
    expect(rowsOf(await must(data(k.agency, id, 'users'), 200)).map((r) => [r[0], r[1]])).toEqual([['c1', 3], ['c3', 2]]);
    expect((await world.call(k.agency, 'GET', '/v1/dashboards')).body).toMatchObject({ owned: [], shared: [{ id, sharedIn: 'media' }] });
    // The viewer's read of the owner's rows is in the audit chain: who, whose, which
    // visual and results, how many rows; never the rows or filter values.
    await must(data(k.agency, id, 'users', { campaign: ['c3'] }), 200);
    const audit = (await must(world.call(world.adminToken, 'GET', '/v1/audit?actor=agency'), 200)).body as { entries?: { action: string; subject: string; detail: Record<string, unknown> }[] } | { action: string; subject: string; detail: Record<string, unknown> }[];
    const entries = (Array.isArray(audit) ? audit : (audit.entries ?? [])).filter((e) => e.action === 'dashboard.view');
    expect(entries.length).toBeGreaterThanOrEqual(2);
    expect(entries.at(-1)).toMatchObject({ subject: id, detail: { owner: 'brand', collaboration: 'media', visual: 'users', filters: ['campaign'], rows: 1 } });
    expect(JSON.stringify(entries.map((e) => e.detail))).not.toContain('"c3"');
    expect((await must(world.call(world.adminToken, 'GET', '/v1/audit/verify'), 200)).body).toMatchObject({ ok: true });
    // The viewer's copy carries no SQL of the owner's, and its rows no `executed`.
    const viewerSpec = (seen.body as { spec: { visuals: { source: { kind: string; sql?: string } }[] } }).spec;
    expect(viewerSpec.visuals.every((v) => v.source.sql === undefined || v.source.sql === '')).toBe(true);
    expect(((await must(data(k.agency, id, 'users'), 200)).body as Data).executed).toBe('');
    expect(((await must(data(k.brand, id, 'users'), 200)).body as Data).executed).toContain('SELECT');
    // Rows are read only from the results the share was checked against: one that is not
    // among them (a newer result arriving between check and read) is refused.
    const { resolveDashboard } = await import('../src/results-sql/dashboards/dashboard-store.ts');
    const { visualData } = await import('../src/results-sql/dashboards/dashboard-data.ts');
    const viewed = await resolveDashboard(world.workspace, 'agency', id);
    expect(viewed.checkedResults?.size).toBeGreaterThan(0);
    await expect(visualData(world.workspace, 'brand', viewed.spec, 'users', {}, { onlyResults: new Set() })).rejects.toMatchObject({ diagnostic: { code: 'share-not-allowed' } });
    await expect(visualData(world.workspace, 'brand', viewed.spec, 'users', {}, { onlyResults: viewed.checkedResults! })).resolves.toMatchObject({ visual: 'users' });
    // Read-only: the viewer cannot change, share or delete it, and its name means nothing to it.
    expect((await world.call(k.agency, 'PUT', `/v1/dashboards/${id}`, DASHBOARD)).status).toBe(404);
    expect((await world.call(k.agency, 'DELETE', `/v1/dashboards/${id}`)).status).toBe(404);
    expect((await world.call(k.agency, 'POST', `/v1/dashboards/${id}/shares`, { member: 'retailer', collaboration: 'media' })).status).toBe(404);
    expect((await world.call(k.agency, 'GET', '/v1/dashboards/q3')).status).toBe(404);
    // Still 404 for the others.
    expect((await world.call(k.retailer, 'GET', `/v1/dashboards/${id}`)).status).toBe(404);
    expect((await world.call(k.platform, 'GET', `/v1/dashboards/${id}`)).status).toBe(404);
  });

  it('checks the share again on each view: receivers narrowed, then the member gone', async () => {
    // The brand re-associates its customers table for itself alone as receiver.
    await must(world.call(k.brand, 'DELETE', '/v1/collaborations/media/associations/customers'), 200);
    const gone = await world.call(k.agency, 'GET', `/v1/dashboards/${id}`);
    expect(gone.status).toBe(403);
    // The viewer learns only that it is closed now, not which of the owner's tables or results is why...
    expect(message(gone)).toContain('may not receive');
    expect(message(gone)).not.toContain('customers');
    // ...while the owner, sharing again, is told.
    const again = await world.call(k.brand, 'POST', `/v1/dashboards/${id}/shares`, { member: 'agency', collaboration: 'media' });
    expect(again.status).toBe(403);
    expect(message(again)).toContain("'customers'");
    await must(world.call(k.brand, 'POST', '/v1/collaborations/media/associations', { table: 'customers', receivers: ['brand'] }), 201);
    const narrowed = await data(k.agency, id, 'users');
    expect(narrowed.status).toBe(403);
    expect(message(narrowed)).toContain('may not receive');
    expect(narrowed.text).not.toContain('c1');
    expect((await world.call(k.agency, 'GET', `/v1/dashboards/${id}/visuals/users/csv`)).status).toBe(403);
    // Receivers restored; then the agency leaves the collaboration.
    await must(world.call(k.brand, 'DELETE', '/v1/collaborations/media/associations/customers'), 200);
    await must(world.call(k.brand, 'POST', '/v1/collaborations/media/associations', { table: 'customers' }), 201);
    await must(data(k.agency, id, 'users'), 200);
    await must(world.call(k.agency, 'POST', '/v1/collaborations/media/leave'), 200);
    expect((await data(k.agency, id, 'users')).status).toBe(403);
    // Unsharing makes it unknown again.
    await must(world.call(k.brand, 'DELETE', `/v1/dashboards/${id}/shares/agency`), 200);
    expect((await world.call(k.agency, 'GET', `/v1/dashboards/${id}`)).status).toBe(404);
  });
});

describe('ready-made dashboards after running the analyses', () => {
  let world: ApiWorld;

  afterAll(async () => world.close());

  it('fills audience planning from the newest audience-overlap result and follows new results', async () => {
    world = await ApiWorld.start();
    const brand = await world.member('brand');
    const platform = await world.member('platform');
    const people = ['email_address,state,birth_country,status'].concat(Array.from({ length: 12 }, (_, i) => `p${i}@x.io,${['CA', 'NY', 'TX'][i % 3]},US,${i % 4 === 0 ? 'inactive' : 'active'}`)).join('\n') + '\n';
    const views = ['email_address,device_type'].concat(Array.from({ length: 16 }, (_, i) => `p${i + 4}@x.io,${i % 2 === 0 ? 'mobile' : 'desktop'}`)).join('\n') + '\n';
    const custom = { v1: { custom: { allowedAnalyses: [], disallowedOutputColumns: ['email_address'] } } };
    await must(world.call(brand, 'POST', '/v1/members/brand/datasets/people?filename=people.csv', people), 201);
    await must(world.call(platform, 'POST', '/v1/members/platform/datasets/views?filename=views.csv', views), 201);
    await must(world.call(brand, 'POST', '/v1/members/brand/tables', { name: 'people', dataset: 'people', rule: custom, columns: ['email_address', 'state', 'birth_country', 'status'] }), 201);
    await must(world.call(platform, 'POST', '/v1/members/platform/tables', { name: 'views', dataset: 'views', rule: custom, columns: ['email_address', 'device_type'] }), 201);
    await must(world.call(brand, 'POST', '/v1/collaborations', { name: 'planning', members: [{ member: 'brand', query: true, receive: true }, { member: 'platform', query: false, receive: false }] }), 201);
    await must(world.call(platform, 'POST', '/v1/collaborations/planning/accept'), 200);
    await must(world.call(brand, 'POST', '/v1/collaborations/planning/associations', { table: 'people', name: 'customers' }), 201);
    await must(world.call(platform, 'POST', '/v1/collaborations/planning/associations', { table: 'views', name: 'impressions' }), 201);
    await must(world.call(brand, 'POST', '/v1/collaborations/planning/insights/install', { only: ['audience-overlap'] }), 200);
    await must(world.call(brand, 'POST', '/v1/collaborations/planning/templates/audience-overlap/approve', { table: 'customers' }), 200);
    await must(world.call(platform, 'POST', '/v1/collaborations/planning/templates/audience-overlap/approve', { table: 'impressions' }), 200);

    // Before any result: the dashboards exist, their visuals wait for results.
    const empty = (await must(world.call(brand, 'POST', '/v1/dashboards/ready-made', {}), 200)).body as { dashboard: { id: string; name: string }; missing: string[] }[];
    expect(empty.map((m) => m.dashboard.name)).toEqual(['audience-planning', 'campaign-measurement']);
    expect(empty[0]!.missing).toEqual(['audience-overlap', 'audience-profile', 'reach-frequency']);
    const planning = empty[0]!.dashboard.id;
    expect(code(await world.call(brand, 'POST', `/v1/dashboards/${planning}/visuals/overlap/data`, {}))).toBe('no-analysis-result');

    const run = async (segment: string): Promise<string> => {
      const submitted = await world.call(brand, 'POST', '/v1/collaborations/planning/insights/audience-overlap/runs?wait=30', { params: { segment } });
      const done = await world.finish(brand, 'planning', (submitted.body as { id: string }).id);
      expect(done['status'], JSON.stringify(done['error'])).toBe('succeeded');
      return done['resultId'] as string;
    };
    await run('status');
    const refreshed = (await must(world.call(brand, 'POST', '/v1/dashboards/ready-made', { only: ['audience-planning'] }), 200)).body as { dashboard: { id: string }; missing: string[] }[];
    expect(refreshed[0]!.dashboard.id).toBe(planning);
    expect(refreshed[0]!.missing).toEqual(['audience-profile', 'reach-frequency']);
    // By hand from the CSVs: customers p0..p11 (p0, p4, p8 inactive); the platform sees p4..p19.
    // inactive: 3 customers, overlap p4, p8 = 2; active: 9 customers, overlap p5..p11 minus p8 = 6.
    const overlap = (await must(world.call(brand, 'POST', `/v1/dashboards/${planning}/visuals/overlap/data`, {}), 200)).body as Data;
    const at = (row: unknown[], name: string): unknown => row[overlap.columns.findIndex((c) => c.name === name)];
    const bySegment = Object.fromEntries(overlap.rows.map((r) => [at(r, 'segment'), [Number(at(r, 'brand_customers')), Number(at(r, 'overlap'))]]));
    expect(bySegment).toEqual({ inactive: [3, 2], active: [9, 6] });
    // A new result is picked up without refreshing the dashboard.
    await run('none');
    const newer = (await must(world.call(brand, 'POST', `/v1/dashboards/${planning}/visuals/overlap/data`, {}), 200)).body as Data;
    expect(newer.rows).toHaveLength(1);
    expect(Number(newer.rows[0]![newer.columns.findIndex((c) => c.name === 'overlap')])).toBe(8);
  }, 120_000);
});
