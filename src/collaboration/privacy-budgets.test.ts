import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { epsilonUnit, queryCost, type BudgetSettings } from '../privacy/budget.ts';
import { associate } from './associations.ts';
import { acceptCollaboration, createCollaboration } from './collaborations.ts';
import { createDataset } from './datasets.ts';
import { CleanroomError } from './errors.ts';
import { createMember } from './members.ts';
import { getBudget, reserveBudget, setBudget, settleBudget, type ReserveRequest } from './privacy-budgets.ts';
import { budgetReport, previewBudget, previewForCollaboration, type MemberTableBudget, type OwnedTableBudget } from './privacy-budget-report.ts';
import { createTable, findTableId } from './tables.ts';
import { Workspace } from './workspace.ts';

const DP_RULE = {
  v1: {
    custom: {
      allowedAnalyses: ['ANY_QUERY'],
      allowedAnalysisProviders: ['brand'],
      differentialPrivacy: { columns: [{ name: 'email_address' }] },
    },
  },
};
const PLAIN_RULE = { v1: { custom: { allowedAnalyses: ['ANY_QUERY'], allowedAnalysisProviders: ['brand'] } } };

const settings = (over: Partial<BudgetSettings> = {}): BudgetSettings => ({
  epsilon: 1,
  delta: 1e-6,
  usersNoisePerQuery: 30,
  refresh: 'none',
  ...over,
});
// COUNT with private partition selection at 30 users of noise: 2 units = 2 ln 20 / 30.
const COUNT_COST = (2 * Math.log(20)) / 30;
const JAN = new Date('2026-01-10T12:00:00Z');

async function expectProblem(promise: Promise<unknown>, kind: string, code: string): Promise<CleanroomError> {
  const e = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!(e instanceof CleanroomError)) throw new Error(`expected a CleanroomError, got ${String(e)}`);
  expect(e.kind).toBe(kind);
  expect(e.diagnostic.code).toBe(code);
  return e;
}

describe('privacy budgets and the ledger', () => {
  let dir: string;
  let ws: Workspace;
  let queryNumber = 0;
  const id = (owner: string, table: string): Promise<number> => findTableId(ws.db, owner, table);
  const reserve = async (tables: readonly number[], over: Partial<ReserveRequest> = {}) =>
    reserveBudget(ws, {
      queryId: `q${++queryNumber}`,
      runner: 'brand',
      tableIds: tables,
      kinds: ['COUNT'],
      partitionSelection: true,
      now: JAN,
      ...over,
    });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cr-budget-'));
    const csv = join(dir, 'events.csv');
    writeFileSync(csv, 'email_address,campaign_id\na,c1\nb,c1\nc,c2\n');
    ws = await Workspace.open(join(dir, 'home'), { threads: 1, memoryLimit: '1GB' });
    for (const m of ['brand', 'platform', 'agency', 'outsider']) await createMember(ws.db, m);
    await createDataset(ws, 'platform', 'events', [csv]);
    await createDataset(ws, 'brand', 'events', [csv]);
    const columns = ['email_address', 'campaign_id'];
    for (const t of ['impressions', 'exhaust', 'atomic', 'refund', 'monthly', 'edits', 'switch']) {
      await createTable(ws.db, 'platform', t, 'events', columns, DP_RULE);
    }
    await createTable(ws.db, 'platform', 'plain', 'events', columns, PLAIN_RULE);
    await createTable(ws.db, 'brand', 'customers', 'events', columns, DP_RULE);
    await createCollaboration(ws.db, 'brand', 'media', [
      { member: 'brand', query: true, receive: true },
      { member: 'platform', query: false, receive: false },
    ], true);
    await acceptCollaboration(ws.db, 'platform', 'media');
    await createCollaboration(ws.db, 'agency', 'other', [
      { member: 'agency', query: true, receive: true },
      { member: 'platform', query: false, receive: false },
    ], true);
    await acceptCollaboration(ws.db, 'platform', 'other');
    await associate(ws.db, 'media', 'platform', 'impressions', 'imp', undefined);
    await associate(ws.db, 'media', 'platform', 'plain', undefined, undefined);
    await associate(ws.db, 'media', 'brand', 'customers', undefined, undefined);
    await associate(ws.db, 'other', 'platform', 'impressions', undefined, undefined);
  });
  afterAll(async () => {
    await ws.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lets the owner set a budget, stored per table, with warnings where they matter', async () => {
    const set = await setBudget(ws, 'platform', 'impressions', settings({ epsilon: 3 }));
    expect(set.warnings).toEqual([]);
    expect(await getBudget(ws.db, await id('platform', 'impressions'))).toEqual(settings({ epsilon: 3 }));
    const monthly = await setBudget(ws, 'platform', 'monthly', settings({ epsilon: 0.5, refresh: 'monthly' }), JAN);
    expect(monthly.warnings.join('\n')).toMatch(/^refreshing budgets leaks over time: every month allows another epsilon 0\.5/);
    const plain = await setBudget(ws, 'platform', 'plain', settings());
    expect(plain.warnings.join('\n')).toMatch(/has no differentialPrivacy in its rule/);
    const tiny = await setBudget(ws, 'platform', 'switch', settings({ epsilon: 0.1 }));
    expect(tiny.warnings.join('\n')).toMatch(/no query can run/);
    await setBudget(ws, 'platform', 'switch', settings({ epsilon: 1 }));
  });

  it('refuses anyone but the owner and out-of-range settings', async () => {
    await expectProblem(setBudget(ws, 'brand', 'impressions', settings()), 'not-found', 'unknown-table');
    await expectProblem(setBudget(ws, 'nobody', 'impressions', settings()), 'not-found', 'unknown-member');
    const bad = await expectProblem(setBudget(ws, 'platform', 'impressions', settings({ epsilon: 25 })), 'invalid', 'privacy-budget-invalid');
    expect(bad.message).toMatch(/^epsilon: must be a number from 0\.01 to 20/);
  });

  it('refuses a query on a table without a budget, telling who must set it', async () => {
    const r = await reserve([await id('brand', 'customers')]);
    if (r.ok) throw new Error('expected a refusal');
    expect(r.error).toMatchObject({ code: 'privacy-budget-missing', table: 'customers' });
    expect(r.error.message).toMatch(/the owner of customers \(brand\) must set a budget/);
    expect(r.error.hint).toBe('the owner runs: cleanroom privacy set-budget customers --as brand --epsilon <E>');
  });

  it('reserves until exactly floor(total / cost) queries fit, then refuses saying what is left and needed', async () => {
    await setBudget(ws, 'platform', 'exhaust', settings({ epsilon: 1 }));
    const table = await id('platform', 'exhaust');
    const outcomes = [];
    for (let i = 0; i < 6; i++) outcomes.push(await reserve([table], { tableNames: { [table]: 'exh' } }));
    // 1 / 0.199715 = 5.007: five fit.
    expect(outcomes.slice(0, 5).every((o) => o.ok)).toBe(true);
    const first = outcomes[0];
    if (!first?.ok) throw new Error('expected a reservation');
    expect(first.cost.epsilon).toBeCloseTo(COUNT_COST, 12);
    expect(first.cost.delta).toBeCloseTo(1e-6 * COUNT_COST, 18);
    expect(first.unit).toBeCloseTo(epsilonUnit(30), 12);
    expect(first.period).toBe('all');
    const last = outcomes[5];
    if (!last || last.ok) throw new Error('expected a refusal');
    expect(last.error.code).toBe('privacy-budget-exhausted');
    expect(last.error.table).toBe('exh');
    expect(last.error.message).toBe(
      "the privacy budget of table 'exh' has epsilon 0.001423 left of 1 (period all); this query needs 0.1997 " +
        '(COUNT + private partition selection, at 0.09986 epsilon per unit)',
    );
    expect(last.error.hint).toMatch(/only the owner \(platform\) can raise it/);
    const rows = await ws.db.selectFrom('privacy_ledger').selectAll().where('table_id', '=', table).execute();
    expect(rows).toHaveLength(5);
    expect(rows.every((r) => r.status === 'reserved' && r.period === 'all' && r.kinds_json === '["COUNT"]')).toBe(true);
  });

  it('uses the smallest unit of the tables read and reserves on all of them or on none', async () => {
    await setBudget(ws, 'platform', 'atomic', settings({ epsilon: 1, usersNoisePerQuery: 100, delta: 1e-7 }));
    const atomic = await id('platform', 'atomic');
    const exhausted = await id('platform', 'exhaust');
    const before = await ws.db.selectFrom('privacy_ledger').select('id').where('table_id', '=', atomic).execute();
    const refused = await reserve([atomic, exhausted]);
    expect(refused.ok).toBe(false);
    // The table with room got nothing either.
    expect(await ws.db.selectFrom('privacy_ledger').select('id').where('table_id', '=', atomic).execute()).toEqual(before);

    const impressions = await id('platform', 'impressions'); // 30 users of noise, epsilon 3, delta 1e-6
    const both = await reserve([impressions, atomic, atomic], { kinds: ['AVG'] });
    if (!both.ok) throw new Error(JSON.stringify(both));
    expect(both.unit).toBeCloseTo(epsilonUnit(100), 12); // more noise: safe for both owners
    expect(both.cost.epsilon).toBeCloseTo((3 * Math.log(20)) / 100, 12);
    // delta: the smaller of 1e-6/3 (impressions) and 1e-7/1 (atomic) per unit of epsilon.
    expect(both.cost.delta).toBeCloseTo(1e-7 * both.cost.epsilon, 20);
    expect(both.cost).toEqual(queryCost(['AVG'], true, settings({ delta: 1e-7 }), epsilonUnit(100)));
    const rows = await ws.db.selectFrom('privacy_ledger').selectAll().where('query_id', '=', `q${queryNumber}`).execute();
    expect(rows.map((r) => r.table_id).sort()).toEqual([impressions, atomic].sort());
  });

  it('refunds a failed query, keeps a released one spent, and never un-spends', async () => {
    await setBudget(ws, 'platform', 'refund', settings({ epsilon: 0.4 })); // 2 grouped counts
    const table = await id('platform', 'refund');
    const a = await reserve([table], { queryId: 'r-a' });
    const b = await reserve([table], { queryId: 'r-b' });
    expect([a.ok, b.ok]).toEqual([true, true]);
    expect((await reserve([table], { queryId: 'r-c' })).ok).toBe(false);
    expect(await settleBudget(ws, 'r-a', 'refunded')).toBe(1);
    expect(await settleBudget(ws, 'r-b', 'spent')).toBe(1);
    expect(await settleBudget(ws, 'r-b', 'spent')).toBe(0);
    expect(await settleBudget(ws, 'no-such-query', 'spent')).toBe(0);
    await expect(settleBudget(ws, 'r-b', 'refunded')).rejects.toThrow(/Internal error: query r-b is already spent/);
    await expect(reserve([table], { queryId: 'r-a' })).rejects.toThrow(/Internal error: query r-a has already reserved/);
    // The refund made room for exactly one more.
    expect((await reserve([table], { queryId: 'r-d' })).ok).toBe(true);
    expect((await reserve([table], { queryId: 'r-e' })).ok).toBe(false);
    const statuses = await ws.db.selectFrom('privacy_ledger').select(['query_id', 'status', 'settled_at']).where('table_id', '=', table).orderBy('id').execute();
    expect(statuses.map((s) => [s.query_id, s.status])).toEqual([['r-a', 'refunded'], ['r-b', 'spent'], ['r-d', 'reserved']]);
    expect(statuses[0]?.settled_at).not.toBeNull();
  });

  it('refreshes a monthly budget on the first of each UTC month', async () => {
    const table = await id('platform', 'monthly'); // epsilon 0.5: two grouped counts a month
    const at = (iso: string) => reserve([table], { now: new Date(iso) });
    expect((await at('2026-01-01T00:00:00Z')).ok).toBe(true);
    const second = await at('2026-01-31T23:59:59Z');
    expect(second.ok && second.period).toBe('2026-01');
    const refused = await at('2026-01-31T23:59:59.999Z');
    if (refused.ok) throw new Error('expected a refusal');
    expect(refused.error.message).toMatch(/period 2026-01/);
    expect(refused.error.hint).toMatch(/the budget refreshes at 2026-02-01T00:00:00\.000Z/);
    expect((await at('2026-02-01T00:00:00Z')).ok).toBe(true);
    expect((await at('2026-02-15T00:00:00Z')).ok).toBe(true);
    expect((await at('2026-02-28T00:00:00Z')).ok).toBe(false);
    const periods = await ws.db.selectFrom('privacy_ledger').select('period').where('table_id', '=', table).orderBy('id').execute();
    expect(periods.map((p) => p.period)).toEqual(['2026-01', '2026-01', '2026-02', '2026-02']);
  });

  it('never resets spending by editing the budget', async () => {
    const table = await id('platform', 'edits');
    await setBudget(ws, 'platform', 'edits', settings({ epsilon: 1 }));
    for (let i = 0; i < 5; i++) expect((await reserve([table])).ok).toBe(true);
    expect((await reserve([table])).ok).toBe(false);
    // Same settings again, more noise, monthly: the spending stays.
    await setBudget(ws, 'platform', 'edits', settings({ epsilon: 1 }));
    expect((await reserve([table])).ok).toBe(false);
    const lowered = await setBudget(ws, 'platform', 'edits', settings({ epsilon: 0.5 }), JAN);
    expect(lowered.warnings.join('\n')).toMatch(/epsilon 0\.9986 is already spent in period all: no query can run until the period ends/);
    // Raising epsilon alone leaves 0.0014 of delta 1e-6: grouped queries get a sliver of it.
    const raised = await setBudget(ws, 'platform', 'edits', settings({ epsilon: 1.2 }));
    expect(raised.warnings.join('\n')).toMatch(/delta 9\.986e-7 of 0\.000001 is already spent in period all: .*raise --delta/);
    const sliver = await reserve([table]); // 0.2 more: exactly one grouped count
    if (!sliver.ok) throw new Error(JSON.stringify(sliver));
    // Its delta is what is left in proportion to the epsilon left, never the whole 1e-6 / 1.2 share.
    const deltaLeft = 1e-6 - 5 * 1e-6 * COUNT_COST;
    expect(sliver.cost.delta).toBeCloseTo((deltaLeft * COUNT_COST) / (1.2 - 5 * COUNT_COST), 20);
    expect((await reserve([table])).ok).toBe(false);
    // Public group keys spend no delta, but epsilon is gone too.
    expect((await reserve([table], { partitionSelection: false })).ok).toBe(false);
  });

  it('refuses private group keys once delta is spent, even with epsilon left', async () => {
    const table = await id('platform', 'edits');
    // The owner lowers delta below what 6 grouped counts already spent.
    await setBudget(ws, 'platform', 'edits', settings({ epsilon: 3, delta: 5e-7 }));
    const r = await reserve([table]);
    if (r.ok) throw new Error('expected a refusal');
    expect(r.error.message).toMatch(/has epsilon 1\.802 left of 3 \(period all\) and no delta left for private group keys/);
    // Without partition selection (public group keys) the query fits.
    expect((await reserve([table], { partitionSelection: false })).ok).toBe(true);
  });

  it('counts spending by when it happened when the refresh setting changes', async () => {
    const table = await id('platform', 'switch'); // epsilon 1, never refreshed
    expect((await reserve([table], { now: new Date('2025-12-20T00:00:00Z') })).ok).toBe(true);
    for (let i = 0; i < 3; i++) expect((await reserve([table], { now: JAN })).ok).toBe(true);
    await setBudget(ws, 'platform', 'switch', settings({ epsilon: 1, refresh: 'monthly' }), JAN);
    // January already holds 3 of 5: two more fit this month; December's is behind.
    expect((await reserve([table], { now: JAN })).ok).toBe(true);
    expect((await reserve([table], { now: JAN })).ok).toBe(true);
    expect((await reserve([table], { now: JAN })).ok).toBe(false);
    // Back to never refreshing: every month counts again (6 grouped counts, 1.198 of 1.6).
    await setBudget(ws, 'platform', 'switch', settings({ epsilon: 1.6, delta: 2e-6 }), JAN);
    const march = new Date('2026-03-01T00:00:00Z');
    expect((await reserve([table], { now: march })).ok).toBe(true);
    expect((await reserve([table], { now: march })).ok).toBe(true); // 8 x 0.1997 = 1.598
    expect((await reserve([table], { now: march })).ok).toBe(false);
  });

  it('shows an owner its ledger across collaborations and a runner only what it may still run', async () => {
    const impressions = await id('platform', 'impressions');
    await ws.db
      .insertInto('queries')
      .values({
        id: 'q-other',
        collaboration_id: (await ws.db.selectFrom('collaborations').select('id').where('name', '=', 'other').executeTakeFirstOrThrow()).id,
        runner: 'agency',
        receiver: 'agency',
        sql_text: 'SELECT 1',
        status: 'succeeded',
        tables_json: '[]',
        row_count: null,
        duration_ms: null,
        table_stats_json: null,
        internal_error: null,
        worker_pid: null,
        template_id: null,
        parameters_json: null,
        delivery_json: null,
        submitted_at: JAN.toISOString(),
        started_at: null,
        finished_at: null,
      })
      .execute();
    expect((await reserve([impressions], { queryId: 'q-other', runner: 'agency', kinds: ['SUM'] })).ok).toBe(true);
    await settleBudget(ws, 'q-other', 'spent');

    const owner = await budgetReport(ws, 'media', 'platform', JAN);
    expect(owner.tables.map((t) => [t.table, t.view])).toEqual([['customers', 'member'], ['imp', 'owner']]); // not `plain`
    const imp = owner.tables.find((t): t is OwnedTableBudget => t.view === 'owner');
    if (!imp) throw new Error('expected the owner view');
    expect(imp).toMatchObject({ configuredTable: 'impressions', settings: settings({ epsilon: 3 }), period: 'all' });
    // Spent so far on impressions: one AVG at unit ln20/100 (3 units), one SUM+group at ln20/30 (2 units).
    const spent = (3 * Math.log(20)) / 100 + COUNT_COST;
    expect(imp.spentEpsilon).toBeCloseTo(spent, 12);
    expect(imp.remainingEpsilon).toBeCloseTo(3 - spent, 12);
    expect(imp.queriesRemaining.COUNT).toBe(Math.floor((3 - spent) / COUNT_COST)); // 2.71 / 0.1997 = 13
    expect(imp.queriesRemaining.COUNT).toBe(13);
    expect(imp.ledger.map((e) => [e.queryId, e.collaboration, e.runner, e.status, e.kinds])).toEqual([
      [expect.stringMatching(/^q\d+$/), null, 'brand', 'reserved', ['AVG']],
      ['q-other', 'other', 'agency', 'spent', ['SUM']],
    ]);

    const runner = await budgetReport(ws, 'media', 'brand', JAN);
    const seen = runner.tables.find((t): t is MemberTableBudget => t.view === 'member' && t.table === 'imp');
    expect(seen).toEqual({ view: 'member', table: 'imp', budgetSet: true, queriesRemaining: imp.queriesRemaining });
    expect(Object.keys(seen ?? {}).sort()).toEqual(['budgetSet', 'queriesRemaining', 'table', 'view']);
    const own = runner.tables.find((t) => t.table === 'customers');
    expect(own).toMatchObject({ view: 'owner', settings: null, remainingEpsilon: 0, ledger: [] });

    await expectProblem(budgetReport(ws, 'media', 'outsider'), 'forbidden', 'forbidden');
    await expectProblem(budgetReport(ws, 'nope', 'brand'), 'not-found', 'unknown-collaboration');
  });

  it('previews a fresh budget without spending', async () => {
    expect(previewBudget(settings({ epsilon: 3 }))).toEqual({ COUNT: 15, COUNT_DISTINCT: 15, SUM: 15, AVG: 10, STDDEV: 7 });
    const before = await ws.db.selectFrom('privacy_ledger').select('id').execute();
    const preview = await previewForCollaboration(ws, 'media', 'brand', settings({ epsilon: 3, usersNoisePerQuery: 60 }));
    // Twice the noise halves the unit: 3 / (2 ln 20 / 60) = 30.04.
    expect(preview.queries.COUNT).toBe(30);
    expect(preview.unit).toBeCloseTo(Math.log(20) / 60, 12);
    expect(await ws.db.selectFrom('privacy_ledger').select('id').execute()).toEqual(before);
    await expectProblem(previewForCollaboration(ws, 'media', 'outsider', settings()), 'forbidden', 'forbidden');
  });
});
