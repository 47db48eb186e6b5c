/** `cleanroom results query|name|saved|export-all` in embedded mode, through the real CLI. */
import { DuckDBInstance } from '@duckdb/node-api';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CAMPAIGN_SQL, CUSTOMERS_CSV, CUSTOMERS_RULE, IMPRESSIONS_CSV, IMPRESSIONS_RULE } from './support/api-world.ts';
import { runCli } from './support/run-cli.ts';

describe('results SQL on the command line', () => {
  const root = mkdtempSync(join(tmpdir(), 'cr-rsql-cli-'));
  const home = join(root, 'home');
  const cli = (...args: string[]) => runCli(home, args);
  let resultId = '';

  beforeAll(() => {
    writeFileSync(join(root, 'customers.csv'), CUSTOMERS_CSV);
    writeFileSync(join(root, 'impressions.csv'), IMPRESSIONS_CSV);
    writeFileSync(join(root, 'customers-rule.json'), JSON.stringify(CUSTOMERS_RULE));
    writeFileSync(join(root, 'impressions-rule.json'), JSON.stringify(IMPRESSIONS_RULE));
    for (const args of [
      ['member', 'create', 'brand'],
      ['member', 'create', 'platform'],
      ['dataset', 'create', 'brand', 'customers', join(root, 'customers.csv')],
      ['dataset', 'create', 'platform', 'impressions', join(root, 'impressions.csv')],
      ['table', 'create', 'brand', 'customers', '--dataset', 'customers', '--rule', join(root, 'customers-rule.json')],
      ['table', 'create', 'platform', 'impressions', '--dataset', 'impressions', '--rule', join(root, 'impressions-rule.json')],
      ['collaboration', 'create', 'media', '--creator', 'brand', '--member', 'brand:query,receive', '--member', 'platform:none'],
      ['collaboration', 'accept', 'media', '--as', 'platform'],
      ['collaboration', 'associate', 'media', '--member', 'platform', '--table', 'impressions'],
      ['collaboration', 'associate', 'media', '--member', 'brand', '--table', 'customers'],
      ['query', 'run', 'media', '--as', 'brand', '--sql', CAMPAIGN_SQL, '--format', 'json'],
    ]) {
      const r = cli(...args);
      if (r.code !== 0) throw new Error(`${args.join(' ')}: ${r.stderr}`);
    }
    const list = JSON.parse(cli('results', 'list', '--as', 'brand', '--format', 'json').stdout) as { id: string }[];
    resultId = list[0]?.id ?? '';
  }, 240_000);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('gives column statistics of a result (worked by hand from the two released rows c1: 3 users, 36; c3: 2 users, 5)', () => {
    const r = cli('results', 'stats', resultId, '--as', 'brand', '--format', 'json');
    expect(r.code, r.stderr).toBe(0);
    const stats = JSON.parse(r.stdout) as { column: string; nulls: number; distinct: number; min: unknown; max: unknown; mean: number | null }[];
    const plain = stats.map((c) => [c.column, c.nulls, c.distinct, String(c.min), String(c.max), c.mean]);
    expect(plain).toEqual([
      ['campaign_id', 0, 2, 'c1', 'c3', null],
      ['users', 0, 2, '2', '3', 2.5],
      ['cost', 0, 2, expect.stringMatching(/^5(\.0+)?$/), expect.stringMatching(/^36(\.0+)?$/), 20.5],
    ]);
    const unknown = cli('results', 'stats', 'nope', '--as', 'brand');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("no result 'nope'");
    // Another member's result is not in its catalog.
    expect(cli('results', 'stats', resultId, '--as', 'platform').code).toBe(2);
  });

  it('names a result, queries it, saves a view and exports for BI tools', async () => {
    expect(cli('results', 'name', resultId, 'campaigns', '--as', 'brand').code).toBe(0);
    const q = cli('results', 'query', '--as', 'brand', '--sql', 'SELECT campaign_id, users FROM campaigns ORDER BY campaign_id', '--format', 'json');
    expect(q.code, q.stderr).toBe(0);
    expect((JSON.parse(q.stdout) as { rows: unknown[][] }).rows).toEqual([['c1', 3], ['c3', 2]]);
    const csv = cli('results', 'query', '--as', 'brand', '--sql', 'SELECT campaign_id FROM campaigns ORDER BY 1', '--format', 'csv');
    expect(csv.stdout).toBe('campaign_id\nc1\nc3\n');
    expect(cli('results', 'saved', 'save', 'big', '--as', 'brand', '--view', '--sql', 'SELECT campaign_id FROM campaigns WHERE users >= 3').code).toBe(0);
    const viaView = cli('results', 'query', '--as', 'brand', '--sql', 'SELECT * FROM big', '--format', 'json');
    expect((JSON.parse(viaView.stdout) as { rows: unknown[][] }).rows).toEqual([['c1']]);
    const refused = cli('results', 'query', '--as', 'brand', '--sql', 'SELECT * FROM impressions');
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain('unknown-result-table');
    const other = cli('results', 'query', '--as', 'platform', '--sql', 'SELECT * FROM campaigns');
    expect(other.code).toBe(3);

    const parquet = join(root, 'parquet');
    expect(cli('results', 'export-all', '--as', 'brand', '--out', parquet, '--format', 'parquet').code).toBe(0);
    expect(readdirSync(parquet).sort()).toEqual(['big.parquet', 'campaigns.parquet', 'results.parquet']);
    const file = join(root, 'brand.duckdb');
    expect(cli('results', 'export-all', '--as', 'brand', '--out', file, '--format', 'duckdb').code).toBe(0);
    const instance = await DuckDBInstance.create(':memory:');
    const c = await instance.connect();
    try {
      const fromParquet = (await c.runAndReadAll(`SELECT campaign_id, users::INTEGER FROM read_parquet('${join(parquet, 'campaigns.parquet')}') ORDER BY 1`)).getRowsJson();
      expect(fromParquet).toEqual([['c1', 3], ['c3', 2]]);
      await c.run(`ATTACH '${file}' AS x (READ_ONLY)`);
      expect((await c.runAndReadAll('SELECT campaign_id FROM x.big')).getRowsJson()).toEqual([['c1']]);
    } finally {
      c.closeSync();
      instance.closeSync();
    }
  }, 120_000);
});
