import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './support/run-cli.ts';

/**
 * Differential privacy as a user reaches it, through the real CLI: an owner configures a
 * DP table and its budget, a provider runs ad-hoc SQL with contribution bounds, the
 * result carries its noise, the log its spend, the budget what is left.
 * Data: 3 campaigns × 400 users, one impression each (c3 also has 400 more users).
 */
describe('differential privacy from the CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cr-dp-cli-'));
  const home = join(dir, 'home');
  const cli = (...args: string[]): ReturnType<typeof runCli> => runCli(home, args);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('configures, runs, shows the noise and the spend', () => {
    const lines = ['email_address,campaign_id'];
    for (const c of ['c1', 'c2', 'c3']) for (let u = 0; u < 400; u++) lines.push(`u${u}@x.example,${c}`);
    for (let u = 400; u < 800; u++) lines.push(`u${u}@x.example,c3`);
    writeFileSync(join(dir, 'impressions.csv'), `${lines.join('\n')}\n`);
    writeFileSync(join(dir, 'rule.json'), JSON.stringify({
      v1: { custom: { allowedAnalyses: ['ANY_QUERY'], allowedAnalysisProviders: ['brand'], disallowedOutputColumns: ['email_address'], differentialPrivacy: { columns: [{ name: 'email_address' }] } } },
    }));
    for (const args of [
      ['member', 'create', 'brand'],
      ['member', 'create', 'platform'],
      ['dataset', 'create', 'platform', 'impressions', join(dir, 'impressions.csv')],
      ['table', 'create', 'platform', 'impressions', '--dataset', 'impressions', '--rule', join(dir, 'rule.json'), '--columns', 'email_address,campaign_id'],
      ['collaboration', 'create', 'media', '--creator', 'brand', '--member', 'brand:query,receive', '--member', 'platform:receive'],
      ['collaboration', 'accept', 'media', '--as', 'platform'],
      ['collaboration', 'associate', 'media', '--member', 'platform', '--table', 'impressions'],
      ['privacy', 'set-budget', 'impressions', '--as', 'platform', '--epsilon', '3', '--users-noise', '20'],
    ]) {
      const r = cli(...args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    }
    const sql = 'SELECT i.campaign_id, COUNT(DISTINCT i.email_address) AS reach FROM impressions i GROUP BY i.campaign_id ORDER BY i.campaign_id';
    const json = cli('query', 'run', 'media', '--as', 'brand', '--sql', sql, '--dp-max-groups', '3', '--format', 'json');
    expect(json.code, json.stderr).toBe(0);
    const out = JSON.parse(json.stdout) as { rows: [string, number][]; privacy: { epsilon: number; contribution: { maxGroupsPerUser: number }; columns: { name: string; errorBound95: number }[] } };
    expect(out.privacy.contribution.maxGroupsPerUser).toBe(3);
    const bound = out.privacy.columns[0]?.errorBound95 ?? 0;
    // Exact reach: 400, 400, 800; noise within 5 × the 95% bound (fails with probability < 1e-6).
    const exact: Record<string, number> = { c1: 400, c2: 400, c3: 800 };
    for (const [campaign, reach] of out.rows) expect(Math.abs(reach - (exact[campaign] ?? -1e9))).toBeLessThanOrEqual(5 * bound);
    // Table output prints the noise under the rows.
    const table = cli('query', 'run', 'media', '--as', 'brand', '--sql', sql, '--dp-max-groups', '3', '--format', 'table');
    expect(table.stdout).toMatch(/differential privacy \(discrete Laplace\)/);
    expect(table.stdout).toMatch(/reach ±\d+/);
    // Bad bounds are a usage error naming the flag.
    const bad = cli('query', 'run', 'media', '--as', 'brand', '--sql', sql, '--dp-max-groups', 'many');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--dp-max-groups takes a whole number/);
    // The log shows the spend; the budget what is left.
    const logs = JSON.parse(cli('query', 'logs', 'media', '--as', 'platform', '--format', 'json').stdout) as { privacy?: { epsilon: number } }[];
    expect(logs.some((e) => (e.privacy?.epsilon ?? 0) > 0)).toBe(true);
    const budget = cli('privacy', 'budget', 'media', '--as', 'brand', '--format', 'json');
    expect(budget.code, budget.stderr).toBe(0);
    expect(budget.stdout).toMatch(/queriesRemaining/);
  }, 120_000);
});
