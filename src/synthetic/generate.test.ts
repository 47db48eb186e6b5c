import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile, mkdir, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateMediaData, MEDIA_TABLES, type GeneratedFiles } from './generate.ts';

// Small enough to run in well under a second per generation, large enough that the
// statistical checks below are far from their thresholds for this seed.
const SCALE = 40_000;
const SEED = 11;

let root: string;
let first: GeneratedFiles;
let again: GeneratedFiles;
let other: GeneratedFiles;
let db: DuckDBConnection;

async function rows(sql: string): Promise<Record<string, unknown>[]> {
  return (await db.runAndReadAll(sql)).getRowObjects();
}
async function scalar(sql: string): Promise<number> {
  const row = (await rows(sql))[0];
  return Number(Object.values(row ?? {})[0]);
}
function pathOf(out: GeneratedFiles, role: string, table: string): string {
  const file = out.files.find((f) => f.role === role && f.table === table);
  if (!file) throw new Error(`no ${role}/${table}`);
  return file.path.replaceAll("'", "''");
}
const read = (out: GeneratedFiles, role: string, table: string): string => `read_parquet('${pathOf(out, role, table)}')`;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'synthetic-test-'));
  first = await generateMediaData({ outDir: join(root, 'a'), seed: SEED, scale: SCALE, platforms: 2 });
  again = await generateMediaData({ outDir: join(root, 'b'), seed: SEED, scale: SCALE, platforms: 2 });
  other = await generateMediaData({ outDir: join(root, 'c'), seed: SEED + 1, scale: SCALE, platforms: 2 });
  const instance = await DuckDBInstance.create(':memory:', { threads: '2', memory_limit: '512MB' });
  db = await instance.connect();
  const view = (name: string, role: string, table: string): string =>
    `CREATE VIEW ${name} AS SELECT * FROM ${read(first, role, table)}`;
  await db.run(view('customers', 'brand', 'customers'));
  await db.run(view('conversions', 'brand', 'conversions'));
  await db.run(`CREATE VIEW impressions AS
    SELECT 1 AS platform, * FROM ${read(first, 'platform1', 'impressions')}
    UNION ALL SELECT 2, * FROM ${read(first, 'platform2', 'impressions')}`);
  await db.run(`CREATE VIEW audience AS
    SELECT 1 AS platform, * FROM ${read(first, 'platform1', 'campaign_audience')}
    UNION ALL SELECT 2, * FROM ${read(first, 'platform2', 'campaign_audience')}`);
});

afterAll(async () => {
  db?.closeSync();
  if (root) await rm(root, { recursive: true, force: true });
});

describe('generateMediaData files', () => {
  it('writes every table for the brand and each platform, with the documented columns', async () => {
    const written = first.files.map((f) => `${f.role}/${f.table}`).sort();
    expect(written).toEqual([
      'brand/conversions', 'brand/customers',
      'platform1/campaign_audience', 'platform1/impressions',
      'platform2/campaign_audience', 'platform2/impressions',
    ]);
    const expected: Record<string, string[]> = {
      customers: ['email_address', 'date_created', 'state', 'city', 'country', 'zip', 'first_name', 'last_name', 'status', 'birth_country'],
      conversions: ['email_address', 'date', 'creative_id', 'event_type', 'version', 'price', 'currency', 'transaction_id'],
      impressions: ['email_address', 'date', 'creative_id', 'campaign_id', 'placement', 'device_type', 'cost'],
      campaign_audience: ['email_address', 'campaign_id', 'test_group'],
    };
    for (const file of first.files) {
      const described = await rows(`DESCRIBE SELECT * FROM read_parquet('${file.path}')`);
      expect(described.map((r) => r['column_name'])).toEqual(expected[file.table]);
      const documented = MEDIA_TABLES.find((t) => t.name === file.table);
      expect(documented?.columns.map((c) => c.name)).toEqual(expected[file.table]);
      expect(described.map((r) => r['column_type'])).toEqual(documented?.columns.map((c) => c.type));
    }
  });

  it('reports the row count of each file, and impressions total exactly the scale', async () => {
    for (const file of first.files) {
      expect(await scalar(`SELECT count(*) FROM read_parquet('${file.path}')`)).toBe(file.rows);
    }
    expect(await scalar('SELECT count(*) FROM impressions')).toBe(SCALE);
    expect(await scalar('SELECT count(*) FROM impressions WHERE platform = 1')).toBe(SCALE / 2);
  });

  it('writes byte-identical files for the same seed', async () => {
    for (const [i, file] of first.files.entries()) {
      const twin = again.files[i];
      expect(twin?.relativePath).toBe(file.relativePath);
      const [a, b] = await Promise.all([readFile(file.path), readFile(twin?.path ?? '')]);
      expect(createHash('sha256').update(a).digest('hex')).toBe(createHash('sha256').update(b).digest('hex'));
      const sql = (x: string, y: string): string =>
        `SELECT count(*) FROM (SELECT * FROM read_parquet('${x}') EXCEPT ALL SELECT * FROM read_parquet('${y}'))`;
      expect(await scalar(sql(file.path, twin?.path ?? ''))).toBe(0);
      expect(await scalar(sql(twin?.path ?? '', file.path))).toBe(0);
    }
  });

  it('writes different data for a different seed', async () => {
    for (const file of first.files) {
      const twin = other.files.find((f) => f.relativePath === file.relativePath);
      const differing = await scalar(`SELECT count(*) FROM (SELECT * FROM read_parquet('${file.path}')
        EXCEPT ALL SELECT * FROM read_parquet('${twin?.path ?? ''}'))`);
      expect(differing).toBeGreaterThan(file.rows / 2);
    }
  });

  it('writes CSV with the same content as Parquet, and replaces parts left by an earlier run', async () => {
    const outDir = join(root, 'csv');
    const stale = join(outDir, 'platform1', 'impressions');
    await mkdir(stale, { recursive: true });
    await writeFile(join(stale, 'part-00007.csv'), 'stale\n');
    const csv = await generateMediaData({ outDir, seed: SEED, scale: SCALE, platforms: 2, format: 'csv' });
    expect(await readdir(stale)).toEqual(['part-00000.csv']);
    for (const file of csv.files) {
      const parquet = first.files.find((f) => f.role === file.role && f.table === file.table);
      const sql = (x: string, y: string): string => `SELECT count(*) FROM (${x} EXCEPT ALL ${y})`;
      const fromCsv = `SELECT * FROM read_csv('${file.path}', header = true)`;
      const fromParquet = `SELECT * FROM read_parquet('${parquet?.path ?? ''}')`;
      expect(file.rows).toBe(parquet?.rows);
      expect(await scalar(sql(fromCsv, fromParquet))).toBe(0);
      expect(await scalar(sql(fromParquet, fromCsv))).toBe(0);
    }
  });

  it('refuses impossible options', async () => {
    await expect(generateMediaData({ outDir: join(root, 'x'), seed: 1, scale: 0, platforms: 1 })).rejects.toThrow(/scale/);
    await expect(generateMediaData({ outDir: join(root, 'x'), seed: 1, scale: 10, platforms: 0 })).rejects.toThrow(/platforms/);
  });
});

describe('generated media data has a realistic shape', () => {
  it('gives control users no impressions of their campaign, and holds out about 10%', async () => {
    expect(await scalar(`SELECT count(*) FROM impressions i JOIN audience a
      ON a.platform = i.platform AND a.email_address = i.email_address AND a.campaign_id = i.campaign_id
      WHERE a.test_group = 'control'`)).toBe(0);
    expect(await scalar(`SELECT count(*) FROM audience WHERE test_group NOT IN ('test', 'control')`)).toBe(0);
    const control = await scalar(`SELECT avg((test_group = 'control')::INTEGER) FROM audience`);
    expect(control).toBeGreaterThan(0.07);
    expect(control).toBeLessThan(0.13);
    // Every impression belongs to a test member of that campaign on that platform.
    expect(await scalar(`SELECT count(*) FROM impressions i ANTI JOIN audience a
      ON a.platform = i.platform AND a.email_address = i.email_address AND a.campaign_id = i.campaign_id
      AND a.test_group = 'test'`)).toBe(0);
  });

  it('overlaps customers with the platform audiences partially, and the platforms with each other', async () => {
    const exposedCustomers = await scalar(`SELECT count(DISTINCT email_address) FROM impressions
      WHERE email_address IN (SELECT email_address FROM customers)`);
    expect(exposedCustomers).toBeGreaterThan(0);
    expect(exposedCustomers).toBeLessThan(await scalar('SELECT count(DISTINCT email_address) FROM impressions'));
    expect(exposedCustomers).toBeLessThan(await scalar('SELECT count(*) FROM customers'));
    const customerShare = await scalar(`SELECT avg((email_address IN (SELECT email_address FROM customers))::INTEGER)
      FROM (SELECT DISTINCT email_address FROM audience WHERE platform = 1)`);
    expect(customerShare).toBeGreaterThan(0.4);
    expect(customerShare).toBeLessThan(0.6);
    const [p1, p2, both] = await Promise.all([
      scalar('SELECT count(DISTINCT email_address) FROM audience WHERE platform = 1'),
      scalar('SELECT count(DISTINCT email_address) FROM audience WHERE platform = 2'),
      scalar(`SELECT count(*) FROM (SELECT email_address FROM audience WHERE platform = 1
        INTERSECT SELECT email_address FROM audience WHERE platform = 2)`),
    ]);
    expect(both).toBeGreaterThan(0);
    expect(both).toBeLessThan(Math.min(p1, p2));
  });

  it('has unique, non-sequential emails', async () => {
    expect(await scalar('SELECT count(*) - count(DISTINCT email_address) FROM customers')).toBe(0);
    expect(await scalar(`SELECT count(*) FROM customers WHERE NOT regexp_full_match(email_address, 'user[0-9]{9}@example\\.(com|net|org)')`)).toBe(0);
    // In file order, consecutive customers' numbers are not neighbours.
    const steps = await scalar(`SELECT count(*) FILTER (WHERE abs(n - lag_n) <= 10) FROM (
      SELECT n, lag(n) OVER (ORDER BY rownum) AS lag_n FROM (
        SELECT row_number() OVER () AS rownum, regexp_extract(email_address, '[0-9]+')::BIGINT AS n FROM customers))`);
    expect(steps).toBe(0);
  });

  it('converts exposed customers more often than unexposed ones, and test users more than control', async () => {
    const rates = await rows(`SELECT email_address IN (SELECT email_address FROM impressions) AS exposed,
        avg((email_address IN (SELECT email_address FROM conversions))::INTEGER) AS rate
      FROM customers GROUP BY 1 ORDER BY 1`);
    const [unexposed, exposed] = rates.map((r) => Number(r['rate']));
    expect(exposed).toBeGreaterThan((unexposed ?? 1) * 1.5);
    // Per (platform, customer, campaign): did the customer convert on one of the campaign's creatives?
    const byGroup = await rows(`WITH creative AS (SELECT DISTINCT creative_id, campaign_id FROM impressions)
      SELECT a.test_group, avg((EXISTS (SELECT 1 FROM conversions c JOIN creative USING (creative_id)
        WHERE c.email_address = a.email_address AND creative.campaign_id = a.campaign_id))::INTEGER) AS rate
      FROM audience a WHERE a.email_address IN (SELECT email_address FROM customers)
      GROUP BY 1 ORDER BY 1`);
    const [control, test] = byGroup.map((r) => Number(r['rate']));
    expect(test).toBeGreaterThan((control ?? 1) * 2);
  });

  it('credits conversions to a creative the customer saw before converting', async () => {
    expect(await scalar(`SELECT count(*) FROM conversions c WHERE creative_id IS NOT NULL AND NOT EXISTS (
      SELECT 1 FROM impressions i WHERE i.email_address = c.email_address AND i.creative_id = c.creative_id AND i.date < c.date)`)).toBe(0);
    expect(await scalar('SELECT count(*) FILTER (WHERE creative_id IS NOT NULL) FROM conversions')).toBeGreaterThan(0);
    expect(await scalar('SELECT count(*) - count(DISTINCT transaction_id) FROM conversions')).toBe(0);
  });

  it('has a long-tailed frequency of impressions per user', async () => {
    const [stats] = await rows(`SELECT median(n) AS median, max(n) AS max,
        avg((n <= 2)::INTEGER) AS low, avg((n >= 30)::INTEGER) AS high
      FROM (SELECT count(*) AS n FROM impressions WHERE platform = 1 GROUP BY email_address)`);
    expect(Number(stats?.['max'])).toBeGreaterThan(10 * Number(stats?.['median']));
    expect(Number(stats?.['low'])).toBeGreaterThan(0.2);
    expect(Number(stats?.['high'])).toBeGreaterThan(0.005);
    expect(Number(stats?.['high'])).toBeLessThan(0.1);
  });

  it('keeps dates in the campaign window, conversions up to two weeks after it', async () => {
    expect(await scalar(`SELECT count(*) FROM impressions
      WHERE date < TIMESTAMP '2024-03-01' OR date >= TIMESTAMP '2024-05-01'`)).toBe(0);
    expect(await scalar(`SELECT count(*) FROM conversions
      WHERE date < TIMESTAMP '2024-03-01' OR date >= TIMESTAMP '2024-05-15'`)).toBe(0);
    expect(await scalar(`SELECT count(*) FROM conversions WHERE date >= TIMESTAMP '2024-05-01'`)).toBeGreaterThan(0);
    expect(await scalar(`SELECT count(*) FROM customers WHERE date_created >= DATE '2024-03-01'`)).toBe(0);
  });

  it('uses only the price points and small value sets', async () => {
    expect(await scalar(`SELECT count(*) FROM conversions WHERE price NOT IN (9.99, 19.99, 49.99, 99.00)`)).toBe(0);
    expect(await scalar('SELECT count(DISTINCT price) FROM conversions')).toBe(4);
    expect(await scalar(`SELECT count(*) FROM impressions WHERE placement NOT IN ('feed', 'stories', 'video', 'search', 'display')
      OR device_type NOT IN ('mobile', 'desktop', 'tablet', 'ctv') OR cost <= 0`)).toBe(0);
    expect(await scalar('SELECT count(DISTINCT campaign_id) FROM impressions')).toBe(5);
    expect(await scalar('SELECT count(DISTINCT birth_country) FROM customers')).toBeLessThanOrEqual(10);
  });
});
