/**
 * Load test of the HTTP server on loopback (issue 5): many members submit protected
 * queries and poll them at once; then autocannon drives the read routes. Bounded: a fixed
 * number of queries and requests, then it stops by itself.
 *
 *   npx tsx bench/server-load.ts                          # 8 members x 5 queries, 200k impressions
 *   npx tsx bench/server-load.ts --members 4 --queries 3 --impressions 50000
 *
 * Prints throughput, p50/p99 latencies, and checks that every query finished with the
 * answer plain DuckDB gives on the same files (nothing lost, nothing wrong). The ratio
 * line compares the server's wall time for all queries with the same queries run one
 * after another on plain DuckDB.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { DuckDBInstance } from '@duckdb/node-api';
import { createApiKey } from '../src/api/api-keys.ts';
import { buildServer } from '../src/api/server.ts';
import { Workspace } from '../src/collaboration/workspace.ts';
import { formatTable, median, ms, ratio } from './stats.ts';

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const MEMBERS = flag('members', 8);
const QUERIES = flag('queries', 5);
const IMPRESSIONS = flag('impressions', 200_000);
const CUSTOMERS = Math.round(IMPRESSIONS / 4);
const MIN_USERS = 50;

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

const rule = (dimension: string, aggregates: { columnNames: string[]; function: string }[]) => ({
  v1: {
    aggregation: {
      aggregateColumns: aggregates,
      joinColumns: ['email_address'],
      dimensionColumns: [dimension],
      scalarFunctions: [],
      outputConstraints: [{ columnName: 'email_address', minimum: MIN_USERS, type: 'COUNT_DISTINCT' }],
    },
  },
});

/** Brand i's customers: every (i+2)-th user, so each brand has its own answer. */
function customerSql(i: number, file: string): string {
  return `COPY (SELECT 'u' || u || '@example.com' AS email_address, CASE WHEN u % 3 = 0 THEN 'gold' ELSE 'silver' END AS segment
                FROM range(${CUSTOMERS * 2}) t(u) WHERE u % ${i + 2} = 0) TO '${file}' (HEADER true)`;
}

const querySql = (i: number, q: number): string =>
  `SELECT i.campaign_id, COUNT(DISTINCT i.email_address) AS users, SUM(i.cost) AS cost FROM impressions i ` +
  `INNER JOIN customers_${i} c ON i.email_address = c.email_address WHERE c.segment = '${q % 2 === 0 ? 'gold' : 'silver'}' GROUP BY i.campaign_id`;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'cr-load-'));
  const duck = await (await DuckDBInstance.create(':memory:', { threads: '2' })).connect();
  const impressions = join(dir, 'impressions.csv');
  await duck.run(
    `COPY (SELECT 'u' || (i * 7919 % ${CUSTOMERS * 2}) || '@example.com' AS email_address, 'cmp-' || (i % 12) AS campaign_id, i % 97 AS cost
           FROM range(${IMPRESSIONS}) t(i)) TO '${impressions}' (HEADER true)`,
  );
  for (let i = 0; i < MEMBERS; i++) await duck.run(customerSql(i, join(dir, `customers_${i}.csv`)));

  const workspace = await Workspace.open(join(dir, 'home'), { threads: 1, memoryLimit: '2GB', engineConcurrency: 2 });
  const admin = await createApiKey(workspace.db, { member: null, createdBy: 'bench' });
  const server = await buildServer({ workspace, rateLimitPerMinute: false, limits: { perMember: 5, running: 2 } });
  const base = await server.app.listen({ host: '127.0.0.1', port: 0 });
  const call = async (token: string, method: string, path: string, body?: unknown, raw?: Buffer): Promise<{ status: number; json: Record<string, unknown> }> => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(raw ? { 'content-type': 'application/octet-stream' } : body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(raw ? { body: new Uint8Array(raw) } : body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    const json = (text.startsWith('{') || text.startsWith('[') ? JSON.parse(text) : {}) as Record<string, unknown>;
    if (response.status >= 400) throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 300)}`);
    return { status: response.status, json };
  };
  const newMember = async (name: string): Promise<string> => {
    await call(admin.token, 'POST', '/v1/members', { name });
    return (await call(admin.token, 'POST', `/v1/members/${name}/keys`, {})).json['token'] as string;
  };

  console.log(`\nCleanroom server load: ${MEMBERS} members x ${QUERIES} queries, ${IMPRESSIONS.toLocaleString('en')} impressions, loopback ${base}\n`);
  const platform = await newMember('platform');
  await call(platform, 'POST', '/v1/members/platform/datasets/impressions?filename=impressions.csv', undefined, await readFile(impressions));
  await call(platform, 'POST', '/v1/members/platform/tables', {
    name: 'impressions',
    dataset: 'impressions',
    rule: rule('campaign_id', [
      { columnNames: ['email_address'], function: 'COUNT_DISTINCT' },
      { columnNames: ['cost'], function: 'SUM' },
    ]),
  });
  const brands: string[] = [];
  for (let i = 0; i < MEMBERS; i++) {
    const token = await newMember(`brand${i}`);
    brands.push(token);
    await call(token, 'POST', `/v1/members/brand${i}/datasets/customers?filename=customers.csv`, undefined, await readFile(join(dir, `customers_${i}.csv`)));
    await call(token, 'POST', `/v1/members/brand${i}/tables`, {
      name: 'customers',
      dataset: 'customers',
      rule: rule('segment', [{ columnNames: ['email_address'], function: 'COUNT_DISTINCT' }]),
    });
  }
  await call(platform, 'POST', '/v1/collaborations', {
    name: 'media',
    members: [{ member: 'platform' }, ...brands.map((_, i) => ({ member: `brand${i}`, query: true, receive: true }))],
  });
  await call(platform, 'POST', '/v1/collaborations/media/associations', { table: 'impressions' });
  for (let i = 0; i < MEMBERS; i++) {
    const token = brands[i] ?? '';
    await call(token, 'POST', '/v1/collaborations/media/accept');
    await call(token, 'POST', '/v1/collaborations/media/associations', { table: 'customers', name: `customers_${i}` });
  }

  // Phase 1: every member submits its queries at once and long-polls them.
  const submitMs: number[] = [];
  const endToEndMs: number[] = [];
  const finished: { member: number; q: number; id: string; status: string; resultId?: string }[] = [];
  const started = Date.now();
  await Promise.all(
    brands.map(async (token, i) => {
      await Promise.all(
        Array.from({ length: QUERIES }, async (_, q) => {
          const t0 = Date.now();
          const submitted = await call(token, 'POST', '/v1/collaborations/media/queries', { sql: querySql(i, q) });
          submitMs.push(Date.now() - t0);
          const id = submitted.json['id'] as string;
          let view = submitted.json;
          while (!['succeeded', 'failed', 'refused', 'cancelled'].includes(String(view['status']))) {
            view = (await call(token, 'GET', `/v1/collaborations/media/queries/${id}?wait=20`)).json;
          }
          endToEndMs.push(Date.now() - t0);
          finished.push({ member: i, q, id, status: String(view['status']), ...(view['resultId'] ? { resultId: String(view['resultId']) } : {}) });
        }),
      );
    }),
  );
  const wallMs = Date.now() - started;

  // Every answer against plain DuckDB on the same CSVs, thresholds applied by hand.
  let wrong = 0;
  const plainStarted = Date.now();
  const expected = new Map<string, string>();
  for (let i = 0; i < MEMBERS; i++) {
    for (let q = 0; q < QUERIES; q++) {
      const reader = await duck.runAndReadAll(
        `SELECT i.campaign_id, COUNT(DISTINCT i.email_address) AS users, SUM(i.cost) AS cost
           FROM read_csv('${impressions}') i JOIN read_csv('${join(dir, `customers_${i}.csv`)}') c ON i.email_address = c.email_address
          WHERE c.segment = '${q % 2 === 0 ? 'gold' : 'silver'}' GROUP BY i.campaign_id HAVING COUNT(DISTINCT i.email_address) >= ${MIN_USERS}
          ORDER BY 1`,
      );
      expected.set(`${i}/${q}`, JSON.stringify(reader.getRowsJson().map((r) => [r[0], Number(r[1]), Number(r[2])])));
    }
  }
  const plainMs = Date.now() - plainStarted;
  for (const f of finished) {
    if (f.status !== 'succeeded' || !f.resultId) {
      wrong += 1;
      continue;
    }
    const page = (await call(brands[f.member] ?? '', 'GET', `/v1/results/${f.resultId}/rows?limit=1000`)).json as { rows: unknown[][] };
    const got = JSON.stringify([...page.rows].sort((a, b) => String(a[0]).localeCompare(String(b[0]))).map((r) => [r[0], Number(r[1]), Number(r[2])]));
    if (got !== expected.get(`${f.member}/${f.q}`)) wrong += 1;
  }

  console.log(
    formatTable(
      ['protected queries', 'value'],
      [
        ['submitted', String(MEMBERS * QUERIES)],
        ['finished', String(finished.length)],
        ['succeeded with the plain-DuckDB answer', String(finished.length - wrong)],
        ['wall time, ms', ms(wallMs)],
        ['throughput, queries/s', (finished.length / (wallMs / 1000)).toFixed(2)],
        ['submit latency p50 / p99, ms', `${ms(percentile(submitMs, 50))} / ${ms(percentile(submitMs, 99))}`],
        ['submit-to-outcome p50 / p99, ms', `${ms(percentile(endToEndMs, 50))} / ${ms(percentile(endToEndMs, 99))}`],
        ['same queries one by one on plain DuckDB, ms', ms(plainMs)],
        ['ratio server wall / plain sequential', ratio(wallMs / plainMs)],
      ],
    ),
  );

  // Phase 2: the read routes under autocannon (bounded request counts).
  const sample = finished.find((f) => f.resultId);
  const brand0 = brands[sample?.member ?? 0] ?? '';
  const reads: [string, string][] = [
    ['GET query status', `/v1/collaborations/media/queries/${sample?.id ?? ''}`],
    ['GET result rows (page of 100)', `/v1/results/${sample?.resultId ?? ''}/rows?limit=100`],
    ['GET /healthz', '/healthz'],
  ];
  const rows: string[][] = [];
  for (const [title, path] of reads) {
    const result = await autocannon({
      url: `${base}${path}`,
      connections: 16,
      amount: title.includes('rows') ? 500 : 5000,
      headers: { authorization: `Bearer ${brand0}` },
    });
    rows.push([title, String(result.requests.total), result.requests.average.toFixed(0), String(result.latency.p50), String(result.latency.p99), String(result.non2xx + result.errors)]);
  }
  console.log(`\n${formatTable(['read route (16 connections)', 'requests', 'req/s', 'p50 ms', 'p99 ms', 'errors'], rows)}`);
  console.log(`\nmedian end-to-end ${ms(median(endToEndMs))} ms; ${wrong === 0 ? 'every query answered right' : `${wrong} wrong or lost`}`);

  await server.shutdown(5_000);
  await workspace.close();
  duck.closeSync();
  rmSync(dir, { recursive: true, force: true });
  if (wrong > 0) process.exitCode = 1;
}

await main();
