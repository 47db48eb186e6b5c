/**
 * The CLI against a server (`--server`, `--token`): the real server listening on
 * loopback, the real CLI in its own process. Each command runs twice, remotely and
 * embedded on an equivalent local workspace, and the two outputs and exit codes must
 * match (ids, times and the result's location aside, which differ by nature). Expected
 * figures are worked by hand from the CSVs in test/support/api-world.ts.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CleanroomClient } from '../src/client/cleanroom-client.ts';
import { ApiWorld, CAMPAIGN_SQL, CUSTOMERS_CSV, CUSTOMERS_RULE, IMPRESSIONS_CSV, IMPRESSIONS_RULE } from './support/api-world.ts';
import type { CliRun } from './support/run-cli.ts';
import { runCliAsync } from './support/run-cli-async.ts';

const ORDERED_SQL = `${CAMPAIGN_SQL} ORDER BY i.campaign_id`;
const REFUSED_SQL = 'SELECT i.email_address FROM impressions i';
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

/** Text that differs between two runs of the same command by nature: ids, times, where the result is. */
function stable(text: string): string {
  return text
    .replace(UUID, '<id>')
    .replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z/g, '<time>')
    .replace(/in \d+ ms; stored at \S+/g, 'in <n> ms; stored at <location>')
    .replace(/"location": "[^"]*"/g, '"location": "<location>"');
}

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('the CLI against a server prints what it prints embedded', () => {
  let world: ApiWorld;
  let url: string;
  let dir: string;
  let localHome: string;
  /** --home for remote runs: must never be created (nothing runs locally). */
  let unusedHome: string;
  const tokens: Record<string, string> = {};

  const local = (...args: string[]): Promise<CliRun> => runCliAsync(localHome, args);
  const remote = (member: string, ...args: string[]): Promise<CliRun> =>
    runCliAsync(unusedHome, ['--server', url, '--token', tokens[member] ?? 'no-token', ...args]);
  /** The same command both ways, at the same time; returns [embedded, remote]. */
  const both = async (member: string, ...args: string[]): Promise<[CliRun, CliRun]> => Promise.all([local(...args), remote(member, ...args)]);
  const same = async (member: string, ...args: string[]): Promise<CliRun> => {
    const [l, r] = await both(member, ...args);
    expect({ code: r.code, stdout: stable(r.stdout), stderr: stable(r.stderr) }, `remote ${args.join(' ')}`).toEqual({
      code: l.code,
      stdout: stable(l.stdout),
      stderr: stable(l.stderr),
    });
    return r;
  };

  beforeAll(async () => {
    world = await ApiWorld.start();
    await world.server.app.listen({ host: '127.0.0.1', port: 0 });
    const address = world.server.app.server.address();
    if (address === null || typeof address === 'string') throw new Error('the server has no port');
    url = `http://127.0.0.1:${address.port}`;
    tokens['admin'] = world.adminToken;
    dir = mkdtempSync(join(tmpdir(), 'cr-remote-'));
    localHome = join(dir, 'local-home');
    unusedHome = join(dir, 'unused-home');
    writeFileSync(join(dir, 'customers.csv'), CUSTOMERS_CSV);
    writeFileSync(join(dir, 'impressions.csv'), IMPRESSIONS_CSV);
    writeFileSync(join(dir, 'customers-rule.json'), JSON.stringify(CUSTOMERS_RULE));
    writeFileSync(join(dir, 'impressions-rule.json'), JSON.stringify(IMPRESSIONS_RULE));
  }, 120_000);
  afterAll(async () => {
    await world.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates members (administrator key) and gives them keys', async () => {
    await same('admin', 'member', 'create', 'brand', '--format', 'table');
    await same('admin', 'member', 'create', 'platform', '--format', 'table');
    const [l, r] = await both('admin', 'member', 'list', '--format', 'csv');
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').map((line) => line.split(',')[0])).toEqual(l.stdout.split('\n').map((line) => line.split(',')[0]));
    const admin = new CleanroomClient({ baseUrl: url, token: world.adminToken });
    tokens['brand'] = (await admin.keys.create('brand', 'cli test')).token;
    tokens['platform'] = (await admin.keys.create('platform', 'cli test')).token;
  }, 120_000);

  it('uploads datasets and shows the same catalog', async () => {
    const created = await same('brand', 'dataset', 'create', 'brand', 'customers', join(dir, 'customers.csv'), '--normalize', 'email_address', '--format', 'json');
    expect(JSON.parse(created.stdout)).toMatchObject({ member: 'brand', dataset: 'customers', version: 1, rowCount: 5 });
    const text = await same('platform', 'dataset', 'create', 'platform', 'impressions', join(dir, 'impressions.csv'), '--format', 'table');
    expect(text.stdout).toMatch(/^registered platform\/impressions version 1: 8 rows\n/);
    await same('brand', 'dataset', 'list', 'brand', '--format', 'json');
    await same('brand', 'dataset', 'show', 'brand', 'customers', '--format', 'table');
    expect(existsSync(unusedHome)).toBe(false);
  }, 120_000);

  it('refuses to act for another member: a named member is forbidden, another --as a usage error', async () => {
    // Embedded, brand acting for platform; remotely, brand's token naming platform.
    const [l, r] = await Promise.all([
      local('dataset', 'show', 'platform', 'impressions', '--as', 'brand', '--format', 'json'),
      remote('brand', 'dataset', 'show', 'platform', 'impressions', '--format', 'json'),
    ]);
    expect(r.code).toBe(1);
    expect([r.code, r.stdout, r.stderr]).toEqual([l.code, l.stdout, l.stderr]);
    const as = await remote('brand', 'results', 'list', '--as', 'platform');
    expect(as.code).toBe(2);
    expect(as.stderr).toMatch(/--as platform: .*this token speaks for 'brand'/);
  }, 120_000);

  it('configures tables and a collaboration', async () => {
    await same('brand', 'table', 'create', 'brand', 'customers', '--dataset', 'customers', '--rule', join(dir, 'customers-rule.json'), '--format', 'table');
    await same('platform', 'table', 'create', 'platform', 'impressions', '--dataset', 'impressions', '--rule', join(dir, 'impressions-rule.json'), '--format', 'json');
    await same('platform', 'table', 'list', 'platform', '--format', 'csv');
    await same('brand', 'table', 'show', 'brand', 'customers', '--format', 'json');
    await same('brand', 'collaboration', 'create', 'media', '--creator', 'brand', '--member', 'brand:query,receive', '--member', 'platform:none', '--format', 'table');
    // --as may be left out over a server: the token says who acts.
    const [l, r] = await Promise.all([local('collaboration', 'accept', 'media', '--as', 'platform'), remote('platform', 'collaboration', 'accept', 'media')]);
    expect([r.code, r.stdout, r.stderr]).toEqual([l.code, l.stdout, l.stderr]);
    expect(r.stdout).toBe('platform accepted collaboration media\n');
    await same('brand', 'collaboration', 'associate', 'media', '--member', 'brand', '--table', 'customers');
    await same('platform', 'collaboration', 'associate', 'media', '--member', 'platform', '--table', 'impressions');
    await same('brand', 'collaboration', 'show', 'media', '--as', 'brand', '--format', 'json');
    await same('platform', 'collaboration', 'show', 'media', '--as', 'platform', '--format', 'table');
    await same('brand', 'collaboration', 'list', '--as', 'brand', '--format', 'json');
  }, 180_000);

  it('runs a query and prints its rows the same way in every format', async () => {
    const table = await same('brand', 'query', 'run', 'media', '--as', 'brand', '--format', 'table', '--sql', ORDERED_SQL);
    // By hand: c1 reaches a, b, c (3 users, cost 10 + 20 + 5 + 1 = 36); c2 only d (suppressed); c3 a, e (2 users, cost 2 + 3).
    expect(table.stdout).toContain('| c1          |     3 |   36 |');
    expect(table.stdout).toContain('| c3          |     2 |    5 |');
    expect(table.stdout).toMatch(new RegExp(`2 row\\(s\\) in \\d+ ms; stored at ${url}/v1/results/`));
    const json = await same('brand', 'query', 'run', 'media', '--as', 'brand', '--format', 'json', '--sql', ORDERED_SQL);
    expect(JSON.parse(json.stdout)).toMatchObject({ status: 'succeeded', columns: ['campaign_id', 'users', 'cost'], rows: [['c1', 3, 36], ['c3', 2, 5]] });
    const csv = await same('brand', 'query', 'run', 'media', '--as', 'brand', '--format', 'csv', '--sql', ORDERED_SQL);
    expect(csv.stdout).toBe('campaign_id,users,cost\nc1,3,36\nc3,2,5\n');
    await same('brand', 'query', 'run', 'media', '--as', 'brand', '--format', 'json', '--dry-run', '--sql', ORDERED_SQL);
  }, 180_000);

  it('refuses a query the rules forbid: exit 3 and the same diagnostic', async () => {
    const text = await same('brand', 'query', 'run', 'media', '--as', 'brand', '--format', 'table', '--sql', REFUSED_SQL);
    expect(text.code).toBe(3);
    expect(text.stderr).toMatch(/^refused: \[[a-z-]+\] /);
    const json = await same('brand', 'query', 'run', 'media', '--as', 'brand', '--format', 'json', '--sql', REFUSED_SQL);
    expect(JSON.parse(json.stdout)).toMatchObject({ status: 'refused', error: { code: expect.stringMatching(/^[a-z-]+$/) } });
    const dry = await same('brand', 'query', 'run', 'media', '--as', 'brand', '--format', 'json', '--dry-run', '--sql', REFUSED_SQL);
    expect(dry.code).toBe(3);
  }, 180_000);

  it('lists results and queries with the same fields', async () => {
    const [l, r] = await both('brand', 'results', 'list', '--as', 'brand', '--format', 'json');
    expect(r.code).toBe(0);
    const mine = JSON.parse(r.stdout) as Record<string, unknown>[];
    const theirs = JSON.parse(l.stdout) as Record<string, unknown>[];
    expect(mine.map((x) => Object.keys(x))).toEqual(theirs.map((x) => Object.keys(x)));
    expect(mine.map((x) => [x['rowCount'], x['format'], x['columns']])).toEqual(theirs.map((x) => [x['rowCount'], x['format'], x['columns']]));
    expect(mine.every((x) => String(x['location']).startsWith(`${url}/v1/results/`))).toBe(true);
    const [lq, rq] = await both('brand', 'query', 'list', 'media', '--as', 'brand', '--format', 'json');
    const statuses = (run: CliRun): string[] => (JSON.parse(run.stdout) as { status: string }[]).map((q) => q.status);
    expect(statuses(rq)).toEqual(statuses(lq));
    expect(statuses(rq).sort()).toEqual(['refused', 'refused', 'succeeded', 'succeeded', 'succeeded']);
    // The same fields, a result id on each query the brand received, in both modes.
    const keys = (run: CliRun): string[][] => (JSON.parse(run.stdout) as Record<string, unknown>[]).map((q) => Object.keys(q).sort());
    expect(keys(rq)).toEqual(keys(lq));
    const received = (run: CliRun): boolean[] => (JSON.parse(run.stdout) as { status: string; resultId?: string }[]).map((q) => q.status === 'succeeded' && typeof q.resultId === 'string');
    expect(received(lq).filter(Boolean).length).toBe(3);
    expect(received(rq)).toEqual(received(lq));
  }, 120_000);

  it('reads templates, the insights library and privacy budgets the same way', async () => {
    await same('brand', 'template', 'list', 'media', '--as', 'brand', '--format', 'json');
    await same('brand', 'insights', 'list', '--format', 'csv');
    await same('brand', 'privacy', 'budget', 'media', '--as', 'brand', '--format', 'table');
    const preview = await same('brand', 'privacy', 'preview', 'media', '--as', 'brand', '--epsilon', '3', '--users-noise', '30', '--format', 'json');
    expect(JSON.parse(preview.stdout)).toMatchObject({ collaboration: 'media', settings: { epsilon: 3, usersNoisePerQuery: 30 } });
    const [l, r] = await both('platform', 'query', 'logs', 'media', '--as', 'platform', '--format', 'json');
    const seen = (run: CliRun): unknown[] => (JSON.parse(run.stdout) as { status: string; tables: string[] }[]).map((q) => [q.status, q.tables]);
    expect(seen(r)).toEqual(seen(l));
  }, 180_000);

  it('reads the server and key from the environment', async () => {
    const run = await runCliAsync(unusedHome, ['results', 'list', '--format', 'csv'], { CLEANROOM_SERVER: url, CLEANROOM_TOKEN: tokens['brand'] ?? '' });
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n')[0]).toBe('id,queryId,createdAt,rowCount,format,columns,location');
  }, 120_000);

  it('says which commands run only on the server machine (exit 2)', async () => {
    // (`audit` is refused the same way once main.ts registers it.)
    for (const args of [['serve'], ['keys', 'list', '--admin'], ['demo'], ['generate', '--out', join(dir, 'gen')]]) {
      const run = await remote('admin', ...args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toContain(`\`cleanroom ${args[0]}\` runs on the server's own machine`);
    }
  }, 120_000);

  it('names the server it cannot reach, and a bad key (exit 1)', async () => {
    const port = await closedPort();
    const down = await runCliAsync(unusedHome, ['--server', `http://127.0.0.1:${port}`, '--token', 'x', 'results', 'list']);
    expect(down.code).toBe(1);
    expect(down.stderr).toContain(`error: [server-unreachable] cannot reach the Cleanroom server at http://127.0.0.1:${port}`);
    const bad = await runCliAsync(unusedHome, ['--server', url, '--token', 'crk_0000000000000000_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx', 'results', 'list']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^error: \[invalid-api-key\] /);
    expect(existsSync(unusedHome)).toBe(false);
  }, 120_000);
});
