import { DuckDBInstance } from '@duckdb/node-api';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepOrphans } from '../src/collaboration/orphans.ts';
import { Workspace } from '../src/collaboration/workspace.ts';
import { runCli } from './support/run-cli.ts';

const ROWS = 200_000;
const BIN = fileURLToPath(new URL('../bin/cleanroom.js', import.meta.url));

/**
 * Runs the CLI with a fault-injection point set: the process SIGKILLs itself there, as a
 * power cut would stop it. Resolves with the signal that ended it.
 */
function crashAt(home: string, args: readonly string[], point: string): Promise<NodeJS.Signals | null> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, '--home', home, ...args], {
      stdio: 'ignore',
      env: { ...process.env, CLEANROOM_THREADS: '1', CLEANROOM_MEMORY_LIMIT: '1GB', CLEANROOM_CRASH_AT: point },
    });
    child.on('exit', (_code, signal) => resolve(signal));
  });
}

/** Every version metadata names has its files, and no store object is unaccounted for. */
async function expectConsistent(home: string): Promise<void> {
  const workspace = await Workspace.open(home);
  try {
    await sweepOrphans(workspace, 0);
    const referenced = new Set<string>();
    for (const v of await workspace.db.selectFrom('dataset_versions').select('files_json').execute()) {
      for (const key of JSON.parse(v.files_json) as string[]) {
        referenced.add(key);
        expect(await workspace.store.stat(key), `missing ${key}`).toBeDefined();
      }
    }
    for (const r of await workspace.db.selectFrom('results').select('store_key').execute()) {
      referenced.add(r.store_key);
      expect(await workspace.store.stat(r.store_key)).toBeDefined();
    }
    const objects = (await workspace.store.list('')).map((o) => o.key);
    expect(objects.filter((k) => !referenced.has(k))).toEqual([]);
    const datasets = await workspace.db.selectFrom('datasets').select('id').execute();
    for (const d of datasets) {
      const versions = await workspace.db.selectFrom('dataset_versions').select('version').where('dataset_id', '=', d.id).execute();
      expect(versions.length).toBeGreaterThan(0);
    }
    const stuck = await workspace.db.selectFrom('queries').select('id').where('status', 'in', ['submitted', 'running']).execute();
    expect(stuck).toEqual([]);
    expect(readdirSync(join(home, 'tmp'))).toEqual([]);
  } finally {
    await workspace.close();
  }
}

describe('crash safety', () => {
  let dir: string;
  let bigCsv: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cr-crash-'));
    bigCsv = join(dir, 'impressions.csv');
    const duck = await DuckDBInstance.create(':memory:');
    const c = await duck.connect();
    await c.run(
      `COPY (SELECT 'user' || (i % 50000) || '@example.com' AS email_address, 'cmp-' || (i % 7) AS campaign_id, i % 13 AS cost
             FROM range(${ROWS}) t(i)) TO '${bigCsv}' (HEADER true)`,
    );
    c.closeSync();
    writeFileSync(
      join(dir, 'rule.json'),
      JSON.stringify({
        v1: {
          aggregation: {
            aggregateColumns: [{ columnNames: ['email_address'], function: 'COUNT_DISTINCT' }, { columnNames: ['cost'], function: 'SUM' }],
            joinColumns: ['email_address'],
            dimensionColumns: ['campaign_id'],
            scalarFunctions: [],
            outputConstraints: [{ columnName: 'email_address', minimum: 2, type: 'COUNT_DISTINCT' }],
          },
        },
      }),
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a crash at any step of ingest leaves the workspace consistent and usable', async () => {
    const home = join(dir, 'ingest');
    expect(runCli(home, ['member', 'create', 'platform']).code).toBe(0);
    for (const point of ['ingest:crawled', 'ingest:stored']) {
      expect(await crashAt(home, ['dataset', 'create', 'platform', 'impressions', bigCsv], point)).toBe('SIGKILL');
      await expectConsistent(home);
      const ws = await Workspace.open(home);
      expect(await ws.db.selectFrom('datasets').selectAll().execute()).toEqual([]);
      await ws.close();
    }
    // Killed after the commit: the version is there, whole.
    expect(await crashAt(home, ['dataset', 'create', 'platform', 'impressions', bigCsv], 'ingest:committed')).toBe('SIGKILL');
    await expectConsistent(home);
    const again = runCli(home, ['dataset', 'create', 'platform', 'impressions', bigCsv, '--format', 'json']);
    expect(again.stderr).toBe('');
    expect(again.code).toBe(0);
    const registered = JSON.parse(again.stdout) as { version: number; rowCount: number };
    expect(registered).toMatchObject({ version: 2, rowCount: ROWS });
    await expectConsistent(home);
  });

  it('a crash at any step of a query leaves no partial result and no running query', async () => {
    const home = join(dir, 'query');
    for (const args of [
      ['member', 'create', 'platform'],
      ['dataset', 'create', 'platform', 'impressions', bigCsv],
      ['table', 'create', 'platform', 'impressions', '--dataset', 'impressions', '--rule', join(dir, 'rule.json')],
      ['collaboration', 'create', 'solo', '--creator', 'platform', '--member', 'platform:query,receive'],
      ['collaboration', 'associate', 'solo', '--member', 'platform', '--table', 'impressions'],
    ]) {
      const r = runCli(home, args);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    }
    const sql = 'SELECT campaign_id, COUNT(DISTINCT email_address) AS people, SUM(cost) AS cost FROM impressions GROUP BY campaign_id';
    const run = ['query', 'run', 'solo', '--as', 'platform', '--sql', sql];
    for (const point of ['query:running', 'query:executed', 'query:stored']) {
      expect(await crashAt(home, run, point)).toBe('SIGKILL');
      await expectConsistent(home);
      const ws = await Workspace.open(home);
      expect(await ws.db.selectFrom('results').selectAll().execute()).toEqual([]);
      const statuses = await ws.db.selectFrom('queries').select('status').execute();
      expect(statuses.every((q) => q.status === 'failed')).toBe(true);
      await ws.close();
    }
    expect(await crashAt(home, run, 'query:committed')).toBe('SIGKILL');
    await expectConsistent(home);
    const after = runCli(home, [...run, '--format', 'json']);
    expect(after.code).toBe(0);
    const out = JSON.parse(after.stdout) as { status: string; rows: unknown[][] };
    expect(out.status).toBe('succeeded');
    expect(out.rows).toHaveLength(7);
    const ws = await Workspace.open(home);
    expect((await ws.db.selectFrom('results').selectAll().execute()).length).toBe(2);
    await ws.close();
    expect(existsSync(join(home, 'metadata.db'))).toBe(true);
  });
});
