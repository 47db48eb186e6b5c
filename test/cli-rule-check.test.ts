/**
 * `cleanroom table check`: a table owner tests a sample query against its rule, embedded
 * and against a server (`--server`), with the same output and exit codes both ways.
 * Expected verdicts are worked out by hand from IMPRESSIONS_RULE (test/support/api-world.ts).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiWorld, IMPRESSIONS_CSV, IMPRESSIONS_RULE, mediaCollaboration } from './support/api-world.ts';
import type { CliRun } from './support/run-cli.ts';
import { runCliAsync } from './support/run-cli-async.ts';

const ALLOWED = 'SELECT campaign_id, COUNT(DISTINCT email_address) AS users FROM impressions GROUP BY campaign_id';
const ALLOWED_SQL =
  'SELECT "impressions"."campaign_id" AS "campaign_id", count(DISTINCT "impressions"."email_address") AS "users" ' +
  'FROM "impressions" GROUP BY "impressions"."campaign_id" HAVING (count(DISTINCT "impressions"."email_address") >= 2)';
const REFUSED = 'SELECT email_address, SUM(cost) AS cost FROM impressions GROUP BY email_address';
const NOTE = "note: checked against this table alone; other members' tables and the collaboration's settings can add refusals.\n";

describe('cleanroom table check, embedded and --server', () => {
  let world: ApiWorld;
  let url = '';
  let dir: string;
  let localHome: string;
  const tokens: Record<string, string> = {};

  const local = (...args: string[]): Promise<CliRun> => runCliAsync(localHome, args);
  const remote = (member: string, ...args: string[]): Promise<CliRun> => runCliAsync(join(dir, 'unused-home'), ['--server', url, '--token', tokens[member] ?? '', ...args]);
  /** Runs the command both ways; both must print the same and exit alike. Returns the embedded run. */
  const same = async (member: string, ...args: string[]): Promise<CliRun> => {
    const [l, r] = await Promise.all([local(...args), remote(member, ...args)]);
    expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }, `remote ${args.join(' ')}`).toEqual({ code: l.code, stdout: l.stdout, stderr: l.stderr });
    return l;
  };

  beforeAll(async () => {
    world = await ApiWorld.start();
    const keys = await mediaCollaboration(world);
    tokens['platform'] = keys.platform;
    tokens['brand'] = keys.brand;
    await world.server.app.listen({ host: '127.0.0.1', port: 0 });
    const address = world.server.app.server.address();
    if (address === null || typeof address === 'string') throw new Error('the server has no port');
    url = `http://127.0.0.1:${address.port}`;
    // The same table in a local workspace: platform's impressions under IMPRESSIONS_RULE.
    dir = mkdtempSync(join(tmpdir(), 'cr-rule-check-'));
    localHome = join(dir, 'home');
    writeFileSync(join(dir, 'impressions.csv'), IMPRESSIONS_CSV);
    writeFileSync(join(dir, 'rule.json'), JSON.stringify(IMPRESSIONS_RULE));
    for (const args of [
      ['member', 'create', 'platform'],
      ['member', 'create', 'brand'],
      ['dataset', 'create', 'platform', 'impressions', join(dir, 'impressions.csv')],
      ['table', 'create', 'platform', 'impressions', '--dataset', 'impressions', '--rule', join(dir, 'rule.json')],
    ]) {
      const run = await local(...args);
      if (run.code !== 0) throw new Error(`${args.join(' ')}: ${run.stderr}`);
    }
  }, 180_000);
  afterAll(async () => {
    await world.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints an allowed query with the SQL that would run (exit 0)', async () => {
    const text = await same('platform', 'table', 'check', 'platform', 'impressions', '--format', 'table', '--sql', ALLOWED);
    expect(text).toEqual({ code: 0, stdout: `allowed by the rule of platform/impressions; the SQL that would run:\n${ALLOWED_SQL}\n`, stderr: NOTE });
    const json = await same('platform', 'table', 'check', 'platform', 'impressions', '--format', 'json', '--sql', ALLOWED);
    expect([json.code, JSON.parse(json.stdout), json.stderr]).toEqual([0, { allowed: true, sql: ALLOWED_SQL }, '']);
  }, 120_000);

  it('prints a refusal like every refusal: the diagnostic on stderr, exit 3', async () => {
    const text = await same('platform', 'table', 'check', 'platform', 'impressions', '--as', 'platform', '--format', 'table', '--sql', REFUSED);
    expect(text.code).toBe(3);
    expect(text.stdout).toBe('');
    expect(text.stderr).toBe(
      'refused: [join-column-in-output] aggregation rule: join column impressions.email_address of impressions may not appear in SELECT ' +
        '(table impressions, at character 8)\n' +
        '  near: email_address\n' +
        '  hint: join columns are used only in ON conditions and inside an allowed COUNT or COUNT(DISTINCT ...)\n' +
        NOTE,
    );
    const json = await same('platform', 'table', 'check', 'platform', 'impressions', '--format', 'json', '--sql', REFUSED);
    expect(json.code).toBe(3);
    expect(JSON.parse(json.stdout)).toMatchObject({ allowed: false, error: { code: 'join-column-in-output', rule: 'aggregation', table: 'impressions', position: 7 } });
  }, 120_000);

  it('takes the name the table has in SQL', async () => {
    const run = await same('platform', 'table', 'check', 'platform', 'impressions', '--name', 'imp', '--format', 'json', '--sql', 'SELECT COUNT(DISTINCT i.email_address) AS n FROM imp i');
    expect([run.code, (JSON.parse(run.stdout) as { allowed: boolean }).allowed]).toEqual([0, true]);
  }, 120_000);

  it("refuses another member's table and an unknown one (exit 1), and a blank query (exit 2)", async () => {
    // Embedded, brand acting for platform; remotely, brand's token naming platform.
    const [l, r] = await Promise.all([
      local('table', 'check', 'platform', 'impressions', '--as', 'brand', '--sql', ALLOWED),
      remote('brand', 'table', 'check', 'platform', 'impressions', '--sql', ALLOWED),
    ]);
    expect([r.code, r.stdout, r.stderr]).toEqual([l.code, l.stdout, l.stderr]);
    expect(l.code).toBe(1);
    expect(l.stderr).toMatch(/^error: \[forbidden\] member 'brand' cannot act for member 'platform'/);
    const unknown = await same('platform', 'table', 'check', 'platform', 'nothing', '--sql', ALLOWED);
    expect([unknown.code, unknown.stderr]).toEqual([1, "error: [unknown-table] member 'platform' has no configured table 'nothing'\n"]);
    const blank = await same('platform', 'table', 'check', 'platform', 'impressions', '--sql', ' ');
    expect([blank.code, blank.stderr]).toEqual([2, 'error: --sql takes a query\n']);
  }, 120_000);

  describe('dry runs of table definitions (?dryRun=true, --dry-run)', () => {
    const BAD_RULE = { v1: { aggregation: { ...IMPRESSIONS_RULE.v1.aggregation, dimensionColumns: ['campaign_id', 'no_such_column'] } } };
    const auditCount = async (): Promise<number> => ((await world.call(world.adminToken, 'GET', '/v1/audit?limit=10000')).body as unknown[]).length;

    it('checks a new table and an update as saving would, and saves nothing', async () => {
      const before = await auditCount();
      const current = (await world.call(tokens['platform'], 'GET', '/v1/members/platform/tables/impressions')).body as { version: number; rule: unknown; columns: { name: string }[] };
      const created = await world.call(tokens['platform'], 'POST', '/v1/members/platform/tables?dryRun=true', { name: 'impressions_copy', dataset: 'impressions', rule: IMPRESSIONS_RULE });
      expect(created.status).toBe(200);
      expect(created.body).toEqual({ dryRun: true, table: 'impressions_copy', version: 1, columns: current.columns.map((c) => c.name), rule: current.rule });
      expect((await world.call(tokens['platform'], 'GET', '/v1/members/platform/tables/impressions_copy')).status).toBe(404);
      const changed = await world.call(tokens['platform'], 'PATCH', '/v1/members/platform/tables/impressions?dryRun=true', { columns: ['email_address', 'campaign_id', 'cost'] });
      expect(changed.body).toMatchObject({ dryRun: true, table: 'impressions', version: current.version + 1, columns: ['email_address', 'campaign_id', 'cost'] });
      expect(((await world.call(tokens['platform'], 'GET', '/v1/members/platform/tables/impressions')).body as { version: number }).version).toBe(current.version);
      expect(await auditCount()).toBe(before);
    });

    it('refuses what saving would refuse, with the same diagnostic, and only for the owner', async () => {
      const dry = await world.call(tokens['platform'], 'POST', '/v1/members/platform/tables?dryRun=true', { name: 'bad', dataset: 'impressions', rule: BAD_RULE });
      const real = await world.call(tokens['platform'], 'POST', '/v1/members/platform/tables', { name: 'bad', dataset: 'impressions', rule: BAD_RULE });
      expect(dry.status).toBe(real.status);
      expect(dry.body).toEqual(real.body);
      expect((dry.body as { error: { code: string } }).error.code).toMatch(/column/);
      const taken = await world.call(tokens['platform'], 'POST', '/v1/members/platform/tables?dryRun=true', { name: 'impressions', dataset: 'impressions', rule: IMPRESSIONS_RULE });
      expect([taken.status, (taken.body as { error: { code: string } }).error.code]).toEqual([409, 'table-exists']);
      expect((await world.call(tokens['brand'], 'PATCH', '/v1/members/platform/tables/impressions?dryRun=true', { columns: ['email_address'] })).status).toBe(403);
    });

    it('cleanroom table create|update --dry-run prints the same embedded and --server, and saves nothing', async () => {
      writeFileSync(join(dir, 'bad-rule.json'), JSON.stringify(BAD_RULE));
      const update = await same('platform', 'table', 'update', 'platform', 'impressions', '--columns', 'email_address,campaign_id,cost', '--dry-run', '--format', 'json');
      expect(update.code).toBe(0);
      expect(JSON.parse(update.stdout)).toMatchObject({ dryRun: true, table: 'impressions', version: 2, columns: ['email_address', 'campaign_id', 'cost'] });
      const text = await same('platform', 'table', 'create', 'platform', 'copy', '--dataset', 'impressions', '--rule', join(dir, 'rule.json'), '--dry-run', '--format', 'table');
      expect(text.stdout).toMatch(/^would store table copy as rule version 1 \(nothing was saved\)\n/);
      const bad = await same('platform', 'table', 'create', 'platform', 'copy', '--dataset', 'impressions', '--rule', join(dir, 'bad-rule.json'), '--dry-run');
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).toContain('no_such_column');
      const shown = await same('platform', 'table', 'show', 'platform', 'impressions', '--format', 'json');
      expect((JSON.parse(shown.stdout) as { version: number }).version).toBe(1);
      expect((await local('table', 'show', 'platform', 'copy')).code).not.toBe(0);
    }, 120_000);
  });
});
