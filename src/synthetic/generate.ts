/**
 * Synthetic media data for trying, testing and benchmarking Cleanroom: a brand's
 * customers and conversions, and for each ad platform its impressions and campaign
 * audiences (with a randomised holdout), over one shared population of people.
 *
 * Example:
 *   const out = await generateMediaData({ outDir: 'data/demo', seed: 7, scale: 1_000_000, platforms: 2 });
 *   // out.files: brand/customers/part-00000.parquet, platform1/campaign_audience/part-00000.parquet, ...
 *
 * Everything is computed by DuckDB from range() and seeded hashes, so the same seed
 * writes byte-identical files and 100M impressions never sit in memory: the only
 * tables held are the per-platform audiences (about scale / 4 rows in total).
 */
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { GeneratedFile, GeneratedFiles, MediaRole, MediaTableName } from './media-tables.ts';
import {
  audienceRawSql, audienceSql, campaignAudienceSql, conversionsSql, customersSql, exposureSql, impressionsSql,
  macroStatements, populationSize,
} from './media-sql.ts';
import { sqlString } from './sql-random.ts';

export type { GeneratedFile, GeneratedFiles, MediaRole, MediaTableName } from './media-tables.ts';
export { MEDIA_TABLES } from './media-tables.ts';

export interface GenerateMediaOptions {
  readonly outDir: string;
  /**
   * Any safe integer. The same seed gives byte-identical files for the same DuckDB
   * version and `threads`; other thread counts give the same rows in the same order but
   * may cut Parquet row groups elsewhere.
   */
  readonly seed: number;
  /** Impressions in total over all platforms, split evenly between them. */
  readonly scale: number;
  /** Ad platforms, >= 1: platform1, platform2, ... */
  readonly platforms: number;
  readonly format?: 'parquet' | 'csv';
  /** Called after each step; `done` and `total` count steps (a step is one table part or one audience build). */
  readonly onProgress?: (step: string, done: number, total: number) => void;
  /** DuckDB memory limit; work beyond it spills to a temporary folder. Default 2GB. */
  readonly memoryLimit?: string;
  /** DuckDB threads. Default 2. */
  readonly threads?: number;
}

/** Impression files are split so that no single file grows past this many rows. */
export const IMPRESSIONS_PER_PART = 5_000_000;

export async function generateMediaData(options: GenerateMediaOptions): Promise<GeneratedFiles> {
  const { seed, scale, platforms } = options;
  const format = options.format ?? 'parquet';
  if (!Number.isSafeInteger(seed)) throw new Error(`Internal error: seed must be a safe integer, got ${seed}`);
  if (!Number.isSafeInteger(scale) || scale < 1) throw new Error(`Internal error: scale must be a positive integer, got ${scale}`);
  if (!Number.isInteger(platforms) || platforms < 1 || platforms > 99) {
    throw new Error(`Internal error: platforms must be an integer from 1 to 99, got ${platforms}`);
  }
  const outDir = resolve(options.outDir);
  const perPlatform = Array.from({ length: platforms }, (_, i) => Math.floor(scale / platforms) + (i < scale % platforms ? 1 : 0));
  const population = populationSize(Math.max(...perPlatform));

  const partsPerPlatform = perPlatform.map((n) => Math.ceil(n / IMPRESSIONS_PER_PART));
  // customers + per platform (audience build, campaign_audience, impression parts) + exposure + conversions
  const totalSteps = 1 + platforms * 2 + partsPerPlatform.reduce((a, b) => a + b, 0) + 2;
  let done = 0;
  const progress = (step: string): void => {
    done += 1;
    options.onProgress?.(step, done, totalSteps);
  };

  const spillDir = await mkdtemp(join(tmpdir(), 'cleanroom-synthetic-'));
  const instance = await DuckDBInstance.create(':memory:', {
    threads: String(options.threads ?? 2),
    memory_limit: options.memoryLimit ?? '2GB',
    temp_directory: spillDir,
    // Row order is part of "byte-identical"; DuckDB keeps it for scans, projections and unnest.
    preserve_insertion_order: 'true',
  });
  const connection = await instance.connect();
  const files: GeneratedFile[] = [];
  try {
    for (const statement of macroStatements(seed)) await connection.run(statement);
    const writer = new PartWriter(connection, outDir, format, files);

    await writer.write('brand', 'customers', 0, customersSql(population));
    progress('brand/customers');

    const audienceTables: string[] = [];
    for (let p = 1; p <= platforms; p += 1) {
      const role: MediaRole = `platform${p}`;
      const impressions = perPlatform[p - 1] ?? 0;
      const table = `audience_${p}`;
      await buildAudience(connection, table, p, population, impressions);
      audienceTables.push(table);
      progress(`${role}/audience`);

      await writer.write(role, 'campaign_audience', 0, campaignAudienceSql(table));
      progress(`${role}/campaign_audience`);

      const parts = partsPerPlatform[p - 1] ?? 0;
      await writer.clear(role, 'impressions');
      for (let part = 0; part < parts; part += 1) {
        const from = part * IMPRESSIONS_PER_PART;
        // A (user, campaign) row straddling a boundary goes to the part where it starts,
        // so the last range is open-ended and some ranges may be empty.
        const to = part === parts - 1 ? Number.MAX_SAFE_INTEGER : from + IMPRESSIONS_PER_PART;
        await writer.write(role, 'impressions', part, impressionsSql(table, p, from, to), { skipEmpty: true });
        progress(`${role}/impressions`);
      }
    }

    await connection.run(exposureSql('exposure', audienceTables));
    progress('brand/exposure');
    await writer.write('brand', 'conversions', 0, conversionsSql('exposure', population));
    progress('brand/conversions');
  } finally {
    connection.closeSync();
    instance.closeSync();
    await rm(spillDir, { recursive: true, force: true });
  }
  return { outDir, format, seed, scale, platforms, files };
}

/** Builds the platform's audience table: targeting, holdout and exactly `impressions` frequencies. */
async function buildAudience(
  connection: DuckDBConnection, table: string, platform: number, population: number, impressions: number,
): Promise<void> {
  const raw = `${table}_raw`;
  await connection.run(audienceRawSql(raw, platform, population));
  const reader = await connection.runAndReadAll(`SELECT coalesce(sum(f_raw), 0)::BIGINT AS total FROM ${raw}`);
  const total = Number(reader.getRowObjects()[0]?.['total'] ?? 0);
  if (total === 0 && impressions > 0) {
    throw new Error(`Internal error: platform${platform} reached nobody; scale ${impressions} is too small`);
  }
  await connection.run(audienceSql(table, raw, impressions, Math.max(total, 1)));
  await connection.run(`DROP TABLE ${raw}`);
}

/** Writes table parts to `<outDir>/<role>/<table>/part-NNNNN.<ext>` and records them. */
class PartWriter {
  private readonly cleared = new Set<string>();

  constructor(
    private readonly connection: DuckDBConnection,
    private readonly outDir: string,
    private readonly format: 'parquet' | 'csv',
    private readonly files: GeneratedFile[],
  ) {}

  /**
   * Removes parts a previous run left in the table's folder (only files named like
   * ours), so a smaller run into the same folder does not leave stale rows behind.
   */
  async clear(role: MediaRole, table: MediaTableName): Promise<void> {
    const dir = join(this.outDir, role, table);
    await mkdir(dir, { recursive: true });
    for (const name of await readdir(dir)) {
      if (/^part-\d{5}\.(parquet|csv)$/.test(name)) await rm(join(dir, name));
    }
    this.cleared.add(dir);
  }

  async write(
    role: MediaRole, table: MediaTableName, part: number, select: string, opts: { skipEmpty?: boolean } = {},
  ): Promise<void> {
    if (!this.cleared.has(join(this.outDir, role, table))) await this.clear(role, table);
    const relativePath = join(role, table, `part-${String(part).padStart(5, '0')}.${this.format}`);
    const path = join(this.outDir, relativePath);
    const copyOptions = this.format === 'parquet'
      ? 'FORMAT parquet, COMPRESSION zstd'
      : 'FORMAT csv, HEADER true';
    const result = await this.connection.run(`COPY (${select}) TO ${sqlString(path)} (${copyOptions})`);
    const rows = result.rowsChanged;
    if (rows === 0 && opts.skipEmpty) {
      await rm(path, { force: true });
      return;
    }
    this.files.push({ table, role, path, relativePath, rows });
  }
}
