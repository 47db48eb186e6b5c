/**
 * An HTTP API over a fresh workspace, for the API tests: the real Fastify server (in
 * process through `inject`, or listening on loopback), an administrator key made the
 * way `cleanroom keys create --admin` makes it, and helpers to call routes as a caller.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApiKey } from '../../src/api/api-keys.ts';
import { buildServer, type CleanroomServer, type ServerOptions } from '../../src/api/server.ts';
import { Workspace } from '../../src/collaboration/workspace.ts';

export interface ApiResponse {
  readonly status: number;
  readonly body: unknown;
  readonly text: string;
  readonly headers: Record<string, string | string[] | number | undefined>;
}

export class ApiWorld {
  private constructor(
    readonly home: string,
    readonly workspace: Workspace,
    readonly server: CleanroomServer,
    readonly adminToken: string,
  ) {}

  /** `metadata`: a SQLite file or postgres:// URL for the control plane (default: in the home). */
  static async start(options: Omit<ServerOptions, 'workspace'> = {}, metadata?: string): Promise<ApiWorld> {
    const home = mkdtempSync(join(tmpdir(), 'cr-api-'));
    const workspace = await Workspace.open(home, metadata === undefined ? {} : { metadata });
    const admin = await createApiKey(workspace.db, { member: null, label: 'test operator', createdBy: 'operator' });
    const server = await buildServer({ workspace, rateLimitPerMinute: false, ...options });
    return new ApiWorld(home, workspace, server, admin.token);
  }

  async call(token: string | undefined, method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse> {
    const raw = typeof body === 'string' || Buffer.isBuffer(body);
    const response = await this.server.app.inject({
      method: method as 'GET',
      url,
      headers: {
        ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}),
        ...(raw ? { 'content-type': 'application/octet-stream' } : {}),
        ...headers,
      },
      ...(body === undefined ? {} : raw ? { payload: body as string } : { payload: body as object }),
    });
    let parsed: unknown = undefined;
    try {
      parsed = JSON.parse(response.body);
    } catch {
      parsed = undefined;
    }
    return { status: response.statusCode, body: parsed, text: response.body, headers: response.headers };
  }

  /** Creates a member (as the administrator) and returns a fresh key of it. */
  async member(name: string): Promise<string> {
    const created = await this.call(this.adminToken, 'POST', '/v1/members', { name });
    if (created.status !== 201) throw new Error(`creating member ${name}: ${created.text}`);
    const key = await this.call(this.adminToken, 'POST', `/v1/members/${name}/keys`, { label: 'test' });
    if (key.status !== 201) throw new Error(`creating a key for ${name}: ${key.text}`);
    return (key.body as { token: string }).token;
  }

  /** Polls a query until it is final (long-poll, bounded). */
  async finish(token: string, collaboration: string, id: string): Promise<Record<string, unknown>> {
    for (let i = 0; i < 60; i++) {
      const r = await this.call(token, 'GET', `/v1/collaborations/${collaboration}/queries/${id}?wait=5`);
      const body = r.body as { status: string };
      if (['succeeded', 'failed', 'refused', 'cancelled'].includes(body.status)) return body as Record<string, unknown>;
    }
    throw new Error(`query ${id} did not finish`);
  }

  async close(): Promise<void> {
    await this.server.shutdown(5_000);
    await this.workspace.close();
    rmSync(this.home, { recursive: true, force: true });
  }
}

/** Platform impressions with a join column, one dimension and a cost; min 2 users per row. */
export const IMPRESSIONS_RULE = {
  v1: {
    aggregation: {
      aggregateColumns: [
        { columnNames: ['email_address'], function: 'COUNT_DISTINCT' },
        { columnNames: ['cost'], function: 'SUM' },
      ],
      joinColumns: ['email_address'],
      dimensionColumns: ['campaign_id'],
      scalarFunctions: [],
      outputConstraints: [{ columnName: 'email_address', minimum: 2, type: 'COUNT_DISTINCT' }],
    },
  },
};

/** Brand customers: joinable on email, a segment dimension; min 2 users per row. */
export const CUSTOMERS_RULE = {
  v1: {
    aggregation: {
      aggregateColumns: [{ columnNames: ['email_address'], function: 'COUNT_DISTINCT' }],
      joinColumns: ['email_address'],
      dimensionColumns: ['segment'],
      scalarFunctions: [],
      outputConstraints: [{ columnName: 'email_address', minimum: 2, type: 'COUNT_DISTINCT' }],
    },
  },
};

export const CUSTOMERS_CSV = ['email_address,segment', 'a@x.io,gold', 'b@x.io,gold', 'c@x.io,silver', 'd@x.io,silver', 'e@x.io,gold'].join('\n') + '\n';

/** c1 reaches a,b,c (3 users); c2 reaches d only (1 user: suppressed); c3 reaches a,e,z (2 customers). */
export const IMPRESSIONS_CSV =
  [
    'email_address,campaign_id,cost',
    'a@x.io,c1,10',
    'b@x.io,c1,20',
    'c@x.io,c1,5',
    'a@x.io,c1,1',
    'd@x.io,c2,7',
    'a@x.io,c3,2',
    'e@x.io,c3,3',
    'z@x.io,c3,100',
  ].join('\n') + '\n';

/**
 * Sets up brand (query, receive) and platform (tables) in collaboration `media` through
 * the API; returns the two members' keys.
 */
export async function mediaCollaboration(world: ApiWorld): Promise<{ brand: string; platform: string }> {
  const brand = await world.member('brand');
  const platform = await world.member('platform');
  const must = async (r: Promise<ApiResponse>, status: number): Promise<ApiResponse> => {
    const got = await r;
    if (got.status !== status) throw new Error(`expected ${status}, got ${got.status}: ${got.text}`);
    return got;
  };
  await must(world.call(brand, 'POST', '/v1/members/brand/datasets/customers?filename=customers.csv', CUSTOMERS_CSV), 201);
  await must(world.call(platform, 'POST', '/v1/members/platform/datasets/impressions?filename=impressions.csv', IMPRESSIONS_CSV), 201);
  await must(world.call(brand, 'POST', '/v1/members/brand/tables', { name: 'customers', dataset: 'customers', rule: CUSTOMERS_RULE }), 201);
  await must(world.call(platform, 'POST', '/v1/members/platform/tables', { name: 'impressions', dataset: 'impressions', rule: IMPRESSIONS_RULE }), 201);
  await must(
    world.call(brand, 'POST', '/v1/collaborations', {
      name: 'media',
      members: [
        { member: 'brand', query: true, receive: true },
        { member: 'platform', query: false, receive: false },
      ],
    }),
    201,
  );
  await must(world.call(platform, 'POST', '/v1/collaborations/media/accept'), 200);
  await must(world.call(brand, 'POST', '/v1/collaborations/media/associations', { table: 'customers' }), 201);
  await must(world.call(platform, 'POST', '/v1/collaborations/media/associations', { table: 'impressions' }), 201);
  return { brand, platform };
}

export const CAMPAIGN_SQL =
  'SELECT i.campaign_id, COUNT(DISTINCT i.email_address) AS users, SUM(i.cost) AS cost ' +
  'FROM impressions i INNER JOIN customers c ON i.email_address = c.email_address GROUP BY i.campaign_id';
