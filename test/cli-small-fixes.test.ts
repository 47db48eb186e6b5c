/**
 * Three small CLI fixes, each through the real code path:
 * - a reader that closes the pipe early (`| head -1`) gets no EPIPE stack trace;
 * - `dataset show` prints timestamp min/max as ISO 8601 UTC with `Z`, dates as YYYY-MM-DD;
 * - `query logs` shows the rule version each table ran under, to those RULES.md allows.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryLogs, type QueryLogEntry } from '../src/collaboration/query-logs.ts';
import { runQuery } from '../src/collaboration/run-query.ts';
import { updateTable } from '../src/collaboration/tables.ts';
import { DEFAULT_RULES, mediaWorkspace } from './support/media-fixture.ts';
import { runCli, type CliRun } from './support/run-cli.ts';

const BIN = fileURLToPath(new URL('../bin/cleanroom.js', import.meta.url));

/**
 * Runs the CLI with stdout going to a reader that leaves early: at once (before the CLI
 * has written anything), or after the first chunk, as `head -1` does.
 */
function runCliWithEarlyClose(
  home: string,
  args: readonly string[],
  closeStdout: 'at-once' | 'after-first-chunk',
): Promise<{ code: number | null; stderr: string; bytesRead: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, '--home', home, ...args], {
      env: { ...process.env, CLEANROOM_THREADS: '1', CLEANROOM_MEMORY_LIMIT: '1GB' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let bytesRead = 0;
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
    });
    if (closeStdout === 'at-once') child.stdout.destroy();
    else {
      child.stdout.once('data', (chunk: Buffer) => {
        bytesRead = chunk.length;
        child.stdout.destroy();
      });
    }
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr, bytesRead }));
  });
}

/** A Node stack trace line (`    at printJson (/…/output.ts:18:18)`) or the uncaught-error banner. */
const STACK_TRACE = /^\s+at |Unhandled 'error' event|EPIPE/m;

describe('a reader that closes stdout early', () => {
  let dir: string;
  let home: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cr-epipe-'));
    home = join(dir, 'home');
    expect(runCli(home, ['member', 'create', 'brand']).code).toBe(0);
    // 400 columns with 200-character names: `dataset show --format json` prints ~340 kB,
    // far more than a pipe buffers (64 kB), so the CLI is still writing when the reader leaves.
    const names = Array.from({ length: 400 }, (_, i) => `c${String(i).padStart(3, '0')}_${'x'.repeat(200)}`);
    writeFileSync(join(dir, 'wide.csv'), `${names.join(',')}\n${names.map((_, i) => i).join(',')}\n`);
    const created = runCli(home, ['dataset', 'create', 'brand', 'wide', join(dir, 'wide.csv'), '--format', 'json']);
    expect(created.code, created.stderr).toBe(0);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('ends quietly with exit 0 when the reader leaves after the first chunk (| head -1)', async () => {
    const run = await runCliWithEarlyClose(home, ['dataset', 'show', 'brand', 'wide', '--format', 'json'], 'after-first-chunk');
    expect(run.bytesRead).toBeGreaterThan(0);
    expect(run.stderr).not.toMatch(STACK_TRACE);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
  });

  it('ends quietly with exit 0 when the reader is gone before the first write', async () => {
    const run = await runCliWithEarlyClose(home, ['member', 'list', '--format', 'json'], 'at-once');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
  });

  it('keeps the exit code and the stderr message of a failing command', async () => {
    const run = await runCliWithEarlyClose(home, ['dataset', 'show', 'brand', 'nope', '--format', 'json'], 'at-once');
    expect(run.stderr).not.toMatch(STACK_TRACE);
    expect(run.stderr).toMatch(/^error: \[unknown-dataset\]/);
    expect(run.code).toBe(1);
  });
});

describe('dataset statistics of timestamps and dates', () => {
  let dir: string;
  let home: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cr-times-'));
    home = join(dir, 'home');
    // Worked by hand: 05:06:07+02:00 is 03:06:07 UTC; the naive column is taken as UTC.
    writeFileSync(
      join(dir, 'visits.csv'),
      'visited_at,visited_at_zoned,visit_day\n' +
        '2024-03-04 05:06:07.5,2024-03-04T05:06:07+02:00,2024-03-04\n' +
        '2024-01-02 03:04:05,2024-01-02T03:04:05Z,2024-01-02\n',
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints min/max as ISO 8601 UTC with Z and dates as YYYY-MM-DD, whatever the host time zone', () => {
    // A host far from UTC: a zoned timestamp must not come out in the host's local time.
    const env = { TZ: 'America/New_York' };
    expect(runCli(home, ['member', 'create', 'brand'], env).code).toBe(0);
    const created = runCli(home, ['dataset', 'create', 'brand', 'visits', join(dir, 'visits.csv')], env);
    expect(created.code, created.stderr).toBe(0);
    const shown = runCli(home, ['dataset', 'show', 'brand', 'visits', '--format', 'json'], env);
    expect(shown.code, shown.stderr).toBe(0);
    const { versions } = JSON.parse(shown.stdout) as {
      versions: { columns: { name: string; type: string }[]; stats: Record<string, { min: string; max: string }> }[];
    };
    const [version] = versions;
    expect(version?.columns.map((c) => c.type)).toEqual(['TIMESTAMP', 'TIMESTAMP WITH TIME ZONE', 'DATE']);
    expect(version?.stats['visited_at']).toMatchObject({ min: '2024-01-02T03:04:05Z', max: '2024-03-04T05:06:07.5Z' });
    expect(version?.stats['visited_at_zoned']).toMatchObject({ min: '2024-01-02T03:04:05Z', max: '2024-03-04T03:06:07Z' });
    expect(version?.stats['visit_day']).toMatchObject({ min: '2024-01-02', max: '2024-03-04' });

    const table = runCli(home, ['dataset', 'show', 'brand', 'visits', '--format', 'table'], env);
    expect(table.stdout).toMatch(/\| visited_at_zoned +\| TIMESTAMP WITH TIME ZONE .*\| 2024-01-02T03:04:05Z +\| 2024-03-04T03:06:07Z +\|/);
  });
});

const CUSTOMERS = 'email_address,state,birth_country\na,CA,US\nb,CA,US\nc,NY,MX\nd,NY,US\n';
const CONVERSIONS = 'email_address,creative_id,event_type,price,transaction_id\na,k1,purchase,10,t1\nb,k1,purchase,20,t2\n';
const IMPRESSIONS =
  'email_address,campaign_id,device_type,creative_id,cost\na,c1,mobile,k1,1\nb,c1,mobile,k1,2\nc,c1,desktop,k1,3\nd,c2,mobile,k2,4\n';
const OVERLAP =
  'SELECT i.campaign_id, COUNT(DISTINCT i.email_address) AS n FROM impressions i INNER JOIN customers c ON i.email_address = c.email_address GROUP BY i.campaign_id';

describe('query logs show rule versions to those entitled to them', () => {
  // brand owns customers and runs every query; platform owns impressions and may receive.
  let dir: string;
  let home: string;
  let toBrand: string;
  let toPlatform: string;
  beforeAll(async () => {
    const fixture = await mediaWorkspace({ customers: CUSTOMERS, conversions: CONVERSIONS, impressions: IMPRESSIONS });
    dir = fixture.dir;
    home = join(dir, 'home');
    const { workspace } = fixture;
    try {
      const first = await runQuery(workspace, 'c', 'brand', OVERLAP);
      // platform changes its rule (same content, new version 2) before the second query.
      await updateTable(workspace.db, 'platform', 'impressions', undefined, DEFAULT_RULES.impressions);
      const second = await runQuery(workspace, 'c', 'brand', OVERLAP, { receiver: 'platform' });
      if (first.status !== 'succeeded' || second.status !== 'succeeded') throw new Error('expected two successes');
      toBrand = first.id;
      toPlatform = second.id;
    } finally {
      await workspace.close();
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const logsJson = (member: string): QueryLogEntry[] => {
    const run: CliRun = runCli(home, ['query', 'logs', 'c', '--as', member, '--format', 'json']);
    expect(run.code, run.stderr).toBe(0);
    return JSON.parse(run.stdout) as QueryLogEntry[];
  };

  it('receiver: every table; owner: its own table; runner who is not the receiver: none', () => {
    const brand = logsJson('brand');
    const platform = logsJson('platform');
    const entry = (entries: QueryLogEntry[], id: string): QueryLogEntry | undefined => entries.find((e) => e.id === id);

    // brand ran and received the first query: both tables, each at version 1.
    expect(entry(brand, toBrand)?.ruleVersions).toEqual({ customers: 1, impressions: 1 });
    // platform only owns impressions there.
    expect(entry(platform, toBrand)?.ruleVersions).toEqual({ impressions: 1 });
    // The second went to platform: it sees both, with its new version of impressions.
    expect(entry(platform, toPlatform)?.ruleVersions).toEqual({ customers: 1, impressions: 2 });
    // brand ran it for someone else: the status only, not even its own table's version.
    expect(entry(brand, toPlatform)?.status).toBe('succeeded');
    expect(entry(brand, toPlatform)?.ruleVersions).toBeUndefined();
  });

  it('prints them in table and CSV output as table=version', () => {
    const csv = runCli(home, ['query', 'logs', 'c', '--as', 'platform', '--format', 'csv']);
    expect(csv.code, csv.stderr).toBe(0);
    const [header, ...lines] = csv.stdout.trimEnd().split('\n');
    expect(header).toBe('id,submittedAt,runner,receiver,status,error,rowCount,tables,ruleVersions,epsilon,sql');
    expect(lines.find((l) => l.startsWith(toBrand))).toContain(',"customers,impressions",impressions=1,');
    expect(lines.find((l) => l.startsWith(toPlatform))).toContain('"customers=1,impressions=2"');
    const table = runCli(home, ['query', 'logs', 'c', '--as', 'brand', '--format', 'table']);
    expect(table.stdout).toMatch(/\| ruleVersions +\|/);
    expect(table.stdout).toContain('customers=1,impressions=1');
  });
});
