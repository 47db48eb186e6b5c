/**
 * The privacy-budget model: what a differentially private query costs, how an owner's
 * budget is parameterised, and how much of it is left. Pure (no I/O, no clock: the
 * time is passed in); the ledger that stores spending is `collaboration/privacy-budgets.ts`.
 *
 * Costs are counted in *units*: one unit is the epsilon that gives a distinct-user count
 * (sensitivity 1) a 95% error of about `usersNoisePerQuery` users. Every released
 * statistic costs a whole number of units, so an owner can read a budget as "this many
 * queries of that kind" (docs/privacy.md).
 */
import type { Diagnostic, Result } from '../sql/diagnostic.ts';

export type AggregateKind = 'COUNT' | 'COUNT_DISTINCT' | 'SUM' | 'AVG' | 'STDDEV';

/** Every kind, in the order reports list them. */
export const AGGREGATE_KINDS: readonly AggregateKind[] = ['COUNT', 'COUNT_DISTINCT', 'SUM', 'AVG', 'STDDEV'];

export type BudgetRefresh = 'none' | 'monthly';

export interface BudgetSettings {
  /** Total epsilon per period. */
  readonly epsilon: number;
  /** Total delta per period (spent only by private partition selection). */
  readonly delta: number;
  /** 95% half-width, in users, of the noise on one distinct-user count: sets the unit. */
  readonly usersNoisePerQuery: number;
  readonly refresh: BudgetRefresh;
}

export interface QueryCost {
  readonly epsilon: number;
  readonly delta: number;
}

/**
 * Units per aggregate. AVG is released as a noisy sum over a noisy count (2); STDDEV
 * needs a noisy count, sum and sum of squares (3).
 */
export const AGGREGATE_UNITS: Readonly<Record<AggregateKind, number>> = {
  COUNT: 1,
  COUNT_DISTINCT: 1,
  SUM: 1,
  AVG: 2,
  STDDEV: 3,
};

/**
 * Floating-point slack in budget comparisons. Costs are sums of products of logarithms,
 * so an exact fit (k queries of cost total/k) can come out 1e-16 over the total; a slack
 * of 1e-12 epsilon lets it fit while allowing no meaningful overdraw.
 */
export const EPSILON_TOLERANCE = 1e-12;

/** Bounds the CLI and the importer accept (docs/privacy.md explains each). */
export const BUDGET_LIMITS = {
  /** The cloud service takes 1..20; stricter owners may go down to 0.01. */
  epsilon: { min: 0.01, max: 20 },
  /** Above 1e-3 the "small delta" guarantee of partition selection means little. */
  delta: { max: 1e-3, default: 1e-6 },
  /** The cloud service's range for its "noise added per query". */
  usersNoisePerQuery: { min: 10, max: 100, default: 30 },
} as const;

/** The cloud service's own ranges, which `fromCloudParameters` enforces. */
export const CLOUD_LIMITS = {
  epsilon: { min: 1, max: 20 },
  usersNoisePerQuery: { min: 10, max: 100 },
} as const;

/**
 * Epsilon of one unit: ln(20) / N. Laplace noise of scale b = 1/epsilon on a count of
 * sensitivity 1 exceeds t with probability exp(-t/b), which is 5% at t = b·ln 20 = N.
 *
 * @example epsilonUnit(30) // 0.0998577... (ln 20 / 30)
 */
export function epsilonUnit(usersNoisePerQuery: number): number {
  if (!(Number.isFinite(usersNoisePerQuery) && usersNoisePerQuery > 0)) {
    throw new Error(`Internal error: usersNoisePerQuery must be positive, got ${usersNoisePerQuery}`);
  }
  return Math.log(20) / usersNoisePerQuery;
}

/** Units one query spends: its aggregates' units, plus one for private partition selection. */
export function costUnits(kinds: readonly AggregateKind[], partitionSelection: boolean): number {
  return kinds.reduce((sum, kind) => sum + AGGREGATE_UNITS[kind], 0) + (partitionSelection ? 1 : 0);
}

/**
 * What one query costs. epsilon = unit × (Σ units of its aggregates + 1 if group keys are
 * released by private partition selection). Delta is spent only by partition selection,
 * in proportion to epsilon (delta/epsilon of the budget per unit of epsilon), so the
 * two allowances run out together and delta never stops a query that epsilon allows.
 *
 * @example queryCost(['AVG'], true, settings) // 3 units: noisy sum, noisy count, partition selection
 */
export function queryCost(
  kinds: readonly AggregateKind[],
  partitionSelection: boolean,
  settings: BudgetSettings,
  unit: number = epsilonUnit(settings.usersNoisePerQuery),
): QueryCost {
  if (!(Number.isFinite(unit) && unit > 0)) throw new Error(`Internal error: the epsilon unit must be positive, got ${unit}`);
  const epsilon = unit * costUnits(kinds, partitionSelection);
  return { epsilon, delta: partitionSelection ? (settings.delta * epsilon) / settings.epsilon : 0 };
}

/** Budget period of a spend at `now`: `all` (never refreshed) or the UTC month `YYYY-MM`. */
export function budgetPeriod(refresh: BudgetRefresh, now: Date): string {
  if (refresh === 'none') return 'all';
  return now.toISOString().slice(0, 7);
}

/**
 * The period and the time window (ISO-8601 UTC, start inclusive, end exclusive) whose
 * spending counts against a budget at `now`. Spending is counted by *when* it happened,
 * not by the period label stored with it, so that switching a table's refresh setting
 * never forgets spending: none -> monthly keeps this month's spend, monthly -> none
 * counts every month's.
 */
export function budgetWindow(refresh: BudgetRefresh, now: Date): { period: string; start?: string; end?: string } {
  if (refresh === 'none') return { period: 'all' };
  const year = now.getUTCFullYear();
  const month = now.getUTCMonth();
  return {
    period: budgetPeriod(refresh, now),
    start: new Date(Date.UTC(year, month, 1)).toISOString(),
    end: new Date(Date.UTC(year, month + 1, 1)).toISOString(),
  };
}

/**
 * The period under which a query's noisy answer is kept for reuse (dp_answers). A table
 * that never refreshes has no period boundary, so once any table of the query is `none`
 * the answer stays for good: a stored answer spends nothing, so keeping it longer is
 * never less private. Only when every table refreshes monthly does a new month draw anew.
 */
export function answerPeriod(refreshes: readonly BudgetRefresh[], now: Date): string {
  return refreshes.length > 0 && refreshes.every((r) => r === 'monthly') ? budgetPeriod('monthly', now) : 'all';
}

/** True when `cost` more epsilon fits next to `spent` in `total` (with EPSILON_TOLERANCE). */
export function fitsBudget(spent: number, cost: number, total: number): boolean {
  return spent + cost <= total + EPSILON_TOLERANCE;
}

/**
 * For each kind, how many more queries with ONE aggregate of that kind and a GROUP BY
 * (private partition selection) fit in `remainingEpsilon`.
 *
 * @example queriesRemaining(1, { epsilon: 1, delta: 1e-6, usersNoisePerQuery: 30, refresh: 'none' }).COUNT // 5
 */
export function queriesRemaining(remainingEpsilon: number, settings: BudgetSettings): Record<AggregateKind, number> {
  const left = Math.max(0, remainingEpsilon);
  const out = {} as Record<AggregateKind, number>;
  for (const kind of AGGREGATE_KINDS) {
    out[kind] = Math.floor((left + EPSILON_TOLERANCE) / queryCost([kind], true, settings).epsilon);
  }
  return out;
}

/** Budget settings as the CLI or an API request gives them (strings or numbers). */
export interface BudgetSettingsInput {
  readonly epsilon?: number | string;
  readonly delta?: number | string;
  readonly usersNoisePerQuery?: number | string;
  readonly refresh?: string;
}

const DECIMAL = /^\+?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

function invalidSetting(field: string, message: string, hint: string): Result<never> {
  const error: Diagnostic = { code: 'privacy-budget-invalid', message: `${field}: ${message}`, hint };
  return { ok: false, error };
}

/** A finite number from a number or a plain decimal text ('1e-6' yes, '0x10' or '' no). */
function readNumber(value: number | string): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  const text = value.trim();
  return DECIMAL.test(text) ? Number(text) : undefined;
}

/**
 * Checks an owner's budget settings and fills in defaults (delta 1e-6, 30 users of noise,
 * refresh none). Refusals name the field and its range.
 *
 * @example validateBudgetSettings({ epsilon: '3', refresh: 'monthly' })
 *   // { ok: true, value: { epsilon: 3, delta: 1e-6, usersNoisePerQuery: 30, refresh: 'monthly' } }
 */
export function validateBudgetSettings(input: BudgetSettingsInput): Result<BudgetSettings> {
  const { epsilon: eps, delta: del, usersNoisePerQuery: users } = BUDGET_LIMITS;
  if (input.epsilon === undefined) {
    return invalidSetting('epsilon', 'the total epsilon is required', `give a number from ${eps.min} to ${eps.max}, e.g. --epsilon 3`);
  }
  const epsilon = readNumber(input.epsilon);
  if (epsilon === undefined || epsilon < eps.min || epsilon > eps.max) {
    return invalidSetting(
      'epsilon',
      `must be a number from ${eps.min} to ${eps.max}, not '${String(input.epsilon)}'`,
      'smaller is more private: each query spends part of it; the cloud service accepts 1 to 20',
    );
  }
  const delta = input.delta === undefined ? del.default : readNumber(input.delta);
  if (delta === undefined || !(delta > 0) || delta > del.max) {
    return invalidSetting(
      'delta',
      `must be a number greater than 0 and at most ${del.max}, not '${String(input.delta)}'`,
      `the default ${del.default} suits tables of up to about 100,000 users; take it well below 1 / (number of users)`,
    );
  }
  const noise = input.usersNoisePerQuery === undefined ? users.default : readNumber(input.usersNoisePerQuery);
  if (noise === undefined || !Number.isInteger(noise) || noise < users.min || noise > users.max) {
    return invalidSetting(
      'usersNoisePerQuery',
      `must be a whole number of users from ${users.min} to ${users.max}, not '${String(input.usersNoisePerQuery)}'`,
      'it is the 95% error of one distinct-user count: more noise, more queries per epsilon',
    );
  }
  const refresh = input.refresh ?? 'none';
  if (refresh !== 'none' && refresh !== 'monthly') {
    return invalidSetting('refresh', `must be none or monthly, not '${refresh}'`, 'none (the default) never refreshes the budget');
  }
  return { ok: true, value: { epsilon, delta, usersNoisePerQuery: noise, refresh } };
}

/** The cloud service's privacy budget parameters (its privacy budget template). */
export interface CloudBudgetParameters {
  readonly epsilon: number;
  readonly usersNoisePerQuery: number;
  readonly autoRefresh?: 'CALENDAR_MONTH' | 'NONE';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function unknownFields(o: Record<string, unknown>, allowed: readonly string[], path: string): Result<never> | undefined {
  const extra = Object.keys(o).find((k) => !allowed.includes(k));
  if (extra === undefined) return undefined;
  return invalidSetting(`${path}${extra}`, 'is not a field of a privacy budget', `the fields are: ${allowed.join(', ')}`);
}

/**
 * Imports the cloud service's parameters unchanged: `{epsilon, usersNoisePerQuery,
 * autoRefresh?}` or its template shape `{autoRefresh, parameters: {differentialPrivacy:
 * {epsilon, usersNoisePerQuery}}}` (`privacyBudgetType: "DIFFERENTIAL_PRIVACY"` allowed).
 * Their "noise added per query" in users is our usersNoisePerQuery (docs/privacy.md);
 * their ranges (epsilon 1..20, noise 10..100) are enforced; delta takes our default, as
 * the cloud service does not expose one; CALENDAR_MONTH is our `monthly`.
 *
 * @example fromCloudParameters({ epsilon: 3, usersNoisePerQuery: 20 })
 *   // { ok: true, value: { epsilon: 3, delta: 1e-6, usersNoisePerQuery: 20, refresh: 'none' } }
 */
export function fromCloudParameters(document: unknown): Result<BudgetSettings> {
  if (!isRecord(document)) return invalidSetting('privacy budget', 'must be a JSON object', 'e.g. {"epsilon": 3, "usersNoisePerQuery": 20}');
  let flat: Record<string, unknown> = document;
  let path = '';
  if ('parameters' in document) {
    const extra = unknownFields(document, ['autoRefresh', 'parameters', 'privacyBudgetType'], '');
    if (extra) return extra;
    if (document['privacyBudgetType'] !== undefined && document['privacyBudgetType'] !== 'DIFFERENTIAL_PRIVACY') {
      return invalidSetting('privacyBudgetType', 'must be DIFFERENTIAL_PRIVACY', 'it is the only budget type');
    }
    const parameters = document['parameters'];
    const dp = isRecord(parameters) ? parameters['differentialPrivacy'] : undefined;
    if (!isRecord(parameters) || !isRecord(dp)) {
      return invalidSetting('parameters.differentialPrivacy', 'is required', 'give {"epsilon": E, "usersNoisePerQuery": N}');
    }
    const extraParameters = unknownFields(parameters, ['differentialPrivacy'], 'parameters.');
    if (extraParameters) return extraParameters;
    flat = { ...dp, ...(document['autoRefresh'] !== undefined ? { autoRefresh: document['autoRefresh'] } : {}) };
    path = 'parameters.differentialPrivacy.';
    const extraDp = unknownFields(dp, ['epsilon', 'usersNoisePerQuery'], path);
    if (extraDp) return extraDp;
  } else {
    const extra = unknownFields(document, ['epsilon', 'usersNoisePerQuery', 'autoRefresh'], '');
    if (extra) return extra;
  }
  const { epsilon, usersNoisePerQuery, autoRefresh } = flat;
  const cloud = CLOUD_LIMITS;
  if (typeof epsilon !== 'number' || !Number.isInteger(epsilon) || epsilon < cloud.epsilon.min || epsilon > cloud.epsilon.max) {
    return invalidSetting(
      `${path}epsilon`,
      `must be a whole number from ${cloud.epsilon.min} to ${cloud.epsilon.max} (the cloud service's range), not ${JSON.stringify(epsilon)}`,
      'use `cleanroom privacy set-budget --epsilon` for values below 1',
    );
  }
  const { min, max } = cloud.usersNoisePerQuery;
  if (typeof usersNoisePerQuery !== 'number' || !Number.isInteger(usersNoisePerQuery) || usersNoisePerQuery < min || usersNoisePerQuery > max) {
    return invalidSetting(
      `${path}usersNoisePerQuery`,
      `must be a whole number from ${min} to ${max}, not ${JSON.stringify(usersNoisePerQuery)}`,
      'it is the noise added per query, in users',
    );
  }
  if (autoRefresh !== undefined && autoRefresh !== 'CALENDAR_MONTH' && autoRefresh !== 'NONE') {
    return invalidSetting('autoRefresh', `must be CALENDAR_MONTH or NONE, not ${JSON.stringify(autoRefresh)}`, 'NONE never refreshes');
  }
  return validateBudgetSettings({ epsilon, usersNoisePerQuery, refresh: autoRefresh === 'CALENDAR_MONTH' ? 'monthly' : 'none' });
}
