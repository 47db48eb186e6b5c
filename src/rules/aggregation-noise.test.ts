import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalysisRule } from './rule-types.ts';
import { aggregationContext, impressionsAgg } from './test-fixtures.ts';
import { CustomChecker } from './custom-test-fixtures.ts';

let checker: CustomChecker;
beforeAll(async () => {
  checker = await CustomChecker.create();
});
afterAll(() => checker.close());

/** The platform's impressions in noise mode: cost bounded to [0, 2]. */
const noisy: AnalysisRule = {
  ...(impressionsAgg as Extract<AnalysisRule, { kind: 'aggregation' }>),
  differentialPrivacy: { columns: [{ name: 'email_address' }], bounds: [{ columnName: 'cost', lower: 0, upper: 2 }] },
};
const ctx = aggregationContext({ impressions: noisy });
const JOIN = 'FROM impressions i INNER JOIN customers c ON i.email_address = c.email_address';

describe('aggregationNoise', () => {
  it('runs an aggregation query on a noise-mode table through the DP planner, clamping SUM to the owner\'s bounds', async () => {
    const r = await checker.check(`SELECT i.device_type, COUNT(DISTINCT i.email_address) AS reach, SUM(i.cost) AS spend ${JOIN} GROUP BY i.device_type`, ctx);
    if (!r.ok) throw new Error(r.error.message);
    const dp = r.value.dp;
    expect(dp?.tables).toEqual(['impressions']);
    expect(dp?.outputs.map((o) => (o.kind === 'key' ? 'key' : o.aggregate.kind))).toEqual(['key', 'COUNT_DISTINCT', 'SUM']);
    const spend = dp?.outputs[2];
    expect(spend?.kind === 'aggregate' ? [spend.aggregate.lower, spend.aggregate.upper] : []).toEqual([
      { kind: 'literal', value: { type: 'decimal', value: '0' } },
      { kind: 'literal', value: { type: 'decimal', value: '2' } },
    ]);
    // The owners' output constraints (customers 100, impressions 50) become a minimum on the noisy count.
    expect(dp?.minimumUsers).toBe(100);
  });

  it('leaves queries on tables without noise mode exact', async () => {
    const r = await checker.check(`SELECT i.device_type, COUNT(DISTINCT i.email_address) AS reach ${JOIN} GROUP BY i.device_type`, aggregationContext());
    expect(r.ok && r.value.dp).toBe(undefined);
  });

  it('refuses SUM of a column the owner gave no bounds for', async () => {
    const unbounded = aggregationContext({ impressions: { ...noisy, differentialPrivacy: { columns: [{ name: 'email_address' }], bounds: [] } } });
    const r = await checker.check(`SELECT i.device_type, SUM(i.cost) AS spend ${JOIN} GROUP BY i.device_type`, unbounded);
    expect(r.ok ? 'accepted' : r.error.code).toBe('dp-unbounded');
    expect(r.ok ? '' : r.error.message).toMatch(/^aggregation rule: /);
  });
});
