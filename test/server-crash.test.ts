/**
 * A server killed outright (SIGKILL: no handler runs) while queries run and wait: at the
 * next start every one of them is final, the interrupted ones `failed` with the reason,
 * and no partial result is visible. Then the restarted server answers new queries.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Workspace } from '../src/collaboration/workspace.ts';
import { IMPRESSIONS_RULE } from './support/api-world.ts';
import { runCli } from './support/run-cli.ts';
import { startServe } from './support/serve-process.ts';

const ROWS = 1_000_000;

describe('a server killed with SIGKILL mid-query', () => {
  let dir: string;
  let csv: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cr-srv-crash-'));
    csv = join(dir, 'impressions.csv');
    const c = await (await DuckDBInstance.create(':memory:')).connect();
    await c.run(
      `COPY (SELECT 'user' || (i * 7919 % 1000003) || '@example.com' AS email_address, 'cmp-' || (i % 50) AS campaign_id, i % 13 AS cost
             FROM range(${ROWS}) t(i)) TO '${csv}' (HEADER true)`,
    );
    c.closeSync();
    writeFileSync(join(dir, 'rule.json'), JSON.stringify(IMPRESSIONS_RULE));
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('marks running and queued queries failed at restart and shows no partial result', async () => {
    const home = join(dir, 'home');
    for (const args of [
      ['member', 'create', 'platform'],
      ['dataset', 'create', 'platform', 'impressions', csv],
      ['table', 'create', 'platform', 'impressions', '--dataset', 'impressions', '--rule', join(dir, 'rule.json')],
      ['collaboration', 'create', 'solo', '--creator', 'platform', '--member', 'platform:query,receive'],
      ['collaboration', 'associate', 'solo', '--member', 'platform', '--table', 'impressions'],
    ]) {
      const r = runCli(home, args);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    }
    const token = runCli(home, ['keys', 'create', '--member', 'platform']).stdout.trim();
    const served = await startServe(home, ['--max-running', '1']);
    const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const sql = (n: number): string =>
      `SELECT campaign_id, COUNT(DISTINCT email_address) AS people, SUM(cost) AS cost FROM impressions WHERE campaign_id <> 'cmp-${n}' GROUP BY campaign_id`;
    const ids: string[] = [];
    for (let n = 0; n < 3; n++) {
      const r = await fetch(`${served.url}/v1/collaborations/solo/queries`, { method: 'POST', headers: auth, body: JSON.stringify({ sql: sql(n) }) });
      expect(r.status).toBe(202);
      ids.push(((await r.json()) as { id: string }).id);
    }
    // Kill as soon as the first one runs (the others wait behind --max-running 1).
    for (let i = 0; i < 200; i++) {
      const r = await fetch(`${served.url}/v1/collaborations/solo/queries/${ids[0]}`, { headers: auth });
      if (((await r.json()) as { status: string }).status === 'running') break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    served.child.kill('SIGKILL');
    expect(await served.exited).toBe('SIGKILL');

    const restarted = await startServe(home, ['--max-running', '1']);
    try {
      const statuses: string[] = [];
      for (const id of ids) {
        const view = (await (await fetch(`${restarted.url}/v1/collaborations/solo/queries/${id}`, { headers: auth })).json()) as {
          status: string;
          error?: { code: string; message: string };
          resultId?: string;
        };
        statuses.push(view.status);
        expect(['failed', 'succeeded']).toContain(view.status);
        if (view.status === 'failed') {
          expect(view.error?.code).toBe('interrupted');
          expect(view.resultId).toBeUndefined();
        } else {
          expect(view.resultId).toBeTruthy();
        }
      }
      // The queued ones never started: they are certainly interrupted.
      expect(statuses.slice(1)).toEqual(['failed', 'failed']);
      const results = (await (await fetch(`${restarted.url}/v1/results`, { headers: auth })).json()) as unknown[];
      expect(results.length).toBe(statuses.filter((s) => s === 'succeeded').length);
      // The restarted server runs a new query to its end.
      const again = await fetch(`${restarted.url}/v1/collaborations/solo/queries?wait=60`, { method: 'POST', headers: auth, body: JSON.stringify({ sql: sql(0) }) });
      const body = (await again.json()) as { id: string; status: string };
      let status = body.status;
      for (let i = 0; i < 20 && !['succeeded', 'failed'].includes(status); i++) {
        status = ((await (await fetch(`${restarted.url}/v1/collaborations/solo/queries/${body.id}?wait=30`, { headers: auth })).json()) as { status: string }).status;
      }
      expect(status).toBe('succeeded');
    } finally {
      restarted.child.kill('SIGTERM');
      await restarted.exited;
    }
    // No store file without its metadata row (nothing partial left behind).
    const ws = await Workspace.open(home);
    const keys = new Set((await ws.db.selectFrom('results').select('store_key').execute()).map((r) => r.store_key));
    const stored = (await ws.store.list('members/platform/results/')).map((o) => o.key);
    expect(stored.every((k) => keys.has(k))).toBe(true);
    await ws.close();
    expect(readFileSync(join(home, 'metadata.db')).length).toBeGreaterThan(0);
  }, 240_000);
});
