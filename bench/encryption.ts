/**
 * What encryption at rest costs at query time (issue 5): the demo's queries, end to end
 * through `runQuery`, on the bench's encrypted workspace and on a twin workspace over
 * the same generated data with `encryptionAtRest: false` (objects stored as they are,
 * staged into the query's private folder by a plain copy). The difference is the
 * cipher: decrypting the inputs into the private folder and encrypting the result.
 * Plain DuckDB over the same plaintext Parquet is shown for scale.
 *
 *   npx tsx bench/encryption.ts --scale 1000000 --repeat 3     # about 2 minutes on 2 cores
 *   npx tsx bench/encryption.ts --scale 200000 --repeat 1      # smoke run
 *
 * bench/run.ts runs the same measurement after its own table.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findDatasetId, latestVersion } from '../src/collaboration/dataset-records.ts';
import { runQuery } from '../src/collaboration/run-query.ts';
import { Workspace } from '../src/collaboration/workspace.ts';
import { DEMO_QUERIES } from '../src/cli/demo/demo-rules.ts';
import { DEMO_COLLABORATION, runDemo } from '../src/cli/demo/run-demo.ts';
import { parseArgs, type BenchArgs } from './args.ts';
import { differences, type Table } from './compare-rows.ts';
import { runPlain } from './plain-duckdb.ts';
import { ensureSetup, type BenchSetup, type DemoTableName } from './setup.ts';
import { formatTable, median, ms, ratio } from './stats.ts';

const OWNERS: Readonly<Record<DemoTableName, string>> = { customers: 'brand', conversions: 'brand', impressions: 'platform', campaign_audience: 'platform' };

export interface EncryptionFigures {
  readonly title: string;
  readonly encryptedMs: number;
  readonly plaintextMs: number;
  readonly plainDuckDbMs: number;
}

/** The unencrypted twin of the bench workspace: same scale and seed, its own home. */
async function plaintextTwin(args: BenchArgs): Promise<{ workspace: Workspace; files: Record<DemoTableName, string[]> }> {
  const home = join(args.dataDir, 'workspace-plaintext');
  const marker = join(args.dataDir, 'ready-plaintext.json');
  const workspace = await Workspace.open(home, { threads: args.threads, memoryLimit: args.memoryLimit, encryptionAtRest: false });
  if (!existsSync(marker)) {
    console.log(`setting up the unencrypted twin workspace in ${home}`);
    await runDemo(workspace, args.scale, args.seed);
    writeFileSync(marker, JSON.stringify({ scale: args.scale, seed: args.seed }));
  }
  // Plaintext objects: the plain DuckDB contender reads the store's files directly.
  const files = {} as Record<DemoTableName, string[]>;
  for (const [table, member] of Object.entries(OWNERS) as [DemoTableName, string][]) {
    const version = await latestVersion(workspace.db, await findDatasetId(workspace.db, member, table));
    files[table] = version.files.map((key) => join(home, 'store', ...key.split('/')));
  }
  return { workspace, files };
}

async function timedRun(workspace: Workspace, sql: string): Promise<{ ms: number; table: Table }> {
  const started = performance.now();
  const outcome = await runQuery(workspace, DEMO_COLLABORATION, 'brand', sql);
  const elapsed = performance.now() - started;
  if (outcome.status !== 'succeeded' || !outcome.delivery) throw new Error(`query did not succeed: ${JSON.stringify(outcome)}`);
  return { ms: elapsed, table: { columns: outcome.delivery.columns.map((c) => c.name), rows: outcome.delivery.rows } };
}

/** Times every demo query on both workspaces (order alternating each round) and plain DuckDB. */
export async function benchEncryption(args: BenchArgs, encrypted: BenchSetup): Promise<EncryptionFigures[]> {
  if (!encrypted.workspace.store.encrypted) throw new Error('Internal error: the bench workspace is not encrypted');
  const twin = await plaintextTwin(args);
  const figures: EncryptionFigures[] = [];
  try {
    for (const query of DEMO_QUERIES) {
      const times = { encrypted: [] as number[], plaintext: [] as number[], duck: [] as number[] };
      for (let round = 0; round <= args.repeat; round += 1) {
        const order = round % 2 === 0 ? (['encrypted', 'plaintext'] as const) : (['plaintext', 'encrypted'] as const);
        const tables: Table[] = [];
        for (const which of order) {
          const run = await timedRun(which === 'encrypted' ? encrypted.workspace : twin.workspace, query.sql);
          if (round > 0) times[which].push(run.ms);
          tables.push(run.table);
        }
        const [a, b] = tables;
        const diff = a && b ? differences(a, b) : 'missing';
        if (diff !== undefined) throw new Error(`MISMATCH in '${query.title}': encrypted and plaintext workspaces disagree: ${diff}`);
        const plain = await runPlain(query.sql, {
          threads: args.threads,
          memoryLimit: args.memoryLimit,
          workDir: join(args.dataDir, 'plain-tmp'),
          tables: twin.files,
        });
        if (round > 0) times.duck.push(plain.ms);
      }
      figures.push({ title: query.title, encryptedMs: median(times.encrypted), plaintextMs: median(times.plaintext), plainDuckDbMs: median(times.duck) });
      process.stdout.write(`  measured (encryption): ${query.title}\n`);
    }
  } finally {
    await twin.workspace.close();
  }
  return figures;
}

export function printEncryptionFigures(figures: readonly EncryptionFigures[]): void {
  console.log(
    '\n' +
      formatTable(
        ['query', 'encrypted ms', 'unencrypted ms', 'plain DuckDB ms', 'encrypted/unencrypted', 'encrypted/plain DuckDB'],
        figures.map((f, i) => [`Q${i + 1} ${f.title}`, ms(f.encryptedMs), ms(f.plaintextMs), ms(f.plainDuckDbMs), ratio(f.encryptedMs / f.plaintextMs), ratio(f.encryptedMs / f.plainDuckDbMs)]),
      ),
  );
  console.log(
    `\nmedian encrypted/unencrypted: ${ratio(median(figures.map((f) => f.encryptedMs / f.plaintextMs)))} (cost of encryption at rest at query time)` +
      `\nmedian encrypted/plain DuckDB: ${ratio(median(figures.map((f) => f.encryptedMs / f.plainDuckDbMs)))}`,
  );
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const first = parseArgs(argv);
  const args = argv.some((a) => a === '--data' || a.startsWith('--data=')) ? first : parseArgs([...argv, '--data', `bench/out/encryption-${first.scale}`]);
  const setup = await ensureSetup(args);
  try {
    console.log(`\nEncryption at rest: ${args.scale.toLocaleString('en')} impressions, threads=${args.threads}, memory_limit=${args.memoryLimit}, median of ${args.repeat} after 1 warm-up\n`);
    printEncryptionFigures(await benchEncryption(args, setup));
  } finally {
    await setup.workspace.close();
  }
}

if (process.argv[1]?.endsWith('encryption.ts')) await main();
