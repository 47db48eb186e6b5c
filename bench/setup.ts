import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findDatasetId, latestVersion } from '../src/collaboration/dataset-records.ts';
import { Workspace } from '../src/collaboration/workspace.ts';
import { DEMO_COLLABORATION, runDemo } from '../src/cli/demo/run-demo.ts';
import type { BenchArgs } from './args.ts';

/** Who owns each demo table (as run-demo.ts sets them up). */
const OWNERS = {
  customers: 'brand',
  conversions: 'brand',
  impressions: 'platform',
  campaign_audience: 'platform',
} as const;

export type DemoTableName = keyof typeof OWNERS;

export interface BenchSetup {
  readonly workspace: Workspace;
  readonly home: string;
  readonly collaboration: string;
  readonly runner: string;
  /** Local Parquet files of each table's latest dataset version: the files the clean room reads. */
  readonly files: Readonly<Record<DemoTableName, readonly string[]>>;
  readonly rows: Readonly<Record<DemoTableName, number>>;
  /** Seconds spent generating and registering, or undefined when the cache was used. */
  readonly setupSeconds: number | undefined;
}

interface Marker {
  readonly scale: number;
  readonly seed: number;
  readonly setupSeconds: number;
}

/**
 * Generates the demo's data and sets up its workspace once per cache folder (the demo
 * itself does both, idempotently); later runs reuse it. A marker written at the end
 * means a half-finished setup is simply redone by the next run.
 */
export async function ensureSetup(args: BenchArgs): Promise<BenchSetup> {
  mkdirSync(args.dataDir, { recursive: true });
  const home = join(args.dataDir, 'workspace');
  const markerPath = join(args.dataDir, 'ready.json');
  const cached = readMarker(markerPath);
  if (cached && (cached.scale !== args.scale || cached.seed !== args.seed)) {
    throw new Error(`${args.dataDir} holds scale ${cached.scale} seed ${cached.seed}; use another --data folder`);
  }
  const workspace = await Workspace.open(home, { threads: args.threads, memoryLimit: args.memoryLimit });
  let setupSeconds: number | undefined;
  if (!cached) {
    console.log(`setting up: generating ${args.scale.toLocaleString('en')} impressions and registering them in ${home}`);
    const started = performance.now();
    const report = await runDemo(workspace, args.scale, args.seed);
    setupSeconds = (performance.now() - started) / 1000;
    const failed = report.queries.filter((q) => q.outcome.status !== 'succeeded');
    if (failed.length > 0) {
      throw new Error(`demo queries did not succeed: ${failed.map((q) => `${q.title}: ${JSON.stringify(q.outcome)}`).join('; ')}`);
    }
    const marker: Marker = { scale: args.scale, seed: args.seed, setupSeconds };
    writeFileSync(markerPath, JSON.stringify(marker));
    console.log(`setup took ${setupSeconds.toFixed(1)} s (generate, ingest, first run of the demo queries)`);
  }

  const files = {} as Record<DemoTableName, readonly string[]>;
  const rows = {} as Record<DemoTableName, number>;
  for (const [table, member] of Object.entries(OWNERS) as [DemoTableName, string][]) {
    const version = await latestVersion(workspace.db, await findDatasetId(workspace.db, member, table));
    const paths: string[] = [];
    for (const key of version.files) {
      const staged = await workspace.store.stage(key);
      if (!staged) throw new Error(`dataset file ${key} of ${table} is missing from the store`);
      paths.push(staged.path);
    }
    files[table] = paths;
    rows[table] = version.rowCount;
  }
  return { workspace, home, collaboration: DEMO_COLLABORATION, runner: 'brand', files, rows, setupSeconds };
}

function readMarker(path: string): Marker | undefined {
  if (!existsSync(path)) return undefined;
  return JSON.parse(readFileSync(path, 'utf8')) as Marker;
}
