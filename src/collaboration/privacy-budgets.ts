import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../metadata/schema.ts';
import { beginWriteTransaction } from '../metadata/write-transaction.ts';
import {
  AGGREGATE_UNITS,
  answerPeriod,
  costUnits,
  budgetPeriod,
  budgetWindow,
  epsilonUnit,
  fitsBudget,
  queriesRemaining,
  validateBudgetSettings,
  type AggregateKind,
  type BudgetRefresh,
  type BudgetSettings,
  type QueryCost,
} from '../privacy/budget.ts';
import type { AnalysisRule } from '../rules/rule-types.ts';
import type { Diagnostic } from '../sql/diagnostic.ts';
import { CleanroomError } from './errors.ts';
import { logEvent } from './events.ts';
import { requireMember } from './members.ts';
import { findTableId } from './tables.ts';
import type { Workspace } from './workspace.ts';

/**
 * Privacy budgets and their ledger. A budget belongs to a configured table, so a table
 * associated into several collaborations spends one allowance (stricter than the cloud
 * service, whose per-collaboration budgets add up). Spending is reserved atomically
 * before a query runs and settled after: `spent` once the engine started, `refunded`
 * if it never did. What members may see of budgets is privacy-budget-report.ts.
 */

export type Db = Kysely<Database> | Transaction<Database>;
/** Only the database is needed: the concurrency test reserves from bare processes. */
export type BudgetWorkspace = Pick<Workspace, 'db'>;

/** Whether a table's rule makes its queries differentially private (and spend budget). */
export function isDifferentiallyPrivate(rule: AnalysisRule): boolean {
  return (rule.kind === 'custom' || rule.kind === 'aggregation') && rule.differentialPrivacy !== undefined;
}

/**
 * Runs `work` in a write transaction taken up front (BEGIN IMMEDIATE). A deferred
 * transaction reads first and upgrades to a writer later, so two processes could both
 * read the same spent total and both commit; IMMEDIATE takes SQLite's one write lock
 * before the first read (waiting out busy_timeout for it). On PostgreSQL an advisory
 * lock held for the transaction does the same (src/metadata/write-transaction.ts).
 * Must not be called inside another transaction on the same database: Kysely's single
 * SQLite connection would deadlock.
 */
export async function withImmediateTransaction<T>(db: Kysely<Database>, work: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
  return db.connection().execute(async (conn) => {
    await beginWriteTransaction(conn);
    try {
      const out = await work(conn);
      await sql`COMMIT`.execute(conn);
      return out;
    } catch (e) {
      await sql`ROLLBACK`.execute(conn);
      throw e;
    }
  });
}

export async function getBudget(db: Db, tableId: number): Promise<BudgetSettings | undefined> {
  const row = await db.selectFrom('privacy_budgets').selectAll().where('table_id', '=', tableId).executeTakeFirst();
  if (!row) return undefined;
  return { epsilon: row.epsilon, delta: row.delta, usersNoisePerQuery: row.users_noise, refresh: row.refresh };
}

/** Epsilon and delta reserved or spent in the budget window that contains `now`. */
/** ε and δ reserved or spent on a table in its current period. */
export async function spentNow(db: Db, tableId: number, settings: BudgetSettings, now: Date): Promise<QueryCost> {
  const window = budgetWindow(settings.refresh, now);
  let query = db
    .selectFrom('privacy_ledger')
    .select([sql<number | null>`sum(epsilon)`.as('epsilon'), sql<number | null>`sum(delta)`.as('delta')])
    .where('table_id', '=', tableId)
    .where('status', 'in', ['reserved', 'spent']);
  if (window.start !== undefined && window.end !== undefined) {
    query = query
      .where('period', 'in', ['all', window.period])
      .where('created_at', '>=', window.start)
      .where('created_at', '<', window.end);
  }
  const row = await query.executeTakeFirstOrThrow();
  return { epsilon: row.epsilon ?? 0, delta: row.delta ?? 0 };
}

function round(x: number): string {
  return Number(x.toPrecision(4)).toString();
}

export interface SetBudgetOutcome {
  readonly owner: string;
  readonly table: string;
  readonly tableId: number;
  readonly settings: BudgetSettings;
  /** Things the owner should know (a refreshing budget leaks over time, ...). */
  readonly warnings: readonly string[];
}

/**
 * Sets (or changes) the budget of the owner's configured table. Editing never resets
 * spending: what was reserved or spent in the current period stays counted.
 *
 * @example await setBudget(ws, 'platform', 'impressions', { epsilon: 3, delta: 1e-6, usersNoisePerQuery: 30, refresh: 'none' })
 */
export async function setBudget(
  workspace: BudgetWorkspace,
  owner: string,
  tableName: string,
  settings: BudgetSettings,
  now: Date = new Date(),
): Promise<SetBudgetOutcome> {
  const { db } = workspace;
  const checked = validateBudgetSettings(settings);
  if (!checked.ok) throw new CleanroomError('invalid', checked.error);
  await requireMember(db, owner);
  // Tables are named per member, so only the owner can name its own table here.
  const tableId = await findTableId(db, owner, tableName);
  const s = checked.value;
  const warnings: string[] = [];
  if (s.refresh === 'monthly') {
    warnings.push(
      `refreshing budgets leaks over time: every month allows another epsilon ${s.epsilon} about the same users, ` +
        `so after a year a user may have lost up to ${round(12 * s.epsilon)}; keep refresh none unless the table's users change from month to month`,
    );
  }
  if (queriesRemaining(s.epsilon, s).COUNT === 0) {
    warnings.push(`epsilon ${s.epsilon} is less than one grouped count costs at ${s.usersNoisePerQuery} users of noise: no query can run`);
  }
  await withImmediateTransaction(db, async (trx) => {
    const spent = await spentNow(trx, tableId, s, now);
    if (spent.epsilon > s.epsilon) {
      warnings.push(
        `epsilon ${round(spent.epsilon)} is already spent in period ${budgetPeriod(s.refresh, now)}: ` +
          'no query can run until the period ends (spending is never reset by changing the budget)',
      );
    } else if ((s.delta - spent.delta) / s.delta < (s.epsilon - spent.epsilon) / s.epsilon / 2) {
      // Delta is spent in proportion to epsilon, so raising one without the other leaves
      // grouped queries a sliver of delta: a high partition-selection threshold, few groups.
      warnings.push(
        `delta ${round(spent.delta)} of ${s.delta} is already spent in period ${budgetPeriod(s.refresh, now)}: ` +
          'queries with private group keys get a smaller share (fewer groups); raise --delta in proportion to --epsilon',
      );
    }
    const values = { epsilon: s.epsilon, delta: s.delta, users_noise: s.usersNoisePerQuery, refresh: s.refresh, updated_at: now.toISOString() };
    await trx
      .insertInto('privacy_budgets')
      .values({ table_id: tableId, ...values })
      .onConflict((oc) => oc.column('table_id').doUpdateSet(values))
      .execute();
    await logEvent(trx, owner, 'privacy.set-budget', `${owner}/${tableName}`, s);
  });
  const rule = await db
    .selectFrom('table_versions')
    .select('rule_json')
    .where('table_id', '=', tableId)
    .orderBy('version', 'desc')
    .executeTakeFirstOrThrow();
  if (!isDifferentiallyPrivate(JSON.parse(rule.rule_json) as AnalysisRule)) {
    warnings.push(`table '${tableName}' has no differentialPrivacy in its rule: the budget applies once the rule declares a user column`);
  }
  return { owner, table: tableName, tableId, settings: s, warnings };
}

export interface ReserveRequest {
  readonly queryId: string;
  readonly runner: string;
  /** Configured-table ids of every DP table the query reads (duplicates are ignored). */
  readonly tableIds: readonly number[];
  readonly kinds: readonly AggregateKind[];
  /** True when group keys are released by private partition selection. */
  readonly partitionSelection: boolean;
  readonly now: Date;
  /** Names to use in refusals (association names), by table id; else the configured name. */
  readonly tableNames?: Readonly<Record<number, string>>;
}

export type Reservation =
  | {
      readonly ok: true;
      readonly cost: QueryCost;
      /** Epsilon of one unit for this query: noise scales are set from it. */
      readonly unit: number;
      /** The period under which the answer may be stored and reused (`answerPeriod`). */
      readonly period: string;
    }
  | { readonly ok: false; readonly error: Diagnostic };

function describeCost(kinds: readonly AggregateKind[], partitionSelection: boolean, unit: number): string {
  const parts = kinds.map((k) => (AGGREGATE_UNITS[k] === 1 ? k : `${k} (${AGGREGATE_UNITS[k]} units)`));
  if (partitionSelection) parts.push('private partition selection');
  return `${parts.join(' + ') || 'nothing'}, at ${round(unit)} epsilon per unit`;
}

/**
 * Reserves the query's cost on every table, or on none. One write transaction, taken
 * up front, reads each table's spending in its current period and inserts one `reserved`
 * row per table, so concurrent queries in any number of processes can never overdraw.
 * The unit is the smallest among the tables' (the most noise, enough for every owner).
 * Delta is `queryCost`'s proportional share, lowered when a table has less delta left
 * than that share (its owner edited the budget after spending); the smallest wins.
 * Must not run inside another transaction on `workspace.db` (see withImmediateTransaction).
 */
export async function reserveBudget(workspace: BudgetWorkspace, request: ReserveRequest): Promise<Reservation> {
  const { queryId, runner, kinds, partitionSelection, now } = request;
  const tableIds = [...new Set(request.tableIds)].sort((a, b) => a - b);
  if (tableIds.length === 0) throw new Error('Internal error: a budget reservation needs at least one table');
  return withImmediateTransaction(workspace.db, async (trx): Promise<Reservation> => {
    const again = await trx.selectFrom('privacy_ledger').select('id').where('query_id', '=', queryId).executeTakeFirst();
    if (again) throw new Error(`Internal error: query ${queryId} has already reserved privacy budget`);
    const tables: { id: number; name: string; owner: string; settings: BudgetSettings }[] = [];
    for (const id of tableIds) {
      const row = await trx.selectFrom('configured_tables').select(['name', 'member']).where('id', '=', id).executeTakeFirst();
      if (!row) throw new Error(`Internal error: no configured table with id ${id}`);
      const name = request.tableNames?.[id] ?? row.name;
      const settings = await getBudget(trx, id);
      if (!settings) {
        return {
          ok: false,
          error: {
            code: 'privacy-budget-missing',
            table: name,
            message: `table '${name}' has no privacy budget: the owner of ${name} (${row.member}) must set a budget before it can be queried`,
            hint: `the owner runs: cleanroom privacy set-budget ${row.name} --as ${row.member} --epsilon <E>`,
          },
        };
      }
      tables.push({ id, name, owner: row.member, settings });
    }
    const unit = Math.min(...tables.map((t) => epsilonUnit(t.settings.usersNoisePerQuery)));
    const epsilon = unit * costUnits(kinds, partitionSelection);
    // Delta per unit of epsilon: the budget's own rate (queryCost), or the rate of what is
    // left if that is lower (the owner raised epsilon or lowered delta after spending), so
    // that delta runs out with epsilon and is never overdrawn. The smallest over tables wins.
    let deltaRate = Infinity;
    for (const t of tables) {
      const spent = await spentNow(trx, t.id, t.settings, now);
      const left = t.settings.epsilon - spent.epsilon;
      const deltaLeft = t.settings.delta - spent.delta;
      const rate = Math.min(t.settings.delta / t.settings.epsilon, deltaLeft / Math.max(left, epsilon));
      const deltaFits = !partitionSelection || rate > 0;
      if (fitsBudget(spent.epsilon, epsilon, t.settings.epsilon) && deltaFits) {
        deltaRate = Math.min(deltaRate, rate);
        continue;
      }
      const next = budgetWindow(t.settings.refresh, now).end;
      return {
        ok: false,
        error: {
          code: 'privacy-budget-exhausted',
          table: t.name,
          message:
            `the privacy budget of table '${t.name}' has epsilon ${round(Math.max(0, left))} left of ${t.settings.epsilon} ` +
            `(period ${budgetPeriod(t.settings.refresh, now)})${deltaFits ? '' : ' and no delta left for private group keys'}; ` +
            `this query needs ${round(epsilon)} (${describeCost(kinds, partitionSelection, unit)})`,
          hint:
            'use fewer aggregates or public group keys, see what is left with `cleanroom privacy budget <collaboration> --as <member>`' +
            (next ? `; the budget refreshes at ${next}` : `; only the owner (${t.owner}) can raise it`),
        },
      };
    }
    const cost: QueryCost = { epsilon, delta: partitionSelection ? epsilon * deltaRate : 0 };
    for (const t of tables) {
      await trx
        .insertInto('privacy_ledger')
        .values({
          table_id: t.id,
          query_id: queryId,
          period: budgetPeriod(t.settings.refresh, now),
          epsilon: cost.epsilon,
          delta: cost.delta,
          status: 'reserved',
          kinds_json: JSON.stringify(kinds),
          partition_selection: partitionSelection ? 1 : 0,
          runner,
          created_at: now.toISOString(),
          settled_at: null,
        })
        .execute();
    }
    return { ok: true, cost, unit, period: answerPeriod(tables.map((t) => t.settings.refresh), now) };
  });
}

/** The period a query's stored answer is filed under, before reserving (see `answerPeriod`). */
export async function answerPeriodFor(db: Db, tableIds: readonly number[], now: Date): Promise<string> {
  const refreshes: BudgetRefresh[] = [];
  for (const id of tableIds) refreshes.push((await getBudget(db, id))?.refresh ?? 'none');
  return answerPeriod(refreshes, now);
}

/**
 * Settles a query's reservations: `spent` once anything was released, `refunded` when it
 * failed or was cancelled before anything was. Settling twice the same way is a no-op;
 * refunding a spent query (which would un-spend a release) is a bug. Returns the rows
 * settled (0 for a query that read no DP table).
 */
export async function settleBudget(
  workspace: BudgetWorkspace,
  queryId: string,
  outcome: 'spent' | 'refunded',
  now: Date = new Date(),
): Promise<number> {
  return withImmediateTransaction(workspace.db, async (trx) => {
    const rows = await trx.selectFrom('privacy_ledger').select('status').where('query_id', '=', queryId).execute();
    const other = rows.find((r) => r.status !== 'reserved' && r.status !== outcome);
    if (other) throw new Error(`Internal error: query ${queryId} is already ${other.status}; it cannot be ${outcome}`);
    const result = await trx
      .updateTable('privacy_ledger')
      .set({ status: outcome, settled_at: now.toISOString() })
      .where('query_id', '=', queryId)
      .where('status', '=', 'reserved')
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  });
}
