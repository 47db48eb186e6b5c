import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliRun } from './support/run-cli.ts';

/**
 * The command-line contract of issue 2 and shared/CLI.md, through the real CLI process:
 * names and shapes of commands, JSON output, exit codes 0/1/2/3, who may act.
 */
describe('cleanroom CLI contract', () => {
  let dir: string;
  let home: string;
  const cli = (...args: string[]): CliRun => runCli(home, args);
  const json = <T>(run: CliRun): T => {
    expect(run.stderr, run.stderr).toBe('');
    return JSON.parse(run.stdout) as T;
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cr-cli-'));
    home = join(dir, 'home');
    // 6 brand customers; the platform saw 4 of them (a, b, c, d) plus 2 strangers.
    writeFileSync(
      join(dir, 'customers.csv'),
      'Email Address,State\nA@x.com ,CA\nb@x.com,CA\nc@x.com,CA\nd@x.com,NY\ne@x.com,NY\nf@x.com,NY\n',
    );
    writeFileSync(
      join(dir, 'impressions.csv'),
      'email_address,campaign_id,cost\na@x.com,c1,1.5\na@x.com,c1,1.5\nb@x.com,c1,2\nc@x.com,c2,1\nd@x.com,c2,1\ny@x.com,c1,3\nz@x.com,c2,3\n',
    );
    writeFileSync(
      join(dir, 'customers-rule.json'),
      JSON.stringify({
        v1: {
          aggregation: {
            aggregateColumns: [{ columnNames: ['email_address'], function: 'COUNT_DISTINCT' }],
            joinColumns: ['email_address'],
            dimensionColumns: ['state'],
            scalarFunctions: [],
            outputConstraints: [{ columnName: 'email_address', minimum: 2, type: 'COUNT_DISTINCT' }],
          },
        },
      }),
    );
    writeFileSync(
      join(dir, 'impressions-rule.json'),
      JSON.stringify({
        v1: {
          aggregation: {
            aggregateColumns: [
              { columnNames: ['email_address'], function: 'COUNT_DISTINCT' },
              { columnNames: ['cost'], function: 'SUM' },
            ],
            joinColumns: ['email_address'],
            joinRequired: 'QUERY_RUNNER',
            dimensionColumns: ['campaign_id'],
            scalarFunctions: [],
            outputConstraints: [{ columnName: 'email_address', minimum: 2, type: 'COUNT_DISTINCT' }],
          },
        },
      }),
    );
    writeFileSync(join(dir, 'bad-rule.json'), JSON.stringify({ v1: { aggregation: { aggregateColumns: [], joinColumnz: [] } } }));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('sets up members, datasets, tables and a collaboration', () => {
    expect(cli('member', 'create', 'brand').code).toBe(0);
    expect(cli('member', 'create', 'platform').code).toBe(0);
    const ds = json<{ version: number; rowCount: number; mapping: Record<string, string> }>(
      cli('dataset', 'create', 'brand', 'customers', join(dir, 'customers.csv'), '--normalize', 'email_address', '--format', 'json'),
    );
    expect(ds).toMatchObject({ version: 1, rowCount: 6, mapping: { 'Email Address': 'email_address', State: 'state' } });
    expect(cli('dataset', 'create', 'platform', 'impressions', join(dir, 'impressions.csv')).code).toBe(0);
    expect(cli('table', 'create', 'brand', 'customers', '--dataset', 'customers', '--rule', join(dir, 'customers-rule.json')).code).toBe(0);
    expect(
      cli('table', 'create', 'platform', 'impressions', '--dataset', 'impressions', '--rule', join(dir, 'impressions-rule.json')).code,
    ).toBe(0);
    expect(
      cli('collaboration', 'create', 'media', '--creator', 'brand', '--member', 'brand:query,receive', '--member', 'platform:receive').code,
    ).toBe(0);
  });

  it('refuses a bad rule with a diagnostic naming the field (exit 3)', () => {
    const run = cli('table', 'create', 'brand', 'bad', '--dataset', 'customers', '--rule', join(dir, 'bad-rule.json'));
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/joinColumnz/);
  });

  it('refuses to act for another member (exit 1, forbidden)', () => {
    const run = cli('dataset', 'show', 'platform', 'impressions', '--as', 'brand', '--format', 'json');
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ error: { code: 'forbidden' } });
  });

  it('gives usage errors exit 2', () => {
    expect(cli('query', 'run', 'media', '--as', 'brand').code).toBe(2);
    expect(cli('no-such-command').code).toBe(2);
    expect(cli('collaboration', 'create', 'x', '--creator', 'brand', '--member', 'brand:admin').code).toBe(2);
  });

  it('requires an invited member to accept before associating', () => {
    const before = cli('collaboration', 'associate', 'media', '--member', 'platform', '--table', 'impressions');
    expect(before.code).toBe(1);
    expect(before.stderr).toMatch(/has not accepted/);
    expect(cli('collaboration', 'accept', 'media', '--as', 'platform').code).toBe(0);
    expect(cli('collaboration', 'associate', 'media', '--member', 'platform', '--table', 'impressions').code).toBe(0);
    expect(cli('collaboration', 'associate', 'media', '--member', 'brand', '--table', 'customers', '--name', 'cust').code).toBe(0);
  });

  it('shows members the schemas and rules of associated tables, never statistics', () => {
    const shown = json<{ tables: { name: string; owner: string; columns: unknown[]; rule: unknown }[] }>(
      cli('collaboration', 'show', 'media', '--as', 'brand', '--format', 'json'),
    );
    expect(shown.tables.map((t) => t.name)).toEqual(['cust', 'impressions']);
    expect(JSON.stringify(shown)).not.toMatch(/nullCount|approxDistinct|x\.com/);
  });

  it('runs a query and prints the JSON contract with rows computed by hand', () => {
    // Overlap: a, b, c, d (a's email was normalised from "A@x.com ").
    const out = json<{ id: string; status: string; columns: string[]; rows: unknown[][]; location: string }>(
      cli(
        'query', 'run', 'media', '--as', 'brand', '--format', 'json', '--sql',
        'SELECT i.campaign_id, COUNT(DISTINCT i.email_address) AS people, SUM(i.cost) AS cost FROM impressions i ' +
          'INNER JOIN cust c ON i.email_address = c.email_address GROUP BY i.campaign_id ORDER BY i.campaign_id',
      ),
    );
    expect(out.status).toBe('succeeded');
    expect(out.columns).toEqual(['campaign_id', 'people', 'cost']);
    // c1: a (1.5 + 1.5), b (2) -> 2 people, 5.0; c2: c (1), d (1) -> 2 people, 2.0.
    expect(out.rows).toEqual([
      ['c1', 2, 5],
      ['c2', 2, 2],
    ]);
    expect(out.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(out.location).toMatch(/members\/brand\/results\/.+\.parquet$/);
  });

  it('refuses a query that breaks a rule: exit 3 and the refusal JSON, also with --dry-run', () => {
    const sql = 'SELECT i.email_address, COUNT(DISTINCT i.campaign_id) FROM impressions i INNER JOIN cust c ON i.email_address = c.email_address GROUP BY i.email_address';
    for (const extra of [[], ['--dry-run']]) {
      const run = cli('query', 'run', 'media', '--as', 'brand', '--format', 'json', '--sql', sql, ...extra);
      expect(run.code).toBe(3);
      const out = JSON.parse(run.stdout) as { status: string; error: { code: string; table: string; fragment: string } };
      expect(out.status).toBe('refused');
      expect(out.error.table).toBe('impressions');
      expect(out.error.fragment).toContain('email_address');
    }
  });

  it('prints the SQL that would run on --dry-run, without running it', () => {
    const out = json<{ status: string; sql: string }>(
      cli('query', 'run', 'media', '--as', 'brand', '--format', 'json', '--dry-run', '--sql',
        'SELECT COUNT(DISTINCT i.email_address) FROM impressions i INNER JOIN cust c ON i.email_address = c.email_address'),
    );
    expect(out.status).toBe('accepted');
    expect(out.sql).toMatch(/count\(DISTINCT/i);
    expect(out.sql).toMatch(/>= 2/);
  });

  it('suppresses rows below the threshold without saying so', () => {
    // State NY customers reached: only d -> 1 person < 2: the row disappears.
    const out = json<{ rows: unknown[][] }>(
      cli('query', 'run', 'media', '--as', 'brand', '--format', 'json', '--sql',
        'SELECT c.state, COUNT(DISTINCT i.email_address) AS n FROM impressions i INNER JOIN cust c ON i.email_address = c.email_address GROUP BY c.state'),
    );
    expect(out.rows).toEqual([['CA', 3]]);
  });

  it('sends results to another receiver only as {id, status}', () => {
    const out = json<Record<string, unknown>>(
      cli('query', 'run', 'media', '--as', 'brand', '--receiver', 'platform', '--format', 'json', '--sql',
        'SELECT COUNT(DISTINCT i.email_address) AS n FROM impressions i INNER JOIN cust c ON i.email_address = c.email_address'),
    );
    expect(Object.keys(out).sort()).toEqual(['id', 'status']);
    const received = json<{ rowCount: number }[]>(cli('results', 'list', '--as', 'platform', '--format', 'json'));
    expect(received).toHaveLength(1);
  });

  it('prints CSV with a header and NULL as an empty field', () => {
    const run = cli('query', 'run', 'media', '--as', 'brand', '--format', 'csv', '--sql',
      'SELECT i.campaign_id, COUNT(DISTINCT i.email_address) AS n FROM impressions i INNER JOIN cust c ON i.email_address = c.email_address GROUP BY i.campaign_id ORDER BY i.campaign_id');
    expect(run.stdout).toBe('campaign_id,n\nc1,2\nc2,2\n');
  });

  it('shows the query log to the table owner, without the runner-only figures', () => {
    const logs = json<{ runner: string; status: string; tables: string[]; rowCount?: number; tableStats?: Record<string, unknown> }[]>(
      cli('query', 'logs', 'media', '--as', 'platform', '--format', 'json'),
    );
    expect(logs.length).toBeGreaterThanOrEqual(5);
    expect(logs.some((l) => l.status === 'refused')).toBe(true);
    const withStats = logs.filter((l) => l.tableStats);
    expect(withStats.length).toBeGreaterThan(0);
    for (const l of withStats) expect(Object.keys(l.tableStats ?? {})).toEqual(['impressions']);
    const own = json<{ runner: string }[]>(cli('query', 'list', 'media', '--as', 'brand', '--format', 'json'));
    expect(own.every((q) => q.runner === 'brand')).toBe(true);
  });

  it('refuses clean-up while something depends on it', () => {
    expect(cli('dataset', 'delete', 'platform', 'impressions').stderr).toMatch(/dataset-in-use/);
    expect(cli('table', 'delete', 'platform', 'impressions').stderr).toMatch(/table-in-use/);
    expect(cli('collaboration', 'leave', 'media', '--as', 'platform').stderr).toMatch(/tables-still-associated/);
    expect(cli('collaboration', 'delete', 'media', '--as', 'platform').stderr).toMatch(/only the creator/);
  });

  it('cleans up in order, keeping delivered results with their receiver', () => {
    expect(cli('collaboration', 'disassociate', 'media', '--member', 'platform', '--name', 'impressions').code).toBe(0);
    expect(cli('table', 'delete', 'platform', 'impressions').code).toBe(0);
    expect(cli('dataset', 'delete', 'platform', 'impressions').code).toBe(0);
    expect(cli('collaboration', 'leave', 'media', '--as', 'platform').code).toBe(0);
    expect(cli('collaboration', 'delete', 'media', '--as', 'brand').code).toBe(0);
    const results = json<{ id: string }[]>(cli('results', 'list', '--as', 'brand', '--format', 'json'));
    expect(results.length).toBeGreaterThan(0);
    const first = results[0]!.id;
    expect(cli('results', 'delete', first, '--as', 'platform').code).toBe(1);
    expect(cli('results', 'delete', first, '--as', 'brand').code).toBe(0);
    const after = json<{ id: string }[]>(cli('results', 'list', '--as', 'brand', '--format', 'json'));
    expect(after.map((r) => r.id)).not.toContain(first);
  });

  it('generates synthetic media data for a brand and N platforms', () => {
    const out = json<{ files: { role: string; table: string; rows: number }[] }>(
      cli('generate', '--out', join(dir, 'gen'), '--scale', '3000', '--platforms', '2', '--seed', '5', '--format', 'json'),
    );
    const tables = out.files.map((f) => `${f.role}/${f.table}`);
    for (const t of ['brand/customers', 'brand/conversions', 'platform1/impressions', 'platform2/impressions', 'platform1/campaign_audience']) {
      expect(tables).toContain(t);
    }
    const impressions = out.files.filter((f) => f.table === 'impressions').reduce((n, f) => n + f.rows, 0);
    expect(impressions).toBe(3000);
    expect(cli('generate', '--out', join(dir, 'gen'), '--scale', 'lots').code).toBe(2);
  });
});
