/**
 * What members see of privacy budgets: an owner its tables' settings, spending and whole
 * ledger (every collaboration); another member only how many queries of each kind still
 * fit; and what a budget would allow (preview). The ledger itself is privacy-budgets.ts.
 */
import {
  budgetPeriod,
  epsilonUnit,
  queriesRemaining,
  type AggregateKind,
  type BudgetSettings,
} from '../privacy/budget.ts';
import { listAssociations } from './associations.ts';
import { findCollaboration, requireMembership } from './collaborations.ts';
import { getBudget, isDifferentiallyPrivate, spentNow, type BudgetWorkspace, type Db } from './privacy-budgets.ts';

/** How many queries of each kind a fresh budget with these settings allows. */
export function previewBudget(settings: BudgetSettings): Record<AggregateKind, number> {
  return queriesRemaining(settings.epsilon, settings);
}

export interface LedgerEntry {
  readonly queryId: string;
  /** Where the query ran (null when its record is gone). */
  readonly collaboration: string | null;
  readonly runner: string;
  readonly epsilon: number;
  readonly delta: number;
  readonly status: 'reserved' | 'spent' | 'refunded';
  readonly kinds: readonly AggregateKind[];
  readonly partitionSelection: boolean;
  readonly period: string;
  readonly createdAt: string;
  readonly settledAt: string | null;
}

/** What the owner of a DP table sees: everything, across all collaborations. */
export interface OwnedTableBudget {
  readonly view: 'owner';
  readonly table: string;
  readonly configuredTable: string;
  readonly settings: BudgetSettings | null;
  readonly period: string | null;
  readonly spentEpsilon: number;
  readonly spentDelta: number;
  readonly remainingEpsilon: number;
  readonly queriesRemaining: Record<AggregateKind, number>;
  readonly ledger: readonly LedgerEntry[];
}

/** What another member sees: how many queries of each kind it may still run. */
export interface MemberTableBudget {
  readonly view: 'member';
  readonly table: string;
  readonly budgetSet: boolean;
  readonly queriesRemaining: Record<AggregateKind, number>;
}

export interface BudgetReport {
  readonly collaboration: string;
  readonly member: string;
  readonly tables: readonly (OwnedTableBudget | MemberTableBudget)[];
}

const NONE_LEFT: Record<AggregateKind, number> = { COUNT: 0, COUNT_DISTINCT: 0, SUM: 0, AVG: 0, STDDEV: 0 };

async function ledger(db: Db, tableId: number): Promise<LedgerEntry[]> {
  const rows = await db
    .selectFrom('privacy_ledger as l')
    .leftJoin('queries as q', 'q.id', 'l.query_id')
    .leftJoin('collaborations as c', 'c.id', 'q.collaboration_id')
    .selectAll('l')
    .select('c.name as collaboration')
    .where('l.table_id', '=', tableId)
    .orderBy('l.id')
    .execute();
  return rows.map((r) => ({
    queryId: r.query_id,
    collaboration: r.collaboration,
    runner: r.runner,
    epsilon: r.epsilon,
    delta: r.delta,
    status: r.status,
    kinds: JSON.parse(r.kinds_json) as AggregateKind[],
    partitionSelection: r.partition_selection === 1,
    period: r.period,
    createdAt: r.created_at,
    settledAt: r.settled_at,
  }));
}

/**
 * The budgets of the collaboration's DP tables as `member` may see them: its own tables
 * in full (settings, spending, the ledger of every collaboration), the others as the
 * number of queries of each kind that still fit. Non-members are refused.
 *
 * @example await budgetReport(ws, 'media', 'brand') // brand's tables in full, platform's as counts
 */
export async function budgetReport(
  workspace: BudgetWorkspace,
  collaborationName: string,
  member: string,
  now: Date = new Date(),
): Promise<BudgetReport> {
  const { db } = workspace;
  const collaboration = await findCollaboration(db, collaborationName);
  await requireMembership(db, collaboration, member, false);
  const tables: (OwnedTableBudget | MemberTableBudget)[] = [];
  for (const a of await listAssociations(db, collaboration.id)) {
    if (!isDifferentiallyPrivate(a.table.rule)) continue;
    const settings = await getBudget(db, a.table.id);
    const spent = settings ? await spentNow(db, a.table.id, settings, now) : { epsilon: 0, delta: 0 };
    const remaining = settings ? Math.max(0, settings.epsilon - spent.epsilon) : 0;
    const left = settings ? queriesRemaining(remaining, settings) : NONE_LEFT;
    if (a.member !== member) {
      tables.push({ view: 'member', table: a.sqlName, budgetSet: settings !== undefined, queriesRemaining: left });
      continue;
    }
    tables.push({
      view: 'owner',
      table: a.sqlName,
      configuredTable: a.table.name,
      settings: settings ?? null,
      period: settings ? budgetPeriod(settings.refresh, now) : null,
      spentEpsilon: spent.epsilon,
      spentDelta: spent.delta,
      remainingEpsilon: remaining,
      queriesRemaining: left,
      ledger: await ledger(db, a.table.id),
    });
  }
  return { collaboration: collaboration.name, member, tables };
}

export interface BudgetPreview {
  readonly collaboration: string;
  readonly settings: BudgetSettings;
  readonly unit: number;
  readonly queries: Record<AggregateKind, number>;
}

/** `privacy preview`: what a budget would allow, for a member of the collaboration; spends nothing. */
export async function previewForCollaboration(
  workspace: BudgetWorkspace,
  collaborationName: string,
  member: string,
  settings: BudgetSettings,
): Promise<BudgetPreview> {
  const collaboration = await findCollaboration(workspace.db, collaborationName);
  await requireMembership(workspace.db, collaboration, member, false);
  return {
    collaboration: collaboration.name,
    settings,
    unit: epsilonUnit(settings.usersNoisePerQuery),
    queries: previewBudget(settings),
  };
}
