import { describe, expect, it } from 'vitest';
import {
  AGGREGATE_UNITS,
  answerPeriod,
  budgetPeriod,
  budgetWindow,
  epsilonUnit,
  fitsBudget,
  fromCloudParameters,
  queriesRemaining,
  queryCost,
  validateBudgetSettings,
  type BudgetSettings,
} from './budget.ts';

// ln 20, worked out independently: 20 = e^2.995732273553991.
const LN20 = 2.995732273553991;
const settings = (over: Partial<BudgetSettings> = {}): BudgetSettings => ({
  epsilon: 3,
  delta: 1e-6,
  usersNoisePerQuery: 30,
  refresh: 'none',
  ...over,
});

describe('epsilon unit', () => {
  it('is ln 20 / N: a sensitivity-1 count then has a 95% error of N users', () => {
    expect(epsilonUnit(30)).toBeCloseTo(0.0998577424518, 12);
    expect(epsilonUnit(10)).toBeCloseTo(0.2995732273554, 12);
    expect(epsilonUnit(100)).toBeCloseTo(0.0299573227355, 12);
    // Laplace scale b = 1/unit: P(|noise| > N) = exp(-N / b) = exp(-ln 20) = 5%.
    const b = 1 / epsilonUnit(30);
    expect(Math.exp(-30 / b)).toBeCloseTo(0.05, 12);
    expect(Math.exp(LN20)).toBeCloseTo(20, 10);
  });

  it('refuses a non-positive noise level as a bug', () => {
    expect(() => epsilonUnit(0)).toThrow(/Internal error/);
  });
});

describe('query cost', () => {
  it('counts units: AVG is a noisy sum and a noisy count, STDDEV three statistics', () => {
    expect(AGGREGATE_UNITS).toEqual({ COUNT: 1, COUNT_DISTINCT: 1, SUM: 1, AVG: 2, STDDEV: 3 });
  });

  it('AVG with private partition selection costs 3 units and delta in proportion to epsilon', () => {
    const cost = queryCost(['AVG'], true, settings());
    expect(cost.epsilon).toBeCloseTo((3 * LN20) / 30, 12); // 0.29957
    // delta/epsilon of the budget = 1e-6 / 3 per unit of epsilon.
    expect(cost.delta).toBeCloseTo((1e-6 * 0.2995732273554) / 3, 18);
  });

  it('spends no delta without partition selection (public group keys)', () => {
    const cost = queryCost(['COUNT', 'SUM'], false, settings());
    expect(cost.epsilon).toBeCloseTo((2 * LN20) / 30, 12);
    expect(cost.delta).toBe(0);
  });

  it('takes the unit it is given (the smallest of the tables a query reads)', () => {
    const cost = queryCost(['COUNT_DISTINCT', 'STDDEV'], true, settings(), epsilonUnit(100));
    expect(cost.epsilon).toBeCloseTo((5 * LN20) / 100, 12);
  });

  it('a whole budget spent query by query uses exactly the whole delta', () => {
    const s = settings({ epsilon: 1 });
    const cost = queryCost(['COUNT'], true, s);
    const n = 1 / cost.epsilon;
    expect(cost.delta * n).toBeCloseTo(s.delta, 18);
  });
});

describe('queries remaining', () => {
  it('counts grouped one-aggregate queries that fit, worked by hand for epsilon 1 and 3', () => {
    // epsilon 1, N 30: unit 0.099858; COUNT+group = 0.199715 -> 5; AVG 0.299573 -> 3; STDDEV 0.399431 -> 2.
    expect(queriesRemaining(1, settings({ epsilon: 1 }))).toEqual({ COUNT: 5, COUNT_DISTINCT: 5, SUM: 5, AVG: 3, STDDEV: 2 });
    // epsilon 3: 15.02 -> 15; 10.01 -> 10; 7.51 -> 7.
    expect(queriesRemaining(3, settings())).toEqual({ COUNT: 15, COUNT_DISTINCT: 15, SUM: 15, AVG: 10, STDDEV: 7 });
  });

  it('an exact fit counts despite floating-point rounding; nothing left is zero', () => {
    const cost = queryCost(['COUNT'], true, settings()).epsilon;
    let sum = 0;
    for (let i = 0; i < 7; i++) sum += cost;
    expect(queriesRemaining(sum, settings()).COUNT).toBe(7);
    expect(queriesRemaining(0, settings())).toEqual({ COUNT: 0, COUNT_DISTINCT: 0, SUM: 0, AVG: 0, STDDEV: 0 });
    expect(queriesRemaining(-1, settings()).COUNT).toBe(0);
  });

  it('fitsBudget allows an exact fit and refuses anything measurably over', () => {
    expect(0.1 + 0.2).toBeGreaterThan(0.3);
    expect(fitsBudget(0.1, 0.2, 0.3)).toBe(true);
    expect(fitsBudget(0.1, 0.2 + 1e-9, 0.3)).toBe(false);
  });
});

describe('periods', () => {
  it('is all without refresh, the UTC month with monthly refresh', () => {
    expect(budgetPeriod('none', new Date('2026-03-04T05:06:07Z'))).toBe('all');
    expect(budgetPeriod('monthly', new Date('2026-01-31T23:59:59.999Z'))).toBe('2026-01');
    expect(budgetPeriod('monthly', new Date('2026-02-01T00:00:00.000Z'))).toBe('2026-02');
    // 23:30 on 31 January in New York is already February in UTC.
    expect(budgetPeriod('monthly', new Date('2026-01-31T23:30:00-05:00'))).toBe('2026-02');
  });

  it('has a window from the first of the month to the first of the next, across a year end', () => {
    expect(budgetWindow('monthly', new Date('2025-12-15T12:00:00Z'))).toEqual({
      period: '2025-12',
      start: '2025-12-01T00:00:00.000Z',
      end: '2026-01-01T00:00:00.000Z',
    });
    expect(budgetWindow('none', new Date('2025-12-15T12:00:00Z'))).toEqual({ period: 'all' });
  });

  it('files an answer under the month only when every table refreshes monthly', () => {
    const now = new Date('2026-05-10T00:00:00Z');
    expect(answerPeriod(['monthly', 'monthly'], now)).toBe('2026-05');
    expect(answerPeriod(['monthly', 'none'], now)).toBe('all');
    expect(answerPeriod(['none'], now)).toBe('all');
  });
});

describe('validating settings', () => {
  it('fills in delta 1e-6, 30 users of noise and refresh none', () => {
    expect(validateBudgetSettings({ epsilon: '3' })).toEqual({
      ok: true,
      value: { epsilon: 3, delta: 1e-6, usersNoisePerQuery: 30, refresh: 'none' },
    });
    expect(validateBudgetSettings({ epsilon: 0.01, delta: '1e-3', usersNoisePerQuery: '100', refresh: 'monthly' })).toEqual({
      ok: true,
      value: { epsilon: 0.01, delta: 1e-3, usersNoisePerQuery: 100, refresh: 'monthly' },
    });
    expect(validateBudgetSettings({ epsilon: '20', usersNoisePerQuery: 10 }).ok).toBe(true);
  });

  it.each([
    [{}, 'epsilon', /required/],
    [{ epsilon: '0' }, 'epsilon', /from 0\.01 to 20/],
    [{ epsilon: '0.009' }, 'epsilon', /from 0\.01 to 20/],
    [{ epsilon: '20.5' }, 'epsilon', /not '20\.5'/],
    [{ epsilon: 'abc' }, 'epsilon', /not 'abc'/],
    [{ epsilon: '0x10' }, 'epsilon', /not '0x10'/],
    [{ epsilon: '' }, 'epsilon', /from 0\.01/],
    [{ epsilon: Number.NaN }, 'epsilon', /from 0\.01/],
    [{ epsilon: 1, delta: '0' }, 'delta', /greater than 0 and at most 0\.001/],
    [{ epsilon: 1, delta: '0.0011' }, 'delta', /at most 0\.001/],
    [{ epsilon: 1, delta: '-1e-6' }, 'delta', /greater than 0/],
    [{ epsilon: 1, usersNoisePerQuery: '9' }, 'usersNoisePerQuery', /from 10 to 100/],
    [{ epsilon: 1, usersNoisePerQuery: '101' }, 'usersNoisePerQuery', /from 10 to 100/],
    [{ epsilon: 1, usersNoisePerQuery: '30.5' }, 'usersNoisePerQuery', /whole number/],
    [{ epsilon: 1, refresh: 'weekly' }, 'refresh', /none or monthly, not 'weekly'/],
  ])('refuses %j naming the field and its range', (input, field, message) => {
    const checked = validateBudgetSettings(input);
    if (checked.ok) throw new Error('expected a refusal');
    expect(checked.error.code).toBe('privacy-budget-invalid');
    expect(checked.error.message.startsWith(`${field}: `)).toBe(true);
    expect(checked.error.message).toMatch(message);
    expect(checked.error.hint).toBeTruthy();
  });
});

describe("the cloud service's parameters", () => {
  it('are taken as they are: usersNoisePerQuery is our noise level, CALENDAR_MONTH is monthly', () => {
    expect(fromCloudParameters({ epsilon: 3, usersNoisePerQuery: 20 })).toEqual({
      ok: true,
      value: { epsilon: 3, delta: 1e-6, usersNoisePerQuery: 20, refresh: 'none' },
    });
    const template = {
      privacyBudgetType: 'DIFFERENTIAL_PRIVACY',
      autoRefresh: 'CALENDAR_MONTH',
      parameters: { differentialPrivacy: { epsilon: 20, usersNoisePerQuery: 100 } },
    };
    expect(fromCloudParameters(template)).toEqual({
      ok: true,
      value: { epsilon: 20, delta: 1e-6, usersNoisePerQuery: 100, refresh: 'monthly' },
    });
  });

  it.each([
    [{ epsilon: 0.5, usersNoisePerQuery: 20 }, /epsilon: must be a whole number from 1 to 20/],
    [{ epsilon: 21, usersNoisePerQuery: 20 }, /epsilon: must be a whole number from 1 to 20/],
    [{ epsilon: 2, usersNoisePerQuery: 5 }, /usersNoisePerQuery: must be a whole number from 10 to 100/],
    [{ epsilon: 2, usersNoisePerQuery: '20' }, /usersNoisePerQuery/],
    [{ epsilon: 2, usersNoisePerQuery: 20, delta: 1e-6 }, /delta: is not a field/],
    [{ epsilon: 2, usersNoisePerQuery: 20, autoRefresh: 'WEEKLY' }, /autoRefresh/],
    [{ parameters: { differentialPrivacy: { epsilon: 2, usersNoisePerQuery: 20, extra: 1 } } }, /parameters\.differentialPrivacy\.extra/],
    [{ parameters: {} }, /parameters\.differentialPrivacy: is required/],
    [[1, 2], /must be a JSON object/],
  ])('refuses %j', (document, message) => {
    const checked = fromCloudParameters(document);
    if (checked.ok) throw new Error('expected a refusal');
    expect(checked.error.message).toMatch(message);
  });
});
