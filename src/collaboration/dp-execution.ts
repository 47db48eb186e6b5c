/**
 * The differential-privacy side of running a protected query: spend the budget of every
 * DP table before anything runs (atomically, refunded if nothing is released), plan with
 * a fresh secret and the runner's contribution bounds, and hand the engine the release
 * callback that adds noise to the exact per-group rows in this process.
 */
import { randomBytes } from 'node:crypto';
import type { ExactRows, ReleasedRows } from '../engine/engine.ts';
import type { AggregateKind } from '../privacy/budget.ts';
import { privacyParameterFromDecimal } from '../privacy/conservative-rational.ts';
import { cryptoRandomSource } from '../privacy/crypto-random-source.ts';
import type { DpQuery } from '../rules/dp-shape.ts';
import { DEFAULT_CONTRIBUTION, planDp, type ContributionBounds } from '../rules/plan/plan-dp.ts';
import { duckdbDialect } from '../sql/dialect.ts';
import type { Diagnostic } from '../sql/diagnostic.ts';
import { printQuery } from '../sql/print.ts';
import { dpRelease, type DpReport } from './dp-release.ts';
import { reserveBudget, settleBudget } from './privacy-budgets.ts';
import type { AssociationInfo } from './associations.ts';
import type { Workspace } from './workspace.ts';

export interface DpRun {
  readonly sql: string;
  readonly release: (exact: ExactRows) => ReleasedRows;
  readonly report: () => DpReport;
  /** Set when the engine is asked to run: from then on the reservation is spent, whatever happens. */
  started: boolean;
  settle(outcome: 'spent' | 'refunded'): Promise<void>;
}

function limitOf(dp: DpQuery): number | undefined {
  const l = dp.limit;
  if (l === undefined) return undefined;
  if (l.kind === 'literal' && l.value.type === 'integer') return Math.max(0, Number(l.value.value));
  throw new Error('Internal error: an unbound LIMIT reached a DP run');
}

/** Checks the runner's contribution bounds: positive integers, small enough to be meaningful. */
export function contributionBounds(asked: Partial<ContributionBounds> | undefined): ContributionBounds | Diagnostic {
  const out = { ...DEFAULT_CONTRIBUTION, ...asked };
  for (const [name, value] of Object.entries(out)) {
    if (!Number.isInteger(value) || value < 1 || value > 1000) {
      return {
        code: 'dp-contribution-bounds',
        message: `${name} must be a whole number from 1 to 1000, not ${String(value)}`,
        hint: 'each user counts in at most maxGroupsPerUser groups with at most maxRowsPerGroup rows each; larger bounds mean more noise',
      };
    }
  }
  return out;
}

export async function prepareDp(
  workspace: Workspace,
  queryId: string,
  runner: string,
  dp: DpQuery,
  associations: readonly AssociationInfo[],
  contribution: ContributionBounds,
): Promise<{ readonly run: DpRun } | { readonly error: Diagnostic }> {
  const tables = associations.filter((a) => dp.tables.includes(a.sqlName));
  const kinds = dp.outputs.flatMap((o): AggregateKind[] => (o.kind === 'aggregate' ? [o.aggregate.kind] : []));
  const reservation = await reserveBudget(workspace, {
    queryId,
    runner,
    tableIds: tables.map((t) => t.table.id),
    kinds,
    partitionSelection: (dp.keys.length > 0 && dp.publicKeys === undefined) || dp.minimumUsers !== undefined,
    now: new Date(),
    tableNames: Object.fromEntries(tables.map((t) => [t.table.id, t.sqlName])),
  });
  if (!reservation.ok) return { error: reservation.error };
  // The secret keys which groups each user keeps; it never leaves this run.
  const plan = planDp(dp, randomBytes(32).toString('hex'), contribution);
  const limit = limitOf(dp);
  const released = dpRelease({
    dp,
    plan,
    epsilonUnit: privacyParameterFromDecimal(reservation.unit),
    epsilon: reservation.cost.epsilon,
    delta: reservation.cost.delta,
    source: cryptoRandomSource(),
    ...(limit !== undefined ? { limit } : {}),
  });
  return {
    run: {
      started: false,
      sql: printQuery(plan.query, duckdbDialect),
      release: released.release,
      report: released.report,
      settle: async (outcome) => {
        await settleBudget(workspace, queryId, outcome);
      },
    },
  };
}
