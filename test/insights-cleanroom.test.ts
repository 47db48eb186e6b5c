import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { associate } from '../src/collaboration/associations.ts';
import { acceptCollaboration, createCollaboration } from '../src/collaboration/collaborations.ts';
import { mediaCollaboration } from './support/media-collaboration.ts';
import { createDataset } from '../src/collaboration/datasets.ts';
import { installInsights, runInsight } from '../src/collaboration/insights.ts';
import { createMember } from '../src/collaboration/members.ts';
import { createTable } from '../src/collaboration/tables.ts';
import { setApproval } from '../src/collaboration/template-approvals.ts';
import { Workspace } from '../src/collaboration/workspace.ts';
import type { CellValue } from '../src/engine/engine.ts';
import { ANALYSES } from '../src/insights/library.ts';
import { generatedTestData, openTestDb, runAnalysis, type GeneratedTestData, type TestDb } from '../src/insights/test-support.ts';

/**
 * Every analysis of the library through the whole clean room (template, approvals,
 * parameter binding, custom-rule validation with disallowed output columns, sealed
 * engine) gives exactly the rows of the same question asked of plain DuckDB.
 */
const TABLES = {
  customers: { owner: 'brand', role: 'brand', table: 'customers' },
  conversions: { owner: 'brand', role: 'brand', table: 'conversions' },
  impressions: { owner: 'platform', role: 'platform1', table: 'impressions' },
  campaign_audience: { owner: 'platform', role: 'platform1', table: 'campaign_audience' },
  impressions_b: { owner: 'platform2', role: 'platform2', table: 'impressions' },
} as const;

const customRule = {
  v1: { custom: { allowedAnalyses: [], disallowedOutputColumns: ['email_address'] } },
};
const listRule = (listColumns: string[]): unknown => ({
  v1: { list: { joinColumns: ['email_address'], listColumns } },
});

function sorted(rows: readonly (readonly CellValue[])[]): string[] {
  return rows.map((r) => JSON.stringify(r)).sort();
}

describe('the insights library through the clean room', () => {
  let data: GeneratedTestData;
  let workspace: Workspace;
  let plain: TestDb;

  beforeAll(async () => {
    data = await generatedTestData({ seed: 11, scale: 20_000, platforms: 2 });
    plain = await openTestDb();
    workspace = await Workspace.open(join(data.dir, 'home'), { threads: 1, memoryLimit: '1GB' });
    for (const m of ['brand', 'platform', 'platform2']) await createMember(workspace.db, m);
    for (const [name, t] of Object.entries(TABLES)) {
      const reg = await createDataset(workspace, t.owner, name, [join(data.dir, t.role, t.table)]);
      await createTable(workspace.db, t.owner, name, name, reg.columns.map((c) => c.name), customRule);
    }
    await createTable(workspace.db, 'brand', 'customers_list', 'customers', undefined, listRule(['email_address', 'status', 'date_created']));
    await createTable(workspace.db, 'platform', 'impressions_list', 'impressions', undefined, listRule(['email_address']));
    await mediaCollaboration(workspace);
    for (const [name, t] of Object.entries(TABLES)) await associate(workspace.db, 'media', t.owner, name, name, undefined);
    await associate(workspace.db, 'media', 'brand', 'customers_list', 'customers_list', undefined);
    await associate(workspace.db, 'media', 'platform', 'impressions_list', 'impressions_list', undefined);
    const report = await installInsights(workspace, 'media', 'brand', {});
    expect(report.skipped.map((s) => s.analysis)).toEqual(['segment-export']);
    for (const template of report.installed) {
      for (const table of template.tables) {
        const owner = TABLES[table as keyof typeof TABLES].owner;
        await setApproval(workspace, 'media', template.name, owner, table, true);
      }
    }
    // Installing again changes nothing.
    const again = await installInsights(workspace, 'media', 'brand', {});
    expect(again.installed).toEqual([]);
  }, 120_000);

  afterAll(async () => {
    await workspace.close();
    plain.close();
    await data.remove();
  });

  for (const analysis of ANALYSES.filter((a) => a.rule === 'custom')) {
    it(`${analysis.name} gives the rows plain DuckDB gives`, async () => {
      const { outcome, finished } = await runInsight(workspace, analysis.name, 'media', 'brand', {});
      if (outcome.status !== 'succeeded' || !outcome.delivery) throw new Error(`${analysis.name}: ${JSON.stringify(outcome)}`);
      const expected = await runAnalysis(plain, analysis, data.tables);
      const got = finished ?? { columns: outcome.delivery.columns.map((c) => c.name), rows: outcome.delivery.rows };
      expect(got.columns).toEqual(expected.columns);
      expect(sorted(got.rows)).toEqual(sorted(expected.rows));
      expect(expected.rows.length).toBeGreaterThan(0);
    });
  }

  it('segment-export delivers the overlap list under the list rule', async () => {
    const { outcome } = await runInsight(workspace, 'segment-export', 'media', 'brand', { status: 'active' }, {
      tables: { customers: 'customers_list', impressions: 'impressions_list' },
    });
    if (outcome.status !== 'succeeded' || !outcome.delivery) throw new Error(JSON.stringify(outcome));
    const segment = ANALYSES.find((a) => a.name === 'segment-export');
    if (!segment) throw new Error('missing');
    const expected = await runAnalysis(plain, segment, data.tables, { status: 'active' });
    expect(sorted(outcome.delivery.rows)).toEqual(sorted(expected.rows));
  });

  it('conversion-lift runs the exposure comparison when the runner asks for it, with the note', async () => {
    const run = await runInsight(workspace, 'conversion-lift', 'media', 'brand', { design: 'exposure' });
    if (run.outcome.status !== 'succeeded' || !run.finished) throw new Error(JSON.stringify(run.outcome));
    expect(run.analysis).toBe('conversion-lift-exposure');
    expect(run.note).toMatch(/^as asked \(design=exposure\).*BIASED/);
    const exposure = ANALYSES.find((a) => a.name === 'conversion-lift-exposure');
    if (!exposure) throw new Error('missing');
    const expected = await runAnalysis(plain, exposure, data.tables);
    expect(sorted(run.finished.rows)).toEqual(sorted(expected.rows));
  });

  it('without a holdout table, conversion-lift falls back to exposed vs unexposed and says it is biased', async () => {
    await createCollaboration(
      workspace.db,
      'brand',
      'no-holdout',
      [
        { member: 'brand', query: true, receive: true },
        { member: 'platform', query: false, receive: false },
      ],
      true,
    );
    await acceptCollaboration(workspace.db, 'platform', 'no-holdout');
    for (const name of ['customers', 'conversions', 'impressions'] as const) {
      await associate(workspace.db, 'no-holdout', TABLES[name].owner, name, name, undefined);
    }
    const report = await installInsights(workspace, 'no-holdout', 'brand', {}, ['conversion-lift', 'conversion-lift-exposure']);
    expect(report.installed.map((t) => t.name)).toEqual(['conversion-lift-exposure']);
    expect(report.skipped).toEqual([
      {
        analysis: 'conversion-lift',
        reason: expect.stringMatching(/campaign_audience.*insights run conversion-lift` runs conversion-lift-exposure instead/),
      },
    ]);
    for (const table of report.installed[0]?.tables ?? []) {
      await setApproval(workspace, 'no-holdout', 'conversion-lift-exposure', TABLES[table as keyof typeof TABLES].owner, table, true);
    }
    const run = await runInsight(workspace, 'conversion-lift', 'no-holdout', 'brand', {});
    if (run.outcome.status !== 'succeeded' || !run.finished) throw new Error(JSON.stringify(run.outcome));
    expect(run.analysis).toBe('conversion-lift-exposure');
    expect(run.note).toMatch(/no conversion-lift template here.*BIASED/);
    const exposure = ANALYSES.find((a) => a.name === 'conversion-lift-exposure');
    if (!exposure) throw new Error('missing');
    const expected = await runAnalysis(plain, exposure, data.tables);
    expect(sorted(run.finished.rows)).toEqual(sorted(expected.rows));
    const design = run.finished.columns.indexOf('design');
    const caveat = run.finished.columns.indexOf('caveat');
    for (const row of run.finished.rows) {
      expect(row[design]).toBe('exposure');
      expect(String(row[caveat])).toMatch(/^BIASED/);
    }
    // Naming the holdout design never falls back silently.
    await expect(runInsight(workspace, 'conversion-lift', 'no-holdout', 'brand', { design: 'holdout' })).rejects.toThrow(/conversion-lift/);
  });
});
