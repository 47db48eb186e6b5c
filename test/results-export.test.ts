/**
 * `cleanroom results export`: results are encrypted at rest, so this is how a receiver
 * gets its plaintext file, as stored (Parquet) or converted (CSV, NDJSON); others get
 * nothing. Expected rows are worked by hand from test/support/api-world.ts's CSVs.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiWorld, CAMPAIGN_SQL, mediaCollaboration } from './support/api-world.ts';
import { runCli } from './support/run-cli.ts';

describe('cleanroom results export', () => {
  let world: ApiWorld;
  let out: string;
  let resultId: string;
  beforeAll(async () => {
    world = await ApiWorld.start();
    const keys = await mediaCollaboration(world);
    const submitted = await world.call(keys.brand, 'POST', '/v1/collaborations/media/queries', { sql: CAMPAIGN_SQL });
    const done = await world.finish(keys.brand, 'media', (submitted.body as { id: string }).id);
    resultId = done['resultId'] as string;
    out = mkdtempSync(join(tmpdir(), 'cr-export-'));
  }, 60_000);
  afterAll(async () => {
    await world.close();
    rmSync(out, { recursive: true, force: true });
  });

  it('writes the Parquet file as stored, readable by plain DuckDB', async () => {
    const file = join(out, 'r.parquet');
    const r = runCli(world.home, ['results', 'export', resultId, '--as', 'brand', '--out', file]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const c = await (await DuckDBInstance.create(':memory:')).connect();
    const rows = (await c.runAndReadAll(`SELECT campaign_id, users, cost FROM read_parquet('${file}') ORDER BY 1`)).getRowsJson();
    expect(rows.map((row) => [row[0], Number(row[1]), Number(row[2])])).toEqual([
      ['c1', 3, 36],
      ['c3', 2, 5],
    ]);
    c.closeSync();
  });

  it('converts to CSV and NDJSON', () => {
    const csv = join(out, 'r.csv');
    expect(runCli(world.home, ['results', 'export', resultId, '--as', 'brand', '--out', csv, '--format', 'csv']).code).toBe(0);
    const lines = readFileSync(csv, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('campaign_id,users,cost');
    expect(lines.slice(1).sort()).toEqual(['c1,3,36', 'c3,2,5']);
    const ndjson = join(out, 'r.ndjson');
    expect(runCli(world.home, ['results', 'export', resultId, '--as', 'brand', '--out', ndjson, '--format', 'json']).code).toBe(0);
    const records = readFileSync(ndjson, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records.map((x) => x['campaign_id']).sort()).toEqual(['c1', 'c3']);
  });

  it('gives another member nothing, and leaves no file behind', () => {
    const file = join(out, 'stolen.parquet');
    const r = runCli(world.home, ['results', 'export', resultId, '--as', 'platform', '--out', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('unknown-result');
    expect(existsSync(file)).toBe(false);
    const bad = runCli(world.home, ['results', 'export', resultId, '--as', 'brand', '--out', file, '--format', 'xlsx']);
    expect(bad.code).toBe(2);
  });
});
