/**
 * Helpers for the attack suites (test/attacks/*.test.ts): a plain DuckDB that computes
 * expected answers straight from the raw files (never through Cleanroom's code), and a
 * workspace builder that takes file paths, so a member can register Parquet it crafted.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { QueryOutcome } from '../../src/collaboration/run-query.ts';
import type { Workspace } from '../../src/collaboration/workspace.ts';
import { filesWorkspace as fixtureFromFiles, type FixtureRules, type FixtureTables } from './media-fixture.ts';

type Cell = string | number | boolean | null;

function plainCell(v: unknown): Cell {
  if (typeof v === 'bigint') return Number(v);
  if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  const text = String(v);
  const n = Number(text);
  return Number.isFinite(n) && text.trim() !== '' ? n : text;
}

/** Rows of `sql` over the given CSV texts, each loaded as a table by plain DuckDB. */
export async function plainRows(csv: Readonly<Record<string, string>>, sql: string): Promise<Cell[][]> {
  const dir = mkdtempSync(join(tmpdir(), 'cr-plain-'));
  const duck = await DuckDBInstance.create(':memory:');
  const c = await duck.connect();
  try {
    for (const [name, text] of Object.entries(csv)) {
      const path = join(dir, `${name}.csv`);
      writeFileSync(path, text);
      await c.run(`CREATE TABLE ${name} AS SELECT * FROM read_csv('${path}', header = true)`);
    }
    const reader = await c.runAndReadAll(sql);
    return reader.getRows().map((r) => r.map(plainCell));
  } finally {
    c.closeSync();
  }
}

/** Result rows of a succeeded outcome delivered to the runner, as plain cells. */
export function rowsOf(outcome: QueryOutcome): Cell[][] {
  if (outcome.status !== 'succeeded') {
    throw new Error(`expected success, got ${outcome.status}: ${JSON.stringify('error' in outcome ? outcome.error : outcome)}`);
  }
  if (!outcome.delivery) throw new Error('no delivery: the runner is not the receiver');
  return outcome.delivery.rows.map((r) => r.map(plainCell));
}

/** Sorts rows by their JSON text, for comparisons that ignore order. */
export function sortRows(rows: Cell[][]): Cell[][] {
  return [...rows].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

export type FileTables = FixtureTables;

/** Same shape as mediaWorkspace (brand: customers, conversions; platform: impressions), from file paths. */
export async function filesWorkspace(
  files: FileTables,
  rules: FixtureRules = {},
): Promise<{ workspace: Workspace; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'cr-attack-'));
  return { workspace: await fixtureFromFiles(files, rules, dir), dir };
}

/** Writes `selectSql` (plain DuckDB, no tables) to a Parquet file and returns its path. */
export async function writeParquet(dir: string, name: string, selectSql: string): Promise<string> {
  const path = join(dir, `${name}.parquet`);
  const duck = await DuckDBInstance.create(':memory:');
  const c = await duck.connect();
  try {
    await c.run(`COPY (${selectSql}) TO '${path}' (FORMAT parquet)`);
  } finally {
    c.closeSync();
  }
  return path;
}
