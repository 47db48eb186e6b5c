/**
 * The authorisation matrix: every route of the API called as every kind of caller, and
 * each answer's status checked against the access policy (issue 5, docs/server.md):
 *  - owner: the member whose resource it is (brand: customers table, its queries and results,
 *    creator of collaboration `media`);
 *  - other: platform, a member of `media` without the query ability, owner of `impressions`;
 *  - outsider: retailer, a member of no collaboration here;
 *  - none: no key; revoked: brand's revoked key; admin: the operator's key.
 * A member never reaches another member's datasets, tables, keys or results; only
 * collaboration members read a collaboration's schemas and rules; the administrator
 * manages members and keys but reads no member data.
 * Routes that change state come last, in an order that keeps the world usable.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiWorld, CAMPAIGN_SQL, CUSTOMERS_CSV, CUSTOMERS_RULE, mediaCollaboration } from './support/api-world.ts';

type Caller = 'owner' | 'other' | 'outsider' | 'none' | 'revoked' | 'admin';
const CALLERS: readonly Caller[] = ['none', 'revoked', 'admin', 'outsider', 'other', 'owner'];

interface Row {
  readonly method: string;
  readonly url: string;
  readonly body?: (caller: Caller) => unknown;
  readonly expect: Readonly<Record<Caller, number>>;
}

/** Member routes: 401 without a valid key, 403 for the administrator (it acts for no member). */
function memberRoute(method: string, url: string, owner: number, other: number, outsider: number, body?: (c: Caller) => unknown): Row {
  return { method, url, ...(body ? { body } : {}), expect: { none: 401, revoked: 401, admin: 403, outsider, other, owner } };
}

describe('authorisation matrix: every route as every caller', () => {
  let world: ApiWorld;
  const tokens: Partial<Record<Caller, string>> = {};
  let queryId = '';
  let resultId = '';
  let brandSpareKey = '';
  const answers: string[] = [];

  beforeAll(async () => {
    world = await ApiWorld.start();
    const keys = await mediaCollaboration(world);
    tokens.owner = keys.brand;
    tokens.other = keys.platform;
    tokens.outsider = await world.member('retailer');
    tokens.admin = world.adminToken;
    const spare = await world.call(world.adminToken, 'POST', '/v1/members/brand/keys', { label: 'to revoke' });
    tokens.revoked = (spare.body as { token: string }).token;
    expect((await world.call(keys.brand, 'DELETE', `/v1/keys/${(spare.body as { id: string }).id}`)).status).toBe(200);
    const another = await world.call(world.adminToken, 'POST', '/v1/members/brand/keys', { label: 'matrix' });
    brandSpareKey = (another.body as { id: string }).id;
    const submitted = await world.call(keys.brand, 'POST', '/v1/collaborations/media/queries?wait=30', { sql: CAMPAIGN_SQL });
    queryId = (submitted.body as { id: string }).id;
    const done = await world.finish(keys.brand, 'media', queryId);
    resultId = done['resultId'] as string;
    expect(resultId).toBeTruthy();
  }, 120_000);
  afterAll(async () => world.close());

  const unique = (c: Caller): string => `m${c.replace(/[^a-z]/g, '')}${Math.random().toString(36).slice(2, 8)}`;
  const rows = (): Row[] => [
    { method: 'GET', url: '/v1/me', expect: { none: 401, revoked: 401, admin: 200, outsider: 200, other: 200, owner: 200 } },
    { method: 'POST', url: '/v1/members', body: (c) => ({ name: unique(c) }), expect: { none: 401, revoked: 401, admin: 201, outsider: 403, other: 403, owner: 403 } },
    { method: 'GET', url: '/v1/members', expect: { none: 401, revoked: 401, admin: 200, outsider: 403, other: 403, owner: 403 } },
    { method: 'POST', url: '/v1/members/brand/keys', body: () => ({ label: 'x' }), expect: { none: 401, revoked: 401, admin: 201, outsider: 403, other: 403, owner: 201 } },
    { method: 'GET', url: '/v1/members/brand/keys', expect: { none: 401, revoked: 401, admin: 200, outsider: 403, other: 403, owner: 200 } },
    memberRoute('GET', '/v1/members/brand/datasets', 200, 403, 403),
    memberRoute('GET', '/v1/members/brand/datasets/customers', 200, 403, 403),
    memberRoute('POST', '/v1/members/brand/datasets/extra?filename=extra.csv', 201, 403, 403, () => CUSTOMERS_CSV),
    memberRoute('DELETE', '/v1/members/brand/datasets/customers', 409, 403, 403),
    memberRoute('GET', '/v1/members/brand/tables', 200, 403, 403),
    memberRoute('GET', '/v1/members/brand/tables/customers', 200, 403, 403),
    memberRoute('POST', '/v1/members/brand/tables', 201, 403, 403, (c) => ({ name: unique(c), dataset: 'customers', rule: CUSTOMERS_RULE })),
    memberRoute('PATCH', '/v1/members/brand/tables/customers', 200, 403, 403, () => ({ rule: CUSTOMERS_RULE })),
    memberRoute('DELETE', '/v1/members/brand/tables/customers', 409, 403, 403),
    memberRoute('PUT', '/v1/members/brand/tables/customers/privacy-budget', 200, 403, 403, () => ({ epsilon: 3 })),
    memberRoute('POST', '/v1/members/brand/tables/customers/check', 200, 403, 403, () => ({ sql: 'SELECT COUNT(DISTINCT email_address) AS n FROM customers' })),
    memberRoute('POST', '/v1/collaborations', 201, 201, 201, (c) => ({ name: unique(c), members: [{ member: c === 'owner' ? 'brand' : c === 'other' ? 'platform' : 'retailer', query: true, receive: true }] })),
    memberRoute('GET', '/v1/collaborations', 200, 200, 200),
    memberRoute('GET', '/v1/collaborations/media', 200, 200, 403),
    memberRoute('GET', '/v1/collaborations/nowhere', 404, 404, 404),
    memberRoute('POST', '/v1/collaborations/media/accept', 200, 200, 403),
    memberRoute('POST', '/v1/collaborations/media/associations', 409, 404, 403, () => ({ table: 'customers' })),
    memberRoute('GET', '/v1/collaborations/media/templates', 200, 200, 403),
    memberRoute('GET', '/v1/collaborations/media/templates/nope', 404, 404, 403),
    memberRoute('POST', '/v1/collaborations/media/templates/nope/approve', 404, 404, 403, () => ({ table: 'impressions' })),
    memberRoute('POST', '/v1/collaborations/media/templates', 201, 403, 403, () => ({ name: 'tpl', sql: CAMPAIGN_SQL })),
    memberRoute('POST', '/v1/collaborations/media/queries?wait=30', 200, 403, 403, () => ({ sql: CAMPAIGN_SQL })),
    memberRoute('POST', '/v1/collaborations/media/queries', 200, 403, 403, () => ({ sql: CAMPAIGN_SQL, dryRun: true })),
    memberRoute('GET', `/v1/collaborations/media/queries/${queryId}`, 200, 200, 403),
    memberRoute('POST', `/v1/collaborations/media/queries/${queryId}/cancel`, 409, 403, 403),
    memberRoute('GET', '/v1/collaborations/media/queries', 200, 200, 403),
    memberRoute('GET', '/v1/collaborations/media/query-logs', 200, 200, 403),
    memberRoute('GET', '/v1/insights', 200, 200, 200),
    memberRoute('POST', '/v1/collaborations/media/insights/install', 200, 403, 403, () => ({ only: ['audience-overlap'] })),
    memberRoute('POST', '/v1/collaborations/media/templates/nope/revoke', 404, 404, 403, () => ({ table: 'impressions' })),
    memberRoute('POST', '/v1/collaborations/media/insights/audience-overlap/runs?wait=30', 200, 403, 403, () => ({})),
    memberRoute('GET', `/v1/collaborations/media/insights/runs/${queryId}`, 404, 200, 403),
    memberRoute('GET', '/v1/collaborations/media/privacy-budget', 200, 200, 403),
    memberRoute('POST', '/v1/collaborations/media/privacy-preview', 200, 200, 403, () => ({ epsilon: 3, usersNoisePerQuery: 30 })),
    memberRoute('GET', '/v1/results', 200, 200, 200),
    memberRoute('GET', `/v1/results/${resultId}`, 200, 404, 404),
    memberRoute('GET', `/v1/results/${resultId}/rows`, 200, 404, 404),
    memberRoute('GET', `/v1/results/${resultId}/download?format=csv`, 200, 404, 404),
    { method: 'GET', url: '/metrics', expect: { none: 401, revoked: 401, admin: 200, outsider: 403, other: 403, owner: 403 } },
    { method: 'GET', url: '/v1/audit/verify', expect: { none: 401, revoked: 401, admin: 200, outsider: 403, other: 403, owner: 403 } },
    { method: 'GET', url: '/v1/audit?limit=5', expect: { none: 401, revoked: 401, admin: 200, outsider: 403, other: 403, owner: 403 } },
    { method: 'GET', url: '/healthz', expect: { none: 200, revoked: 200, admin: 200, outsider: 200, other: 200, owner: 200 } },
    { method: 'GET', url: '/readyz', expect: { none: 200, revoked: 200, admin: 200, outsider: 200, other: 200, owner: 200 } },
    { method: 'GET', url: '/docs', expect: { none: 200, revoked: 200, admin: 200, outsider: 200, other: 200, owner: 200 } },
    { method: 'GET', url: '/openapi.json', expect: { none: 200, revoked: 200, admin: 200, outsider: 200, other: 200, owner: 200 } },
    // Results SQL (src/api/routes/results-sql.ts): each member reads only its own results.
    memberRoute('GET', '/v1/results-sql/catalog', 200, 200, 200),
    memberRoute('POST', '/v1/results-sql/query', 200, 200, 200, () => ({ sql: 'SELECT count(*) AS n FROM results' })),
    memberRoute('PATCH', `/v1/results/${resultId}`, 200, 404, 404, () => ({ name: 'matrix_campaigns' })),
    memberRoute('GET', `/v1/results-sql/tables/${resultId}/parquet`, 200, 404, 404),
    memberRoute('PUT', '/v1/results-sql/saved/matrix_q', 201, 201, 201, () => ({ kind: 'query', sql: 'SELECT count(*) AS n FROM results' })),
    memberRoute('GET', '/v1/results-sql/saved', 200, 200, 200),
    memberRoute('GET', '/v1/results-sql/saved/matrix_q', 200, 200, 200),
    memberRoute('DELETE', '/v1/results-sql/saved/matrix_q', 200, 200, 200),
    memberRoute('GET', '/v1/results-sql/export', 200, 200, 200),
    // Dashboards (src/api/routes/dashboards.ts): another member's dashboard does not exist for the caller.
    memberRoute('POST', '/v1/dashboards', 201, 404, 404, () => ({ name: 'mdash', visuals: [{ id: 'n', kind: 'table', source: { kind: 'table', table: resultId }, fields: {} }] })),
    memberRoute('GET', '/v1/dashboards', 200, 200, 200),
    memberRoute('GET', '/v1/dashboards/mdash', 200, 404, 404),
    memberRoute('PUT', '/v1/dashboards/mdash', 200, 404, 404, () => ({ name: 'mdash', visuals: [{ id: 'n', kind: 'table', source: { kind: 'table', table: resultId }, fields: {} }] })),
    memberRoute('POST', '/v1/dashboards/mdash/visuals/n/data', 200, 404, 404, () => ({})),
    memberRoute('GET', '/v1/dashboards/mdash/visuals/n/csv', 200, 404, 404),
    memberRoute('POST', '/v1/dashboards/mdash/shares', 403, 404, 404, () => ({ member: 'platform', collaboration: 'media' })),
    memberRoute('DELETE', '/v1/dashboards/mdash/shares/platform', 404, 404, 404),
    memberRoute('POST', '/v1/dashboards/ready-made', 200, 200, 200, () => ({})),
    memberRoute('DELETE', '/v1/dashboards/mdash', 200, 404, 404),
    // State changes last.
    { method: 'DELETE', url: `/v1/keys/${brandSpareKey}`, expect: { none: 401, revoked: 401, admin: 200, outsider: 404, other: 404, owner: 200 } },
    memberRoute('PATCH', '/v1/collaborations/media', 200, 403, 403, () => ({ differenceChecks: true })),
    memberRoute('DELETE', `/v1/results/${resultId}`, 200, 404, 404),
    memberRoute('DELETE', '/v1/collaborations/media/associations/customers', 200, 404, 403),
    // The creator cannot leave (it deletes); platform must first take its table out.
    memberRoute('POST', '/v1/collaborations/media/leave', 403, 409, 403),
    memberRoute('DELETE', '/v1/collaborations/media', 200, 403, 403),
    // Gone for everyone, its name free again.
    memberRoute('GET', '/v1/collaborations/media', 404, 404, 404),
  ];

  it('answers each caller as the policy says', async () => {
    const wrong: string[] = [];
    for (const row of rows()) {
      for (const caller of CALLERS) {
        const token = caller === 'none' ? undefined : tokens[caller];
        const r = await world.call(token, row.method, row.url, row.body?.(caller));
        answers.push(`${row.method} ${row.url} as ${caller}: ${r.status}`);
        if (r.status !== row.expect[caller]) wrong.push(`${row.method} ${row.url} as ${caller}: expected ${row.expect[caller]}, got ${r.status} ${r.text.slice(0, 200)}`);
        // Whoever is neither in the collaboration nor a member never sees a data value.
        if (['none', 'revoked', 'admin', 'outsider'].includes(caller) && /@x\.io/.test(r.text)) {
          wrong.push(`${row.method} ${row.url} as ${caller}: the answer holds a data value`);
        }
        if (r.status >= 400) {
          const error = (r.body as { error?: { code?: string; message?: string } } | undefined)?.error;
          if (!error?.code || !error.message) wrong.push(`${row.method} ${row.url} as ${caller}: a ${r.status} without a diagnostic: ${r.text.slice(0, 120)}`);
        }
      }
    }
    expect(wrong).toEqual([]);
  }, 300_000);

  it('covers every route the server has', async () => {
    const doc = (await world.call(undefined, 'GET', '/openapi.json')).body as { paths: Record<string, Record<string, unknown>> };
    const tested = rows().map((r) => `${r.method} ${r.url.split('?')[0]}`);
    const missing: string[] = [];
    for (const [path, operations] of Object.entries(doc.paths)) {
      const pattern = new RegExp(`^${path.replace(/\{[^}]+\}/g, '[^/]+')}$`);
      for (const method of Object.keys(operations)) {
        if (!tested.some((t) => t.startsWith(`${method.toUpperCase()} `) && pattern.test(t.slice(method.length + 1)))) missing.push(`${method.toUpperCase()} ${path}`);
      }
    }
    expect(missing).toEqual([]);
  });

});
