import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { associate } from '../src/collaboration/associations.ts';
import { acceptCollaboration, createCollaboration } from '../src/collaboration/collaborations.ts';
import { createDataset } from '../src/collaboration/datasets.ts';
import { createMember } from '../src/collaboration/members.ts';
import { reserveBudget, settleBudget } from '../src/collaboration/privacy-budgets.ts';
import { createTable } from '../src/collaboration/tables.ts';
import { Workspace } from '../src/collaboration/workspace.ts';
import { openDatabase } from '../src/metadata/open-database.ts';
import type { Database } from '../src/metadata/schema.ts';
import { runCli, type CliRun } from './support/run-cli.ts';

const WORKER = fileURLToPath(new URL('./support/reserve-budget-worker.ts', import.meta.url));
const WORKERS = 4;
// One COUNT with public group keys at 100 users of noise costs ln 20 / 100 = 0.0299573;
// a total of 6 holds floor(6 / 0.0299573) = floor(200.28) = 200 of them.
const TOTAL = 6;
const COST = Math.log(20) / 100;
const FIT = 200;

interface Tally {
  readonly reserved: number;
  readonly refunded: number;
  readonly refusal: string;
}

/** Starts the workers, lets them all go at once, and returns their tallies. */
async function race(file: string, tableId: number, mode: 'plain' | 'refunds'): Promise<Tally[]> {
  const children = Array.from({ length: WORKERS }, (_, i) =>
    spawn(process.execPath, ['--import', 'tsx', WORKER, file, String(tableId), `${mode}${i}`, mode], { stdio: ['pipe', 'pipe', 'pipe'] }),
  );
  const outputs = children.map((child) => {
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const ready = new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (out.startsWith('ready\n')) resolve();
      };
      child.stdout.on('data', check);
      child.on('exit', () => reject(new Error(`worker exited before it was ready: ${err}`)));
    });
    const done = new Promise<Tally>((resolve, reject) => {
      child.on('exit', (code) => {
        if (code !== 0) reject(new Error(`worker failed (${code}): ${err}`));
        else resolve(JSON.parse(out.trim().split('\n').at(-1) ?? '') as Tally);
      });
    });
    return { ready, done };
  });
  await Promise.all(outputs.map((o) => o.ready));
  for (const child of children) child.stdin.end('go\n');
  return Promise.all(outputs.map((o) => o.done));
}

async function liveEpsilon(db: Kysely<Database>, tableId: number): Promise<{ epsilon: number; rows: number }> {
  const row = await db
    .selectFrom('privacy_ledger')
    .select([sql<number | null>`sum(epsilon)`.as('epsilon'), sql<number>`count(*)`.as('rows')])
    .where('table_id', '=', tableId)
    .where('status', 'in', ['reserved', 'spent'])
    .executeTakeFirstOrThrow();
  return { epsilon: row.epsilon ?? 0, rows: row.rows };
}

describe('privacy budgets through the CLI and across processes', () => {
  let dir: string;
  let home: string;
  let db: Kysely<Database>;
  const cli = (...args: string[]): CliRun => runCli(home, args);
  const json = <T>(run: CliRun): T => {
    expect(run.stderr, run.stderr).toBe('');
    expect(run.code).toBe(0);
    return JSON.parse(run.stdout) as T;
  };
  const tableId = async (member: string, name: string): Promise<number> =>
    (await db.selectFrom('configured_tables').select('id').where('member', '=', member).where('name', '=', name).executeTakeFirstOrThrow()).id;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cr-privacy-'));
    home = join(dir, 'home');
    writeFileSync(join(dir, 'events.csv'), 'email_address,campaign_id\na,c1\nb,c1\nc,c2\n');
    const rule = {
      v1: {
        custom: {
          allowedAnalyses: ['ANY_QUERY'],
          allowedAnalysisProviders: ['brand'],
          differentialPrivacy: { columns: [{ name: 'email_address' }] },
        },
      },
    };
    // The set-up runs in process (the CLI's own commands are tested elsewhere); every
    // privacy command below goes through the real CLI.
    const ws = await Workspace.open(home, { threads: 1, memoryLimit: '1GB' });
    try {
      for (const m of ['brand', 'platform', 'outsider']) await createMember(ws.db, m);
      for (const m of ['platform', 'brand']) await createDataset(ws, m, 'events', [join(dir, 'events.csv')]);
      const columns = ['email_address', 'campaign_id'];
      for (const t of ['impressions', 'race1', 'race2']) await createTable(ws.db, 'platform', t, 'events', columns, rule);
      await createTable(ws.db, 'brand', 'customers', 'events', columns, rule);
      await createCollaboration(ws.db, 'brand', 'media', [
        { member: 'brand', query: true, receive: true },
        { member: 'platform', query: false, receive: false },
      ], true);
      await acceptCollaboration(ws.db, 'platform', 'media');
      await associate(ws.db, 'media', 'platform', 'impressions', undefined, undefined);
      await associate(ws.db, 'media', 'brand', 'customers', undefined, undefined);
    } finally {
      await ws.close();
    }
    db = await openDatabase(join(home, 'metadata.db'));
  });
  afterAll(async () => {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sets a budget and shows what a fresh one allows, with examples in the help', () => {
    const text = cli('privacy', 'set-budget', 'impressions', '--as', 'platform', '--epsilon', '3', '--format', 'table');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^set the privacy budget of platform\/impressions: epsilon 3, delta 0\.000001, 30 users of noise per query, refresh none\n/);
    // 3 / (2 ln 20 / 30) = 15.02; AVG 3 units: 10.01; STDDEV 4 units: 7.5.
    expect(text.stdout).toMatch(/\| COUNT +\| +15 \|/);
    expect(text.stdout).toMatch(/\| AVG +\| +10 \|/);
    expect(text.stdout).toMatch(/\| STDDEV +\| +7 \|/);
    const monthly = json<{ settings: unknown; unit: number; queries: Record<string, number>; warnings: string[] }>(
      cli('privacy', 'set-budget', 'customers', '--as', 'brand', '--epsilon', '1', '--users-noise', '50', '--delta', '1e-7', '--refresh', 'monthly', '--format', 'json'),
    );
    expect(monthly.settings).toEqual({ epsilon: 1, delta: 1e-7, usersNoisePerQuery: 50, refresh: 'monthly' });
    expect(monthly.unit).toBeCloseTo(Math.log(20) / 50, 12);
    // 1 / (2 ln 20 / 50) = 8.35.
    expect(monthly.queries).toEqual({ COUNT: 8, COUNT_DISTINCT: 8, SUM: 8, AVG: 5, STDDEV: 4 });
    expect(monthly.warnings).toHaveLength(1);
    expect(monthly.warnings[0]).toMatch(/^refreshing budgets leaks over time/);
    for (const sub of ['set-budget', 'budget', 'preview']) {
      expect(cli('privacy', sub, '--help').stdout).toMatch(/example: cleanroom privacy /);
    }
  });

  it('refuses bad settings naming the field, other members, and CSV output', () => {
    const bad = cli('privacy', 'set-budget', 'impressions', '--as', 'platform', '--epsilon', '30', '--format', 'json');
    expect(bad.code).toBe(1);
    const body = JSON.parse(bad.stdout) as { status: string; error: { code: string; message: string } };
    expect(body).toMatchObject({ status: 'error', error: { code: 'privacy-budget-invalid' } });
    expect(body.error.message).toBe("epsilon: must be a number from 0.01 to 20, not '30'");
    expect(bad.stderr).toMatch(/\[privacy-budget-invalid\] epsilon: must be/);
    const noise = cli('privacy', 'set-budget', 'impressions', '--as', 'platform', '--epsilon', '3', '--users-noise', '5');
    expect(noise.code).toBe(1);
    expect(noise.stderr).toMatch(/usersNoisePerQuery: must be a whole number of users from 10 to 100, not '5'/);
    const other = cli('privacy', 'set-budget', 'impressions', '--as', 'brand', '--epsilon', '20');
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/\[unknown-table\] member 'brand' has no configured table 'impressions'/);
    expect(cli('privacy', 'set-budget', 'impressions', '--epsilon', '3').code).toBe(2); // --as is required
    expect(cli('privacy', 'budget', 'media', '--as', 'brand', '--format', 'csv').code).toBe(2);
  });

  it("imports the cloud service's parameters with --from-cloud, and refuses them out of its ranges", () => {
    const file = join(dir, 'cloud-budget.json');
    writeFileSync(file, JSON.stringify({ autoRefresh: 'CALENDAR_MONTH', parameters: { differentialPrivacy: { epsilon: 4, usersNoisePerQuery: 25 } } }));
    const ok = cli('privacy', 'set-budget', 'impressions', '--as', 'platform', '--from-cloud', file, '--format', 'json');
    expect(ok.code, ok.stderr).toBe(0);
    expect((JSON.parse(ok.stdout) as { settings: unknown }).settings).toEqual({ epsilon: 4, delta: 1e-6, usersNoisePerQuery: 25, refresh: 'monthly' });
    writeFileSync(file, JSON.stringify({ epsilon: 0.5, usersNoisePerQuery: 25 }));
    const low = cli('privacy', 'set-budget', 'impressions', '--as', 'platform', '--from-cloud', file);
    expect(low.code).toBe(1);
    expect(low.stderr).toMatch(/epsilon/);
    expect(cli('privacy', 'set-budget', 'impressions', '--as', 'platform', '--from-cloud', file, '--epsilon', '3').code).toBe(2);
    expect(cli('privacy', 'set-budget', 'impressions', '--as', 'platform').code).toBe(2);
    // Back to the budget the other tests expect.
    expect(cli('privacy', 'set-budget', 'impressions', '--as', 'platform', '--epsilon', '3').code).toBe(0);
  });

  it("shows an owner its tables' ledger and a runner only the queries it may still run", async () => {
    const impressions = await tableId('platform', 'impressions');
    const r = await reserveBudget({ db }, {
      queryId: 'q-avg', runner: 'brand', tableIds: [impressions], kinds: ['AVG'], partitionSelection: true, now: new Date(),
    });
    expect(r.ok).toBe(true);
    await settleBudget({ db }, 'q-avg', 'spent');

    const owner = json<{ tables: { view: string; table: string; spentEpsilon?: number; ledger?: { queryId: string; status: string; runner: string }[] }[] }>(
      cli('privacy', 'budget', 'media', '--as', 'platform', '--format', 'json'),
    );
    const own = owner.tables.find((t) => t.table === 'impressions');
    expect(own).toMatchObject({ view: 'owner', ledger: [{ queryId: 'q-avg', status: 'spent', runner: 'brand' }] });
    expect(own?.spentEpsilon).toBeCloseTo((3 * Math.log(20)) / 30, 12);
    const runner = json<{ tables: unknown[] }>(cli('privacy', 'budget', 'media', '--as', 'brand', '--format', 'json'));
    // 3 - 0.29957 = 2.70043 left: COUNT 13.5 -> 13, AVG 9.01 -> 9, STDDEV 6.76 -> 6.
    expect(runner.tables).toContainEqual({
      view: 'member',
      table: 'impressions',
      budgetSet: true,
      queriesRemaining: { COUNT: 13, COUNT_DISTINCT: 13, SUM: 13, AVG: 9, STDDEV: 6 },
    });
    const text = cli('privacy', 'budget', 'media', '--as', 'platform', '--format', 'table');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^table impressions \(yours: impressions\): epsilon 3, delta 0\.000001/);
    expect(text.stdout).toMatch(/\| q-avg +\| +\| brand +\| +0\.2996 \|.*\| spent +\| AVG \+ partition selection \|/);
    const outsider = cli('privacy', 'budget', 'media', '--as', 'outsider', '--format', 'json');
    expect(outsider.code).toBe(1);
    expect(JSON.parse(outsider.stdout)).toMatchObject({ status: 'error', error: { code: 'forbidden' } });
  });

  it('previews what a budget would allow without spending anything', async () => {
    const before = await db.selectFrom('privacy_ledger').select('id').execute();
    const preview = json<{ unit: number; queries: Record<string, number> }>(
      cli('privacy', 'preview', 'media', '--as', 'brand', '--epsilon', '3', '--users-noise', '60', '--format', 'json'),
    );
    // Twice the noise of 30 users: 3 / (2 ln 20 / 60) = 30.04.
    expect(preview.queries).toEqual({ COUNT: 30, COUNT_DISTINCT: 30, SUM: 30, AVG: 20, STDDEV: 15 });
    const text = cli('privacy', 'preview', 'media', '--as', 'brand', '--epsilon', '3', '--users-noise', '60', '--format', 'table');
    expect(text.stdout).toMatch(/^epsilon 3 with 60 users of noise per query \(one unit is epsilon 0\.04993\) allows/);
    expect(await db.selectFrom('privacy_ledger').select('id').execute()).toEqual(before);
    expect(cli('privacy', 'preview', 'media', '--as', 'outsider', '--epsilon', '3', '--users-noise', '60').code).toBe(1);
  });

  it(`never overdraws under ${WORKERS} processes reserving at once: exactly floor(total / cost) succeed`, async () => {
    expect(cli('privacy', 'set-budget', 'race1', '--as', 'platform', '--epsilon', String(TOTAL), '--users-noise', '100').code).toBe(0);
    const table = await tableId('platform', 'race1');
    expect(Math.floor(TOTAL / COST)).toBe(FIT);
    let running = true;
    let highest = 0;
    const watch = (async () => {
      while (running) {
        highest = Math.max(highest, (await liveEpsilon(db, table)).epsilon);
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    })();
    const tallies = await race(join(home, 'metadata.db'), table, 'plain').finally(() => (running = false));
    await watch;
    expect(tallies.every((t) => t.refusal === 'privacy-budget-exhausted')).toBe(true);
    expect(tallies.reduce((n, t) => n + t.reserved, 0)).toBe(FIT);
    // The race was real: more than one process got a share.
    expect(tallies.filter((t) => t.reserved > 0).length).toBeGreaterThan(1);
    const live = await liveEpsilon(db, table);
    expect(live.rows).toBe(FIT);
    expect(live.epsilon).toBeLessThanOrEqual(TOTAL);
    expect(highest).toBeLessThanOrEqual(TOTAL);
    expect(TOTAL - live.epsilon).toBeLessThan(COST);
  });

  it('gives refunded budget back to the others, still never overdrawing', async () => {
    expect(cli('privacy', 'set-budget', 'race2', '--as', 'platform', '--epsilon', String(TOTAL), '--users-noise', '100').code).toBe(0);
    const table = await tableId('platform', 'race2');
    const tallies = await race(join(home, 'metadata.db'), table, 'refunds');
    const reserved = tallies.reduce((n, t) => n + t.reserved, 0);
    const refunded = tallies.reduce((n, t) => n + t.refunded, 0);
    expect(refunded).toBeGreaterThan(0);
    // Every process stopped only when refused after its own last refund, so the budget
    // ends as full as it can be: exactly FIT live reservations.
    expect(reserved - refunded).toBe(FIT);
    const live = await liveEpsilon(db, table);
    expect(live.rows).toBe(FIT);
    expect(live.epsilon).toBeLessThanOrEqual(TOTAL);
    const statuses = await db
      .selectFrom('privacy_ledger')
      .select(['status', sql<number>`count(*)`.as('n')])
      .where('table_id', '=', table)
      .groupBy('status')
      .execute();
    expect(Object.fromEntries(statuses.map((s) => [s.status, s.n]))['refunded']).toBe(refunded);
  });
});
