import { DuckDBInstance } from '@duckdb/node-api';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Workspace } from '../src/collaboration/workspace.ts';
import { runDemo } from '../src/cli/demo/run-demo.ts';
import { runCli } from './support/run-cli.ts';
import type { CellValue } from '../src/engine/engine.ts';

const BIN = new URL('../bin/cleanroom.js', import.meta.url).pathname;

/** `cleanroom demo --serve` as a child process: its stdout until the sign-in lines, and a way to stop it. */
function startDemoServer(home: string): { ready: Promise<string>; stop: () => Promise<number | null> } {
  const child = spawn(process.execPath, [BIN, '--home', home, 'demo', '--serve', '--scale', '2000', '--port', '0', '--format', 'table'], {
    env: { ...process.env, CLEANROOM_THREADS: '1', CLEANROOM_MEMORY_LIMIT: '1GB' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (/^Ctrl\+C stops the server\.$/m.test(out)) resolve(out);
    });
    void exited.then((code) => reject(new Error(`demo --serve exited (${code}) before serving:\n${out}\n${err}`)));
  });
  return {
    ready,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGINT');
      return exited;
    },
  };
}

/** Plain DuckDB over the generated files: the same questions without the clean room. */
async function plain(sql: string): Promise<CellValue[][]> {
  const duck = await DuckDBInstance.create(':memory:');
  const c = await duck.connect();
  try {
    const reader = await c.runAndReadAll(sql);
    return reader.getRowsJson().map((row) => row.map((v) => (typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : (v as CellValue))));
  } finally {
    c.closeSync();
  }
}

describe('cleanroom demo', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cr-demo-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs end to end, matches plain SQL with the thresholds applied by hand, and is idempotent', async () => {
    const home = join(dir, 'home');
    const ws = await Workspace.open(home, { threads: 1, memoryLimit: '1GB' });
    const first = await runDemo(ws, 30_000, 7);
    await ws.close();
    expect(first.queries.map((q) => q.outcome.status)).toEqual(first.queries.map(() => 'succeeded'));
    expect(first.refused.outcome).toMatchObject({ status: 'refused', error: { code: 'join-column-in-output', table: 'impressions' } });

    // The insights library ran over the custom-rule collaboration, every analysis once.
    expect(first.insights.map((r) => r.analysis).sort()).toEqual(
      ['attribution', 'audience-overlap', 'audience-profile', 'conversion-lift', 'conversion-lift-exposure', 'conversion-overlap', 'frequency-to-conversion',
        'incremental-reach', 'reach-frequency', 'roas', 'segment-export', 'time-to-conversion'],
    );
    // With the demo's rules (platform tables constrained), no analysis is refused.
    expect(first.insights.filter((r) => r.outcome.status !== 'succeeded').map((r) => r.analysis)).toEqual([]);
    const overlapRun = first.insights.find((r) => r.analysis === 'audience-overlap');
    expect(overlapRun?.outcome.status).toBe('succeeded');
    // The activation list went to the platform: the brand (runner) sees only the status.
    const exportRun = first.insights.find((r) => r.analysis === 'segment-export');
    expect(exportRun?.outcome.status).toBe('succeeded');
    expect(exportRun && 'delivery' in exportRun.outcome ? exportRun.outcome.delivery : undefined).toBeUndefined();

    const data = (role: string, table: string): string => `read_parquet('${join(first.dataDir, role, table)}/*.parquet')`;
    const imp = data('platform1', 'impressions');
    const cust = data('brand', 'customers');
    // Overlap with both tables' thresholds (100 distinct emails each) applied by hand.
    const overlap = await plain(
      `SELECT count(DISTINCT i.email_address) FROM ${imp} i JOIN ${cust} c ON i.email_address = c.email_address
       HAVING count(DISTINCT i.email_address) >= 100 AND count(DISTINCT c.email_address) >= 100`,
    );
    const overlapOutcome = first.queries[0]!.outcome;
    if (overlapOutcome.status !== 'succeeded' || !overlapOutcome.delivery) throw new Error('overlap did not deliver');
    expect(overlapOutcome.delivery.rows).toEqual(overlap);

    // Reach and impressions per campaign over customers: impressions counted once per impression row.
    const reach = await plain(
      `WITH j AS (SELECT i.campaign_id, i.email_address AS ie, c.email_address AS ce, i.creative_id, i.rid
                  FROM (SELECT *, row_number() OVER () AS rid FROM ${imp}) i JOIN ${cust} c ON i.email_address = c.email_address)
       SELECT campaign_id, count(DISTINCT ie), (SELECT count(creative_id) FROM (SELECT DISTINCT rid, creative_id FROM j j2 WHERE j2.campaign_id = j.campaign_id))
       FROM j GROUP BY campaign_id HAVING count(DISTINCT ie) >= 100 AND count(DISTINCT ce) >= 100 ORDER BY campaign_id`,
    );
    const reachOutcome = first.queries[4]!.outcome;
    if (reachOutcome.status !== 'succeeded' || !reachOutcome.delivery) throw new Error('reach did not deliver');
    expect(reachOutcome.delivery.rows.map((r) => r.slice(0, 3))).toEqual(reach);
    for (const row of reachOutcome.delivery.rows) expect(row[3]).toBeCloseTo(Number(row[2]) / Number(row[1]), 9);

    const again = await Workspace.open(home, { threads: 1, memoryLimit: '1GB' });
    const second = await runDemo(again, 30_000, 7);
    const datasets = await again.db.selectFrom('dataset_versions').select('version').execute();
    await again.close();
    expect(datasets.every((d) => d.version === 1)).toBe(true);
    expect(second.queries.map((q) => (q.outcome.status === 'succeeded' ? q.outcome.delivery?.rows : undefined))).toEqual(
      first.queries.map((q) => (q.outcome.status === 'succeeded' ? q.outcome.delivery?.rows : undefined)),
    );
 
    // The README's conversion-lift commands: the exposure comparison on request, said on
    // stderr so that stdout stays the query's JSON.
    const lift = runCli(home, ['insights', 'run', 'conversion-lift', 'media-insights', '--as', 'brand', '--param', 'design=exposure', '--format', 'json']);
    expect(lift.code, lift.stderr).toBe(0);
    expect(lift.stderr).toMatch(/^note: as asked \(design=exposure\).*BIASED/);
    const parsed = JSON.parse(lift.stdout) as { status: string; columns: string[] };
    expect(parsed.status).toBe('succeeded');
    expect(parsed.columns).toContain('caveat');
    const holdout = runCli(home, ['insights', 'run', 'conversion-lift', 'media-insights', '--as', 'brand', '--format', 'json']);
    expect(holdout.code, holdout.stderr).toBe(0);
    expect(holdout.stderr).toBe('');
  });

  it('--serve serves the web UI over the demo workspace and prints the URL and a key per member, reused next time', async () => {
    const home = join(dir, 'served');
    const keysOf = (out: string): Record<string, string> => Object.fromEntries([...out.matchAll(/^key (\S+)\s+(crk_\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
    const first = startDemoServer(home);
    let firstKeys: Record<string, string>;
    try {
      const out = await first.ready;
      const url = /^url: (http:\/\/127\.0\.0\.1:\d+\/)$/m.exec(out)?.[1];
      expect(url, out).toBeDefined();
      firstKeys = keysOf(out);
      expect(Object.keys(firstKeys).sort()).toEqual(['brand', 'platform', 'platform2']);
      const page = await fetch(url!);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/(html|plain)/);
      for (const [member, key] of Object.entries(firstKeys)) {
        const me = await fetch(`${url}v1/me`, { headers: { authorization: `Bearer ${key}` } });
        expect(me.status).toBe(200);
        expect(await me.json()).toMatchObject({ role: 'member', member });
      }
      // The brand's results from the demo are there to explore.
      const results = await fetch(`${url}v1/results`, { headers: { authorization: `Bearer ${firstKeys['brand']}` } });
      expect(((await results.json()) as unknown[]).length).toBeGreaterThan(0);
      expect(statSync(join(home, 'demo-keys.json')).mode & 0o077).toBe(0);
    } finally {
      expect(await first.stop()).toBe(0);
    }
    // Run again over the same workspace: the same keys, still valid.
    const second = startDemoServer(home);
    try {
      expect(keysOf(await second.ready)).toEqual(firstKeys);
    } finally {
      expect(await second.stop()).toBe(0);
    }
  }, 240_000);
});
