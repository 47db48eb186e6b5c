/**
 * Attacks on results SQL: reaching raw dataset files, another member's results or any
 * file through the pipeline, and (defence in depth) through the sealed engine itself
 * with SQL that bypasses the validator.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSealedResultsEngine } from '../../src/results-sql/engine.ts';
import { ApiWorld, CAMPAIGN_SQL, mediaCollaboration } from '../support/api-world.ts';

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...filesUnder(path));
    else out.push(path);
  }
  return out;
}

describe('attacks on results SQL', () => {
  let world: ApiWorld;
  let brand = '';
  const scratch = mkdtempSync(join(tmpdir(), 'cr-rsql-attack-'));

  beforeAll(async () => {
    world = await ApiWorld.start();
    ({ brand } = await mediaCollaboration(world));
    const submitted = await world.call(brand, 'POST', '/v1/collaborations/media/queries?wait=30', { sql: CAMPAIGN_SQL });
    await world.finish(brand, 'media', (submitted.body as { id: string }).id);
  }, 120_000);
  afterAll(async () => {
    await world.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('cannot read any raw dataset file of the store, by any spelling', async () => {
    const files = filesUnder(join(world.home, 'store')).filter((f) => f.includes('dataset'));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      for (const sql of [
        `SELECT * FROM '${file}'`,
        `SELECT * FROM "${file}"`,
        `SELECT * FROM read_parquet('${file}')`,
        `SELECT * FROM parquet_scan('${file}')`,
        `SELECT * FROM read_blob('${file}')`,
        `SELECT * FROM read_text('${file}')`,
        `SELECT * FROM (SELECT * FROM '${file}') AS x`,
        `WITH x AS (SELECT * FROM '${file}') SELECT * FROM x`,
        `SELECT (SELECT count(*) FROM '${file}') AS n`,
      ]) {
        const r = await world.call(brand, 'POST', '/v1/results-sql/query', { sql });
        expect(r.status, sql).toBe(422);
        expect(r.text).not.toMatch(/@x\.io/);
      }
    }
  });

  it('cannot name a raw table through a saved view or a CTE that shadows a result', async () => {
    const view = await world.call(brand, 'PUT', '/v1/results-sql/saved/sneaky', { kind: 'view', sql: 'SELECT * FROM impressions' });
    expect(view.status).toBe(422);
    const cte = await world.call(brand, 'POST', '/v1/results-sql/query', { sql: 'WITH a AS (SELECT * FROM impressions) SELECT * FROM a' });
    expect(cte.status).toBe(422);
  });

  it('the sealed engine itself refuses files outside the staged results and cannot be unlocked', async () => {
    // A plaintext "raw dataset" beside the workspace: the engine must not read it even
    // with SQL that never went through the validator.
    const work = mkdtempSync(join(scratch, 'work-'));
    chmodSync(work, 0o700);
    const raw = join(scratch, 'raw-impressions.parquet');
    const result = join(work, 't0.parquet');
    const maker = await DuckDBInstance.create(':memory:');
    const c = await maker.connect();
    await c.run(`COPY (SELECT 'a@x.io' AS email_address) TO '${raw}' (FORMAT parquet)`);
    await c.run(`COPY (SELECT 'c1' AS campaign_id, 3 AS users) TO '${result}' (FORMAT parquet)`);
    c.closeSync();
    maker.closeSync();
    const engine = await openSealedResultsEngine(work, [{ name: 'campaigns', file: result, format: 'parquet' }], [], { memoryLimit: '256MB', threads: 1, timeoutMs: 10_000 });
    try {
      expect((await engine.connection.runAndReadAll('SELECT campaign_id FROM campaigns')).getRowsJson()).toEqual([['c1']]);
      for (const sql of [
        `SELECT * FROM read_parquet('${raw}')`,
        `SELECT * FROM '${raw}'`,
        `SELECT * FROM read_csv('/etc/passwd')`,
        `SELECT * FROM glob('${scratch}/*')`,
        'SET enable_external_access = true',
        `SET allowed_paths = ['${raw}']`,
        `ATTACH '${join(scratch, 'x.duckdb')}' AS x`,
        `COPY campaigns TO '${join(scratch, 'out.csv')}'`,
        'INSTALL httpfs',
      ]) {
        await expect(engine.connection.run(sql), sql).rejects.toThrow();
      }
    } finally {
      engine.close();
    }
  });
});
