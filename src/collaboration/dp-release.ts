/**
 * Turns the exact per-group rows of a planned DP query into the noisy rows the receiver
 * gets (src/privacy/noisy-release.ts draws the noise), and describes the release: the
 * mechanism, epsilon and delta spent, noise scales, contribution bounds and a 95% error
 * bound per column. Runs inside the engine's release callback: exact values never leave
 * this process.
 */
import type { CellValue, ExactRows, ReleasedRows } from '../engine/engine.ts';
import type { AggregateKind } from '../privacy/budget.ts';
import { releaseGroups, type ExactGroup, type ReleaseColumnSpec } from '../privacy/noisy-release.ts';
import type { RandomSource } from '../privacy/random-source.ts';
import type { Rational } from '../privacy/rational.ts';
import type { DpQuery } from '../rules/dp-shape.ts';
import { DP_USERS_COLUMN, FIXED_POINT_DIGITS, type DpPlan } from '../rules/plan/plan-dp.ts';

/** What a DP result records and shows beside its rows. */
export interface DpReport {
  readonly mechanism: 'discrete Laplace';
  readonly epsilon: number;
  readonly delta: number;
  readonly epsilonPerAggregate: number;
  readonly contribution: { readonly maxGroupsPerUser: number; readonly maxRowsPerGroup: number };
  readonly columns: readonly {
    readonly name: string;
    readonly aggregate: AggregateKind;
    /** Noise scale in the column's units (AVG: of its sum and its count). */
    readonly noiseScale: number;
    /** 95% half-width of the noise in the column's units; AVG: an approximation at the released value. */
    readonly errorBound95: number;
    readonly bounds?: { readonly lower: number; readonly upper: number };
  }[];
  readonly partitionSelection?: { readonly threshold: number; readonly noiseScale: number; readonly groupsReleased: number };
  /** Set when this is the stored answer of an identical earlier query (nothing was spent). */
  readonly reusedFrom?: string;
}

/** Which exact column and bound feed each noisy value of each aggregate output. */
interface Slot {
  readonly output: number;
  readonly part: 'users' | 'rows' | 'sum';
  readonly exactColumn: string;
  readonly spec: ReleaseColumnSpec;
}

const FACTOR = 10 ** FIXED_POINT_DIGITS;

function toNumber(r: Rational): number {
  return Number(r.num) / Number(r.den);
}

function slotsOf(dp: DpQuery, plan: DpPlan): Slot[] {
  const l = BigInt(plan.contribution.maxRowsPerGroup);
  const slots: Slot[] = [];
  dp.outputs.forEach((o, output) => {
    if (o.kind !== 'aggregate') return;
    const find = (kind: 'rows' | 'sum'): string => {
      const c = plan.columns.find((x) => x.kind === kind && x.output === output);
      if (c === undefined) throw new Error(`Internal error: no ${kind} column for DP output ${output}`);
      return c.name;
    };
    const b = plan.bounds.get(output);
    const m = b === undefined ? 0n : (b.lower < 0n ? -b.lower : b.lower) > (b.upper < 0n ? -b.upper : b.upper) ? (b.lower < 0n ? -b.lower : b.lower) : (b.upper < 0n ? -b.upper : b.upper);
    switch (o.aggregate.kind) {
      case 'COUNT_DISTINCT':
        slots.push({ output, part: 'users', exactColumn: DP_USERS_COLUMN, spec: { perGroupBound: 1n } });
        break;
      case 'COUNT':
        slots.push({ output, part: 'rows', exactColumn: find('rows'), spec: { perGroupBound: l } });
        break;
      case 'SUM':
        slots.push({ output, part: 'sum', exactColumn: find('sum'), spec: { perGroupBound: l * (m > 0n ? m : 1n) } });
        break;
      case 'AVG':
        slots.push({ output, part: 'sum', exactColumn: find('sum'), spec: { perGroupBound: l * (m > 0n ? m : 1n) } });
        slots.push({ output, part: 'rows', exactColumn: find('rows'), spec: { perGroupBound: l } });
        break;
    }
  });
  return slots;
}

function bigintOf(cell: CellValue | undefined): bigint {
  if (cell === null || cell === undefined) return 0n;
  if (typeof cell === 'number') return BigInt(Math.trunc(cell));
  if (typeof cell === 'string' && /^-?\d+$/.test(cell)) return BigInt(cell);
  throw new Error('Internal error: a DP total is not an integer');
}

export interface DpReleaseInput {
  readonly dp: DpQuery;
  readonly plan: DpPlan;
  readonly epsilonUnit: Rational;
  readonly epsilon: number;
  readonly delta: number;
  readonly source: RandomSource;
  /** LIMIT of the query, bound: applied after noise and ordering. */
  readonly limit?: number;
}

/**
 * The engine's release callback for one DP query, and the report it fills in.
 */
export function dpRelease(input: DpReleaseInput): { readonly release: (exact: ExactRows) => ReleasedRows; readonly report: () => DpReport } {
  const { dp, plan } = input;
  const slots = slotsOf(dp, plan);
  // Public keys (listed in the query) need no private selection.
  const partition = dp.keys.length > 0 && dp.publicKeys === undefined;
  const minimumUsers = dp.minimumUsers === undefined ? {} : { minimumUsers: BigInt(dp.minimumUsers) };
  let report: DpReport | undefined;
  const release = (exact: ExactRows): ReleasedRows => {
    const index = (name: string): number => {
      const i = exact.columns.findIndex((c) => c.name === name);
      if (i < 0) throw new Error(`Internal error: the DP query did not return ${name}`);
      return i;
    };
    // Each group exactly once: a group released twice would get two independent noises
    // for the price of one (the planner's grouping guarantees it; this is the safeguard).
    const keyAt = exact.columns.flatMap((c, i) => (c.name.startsWith('__cr_k') ? [i] : []));
    const seen = new Set<string>();
    for (const row of exact.rows) {
      const k = JSON.stringify(keyAt.map((i) => row[i] ?? null));
      if (seen.has(k)) throw new Error('Internal error: a DP query returned one group twice');
      seen.add(k);
    }
    const usersAt = index(DP_USERS_COLUMN);
    const slotAt = slots.map((s) => index(s.exactColumn));
    const groups: ExactGroup[] = exact.rows.map((row) => ({ users: bigintOf(row[usersAt]), values: slotAt.map((i) => bigintOf(row[i])) }));
    const result = releaseGroups(groups, {
      maxGroupsPerUser: BigInt(plan.contribution.maxGroupsPerUser),
      epsilonUnit: input.epsilonUnit,
      ...(partition ? { partitionDelta: input.delta } : {}),
      ...minimumUsers,
      columns: slots.map((s) => s.spec),
    }, input.source);

    // Post-processing (cannot weaken the guarantee): counts at least 0, sums rescaled, AVG = sum / count clamped.
    const values = result.groups.map((g) => dp.outputs.map((o, output): bigint | number | null => {
      if (o.kind !== 'aggregate') return null;
      const at = (part: Slot['part']): bigint => g.values[slots.findIndex((s) => s.output === output && s.part === part)] ?? 0n;
      switch (o.aggregate.kind) {
        case 'COUNT_DISTINCT': return at('users') < 0n ? 0n : at('users');
        case 'COUNT': return at('rows') < 0n ? 0n : at('rows');
        case 'SUM': return Number(at('sum')) / FACTOR;
        case 'AVG': {
          const count = at('rows');
          const b = plan.bounds.get(output);
          if (count <= 0n || b === undefined) return null;
          const avg = Number(at('sum')) / FACTOR / Number(count);
          return Math.min(Number(b.upper) / FACTOR, Math.max(Number(b.lower) / FACTOR, avg));
        }
      }
    }));
    let order = result.groups.map((g, i) => ({ index: g.index, values: values[i] ?? [] }));
    const cellOf = (row: { index: number; values: readonly (bigint | number | null)[] }, output: number): bigint | number | string | boolean | null => {
      const o = dp.outputs[output];
      if (o?.kind === 'key') return exact.rows[row.index]?.[index(`__cr_k${o.key}`)] ?? null;
      return row.values[output] ?? null;
    };
    if (dp.orderBy.length > 0) {
      order = [...order].sort((a, b) => {
        for (const o of dp.orderBy) {
          const [x, y] = [cellOf(a, o.output), cellOf(b, o.output)];
          const c = compareCells(x, y);
          if (c !== 0) return o.direction === 'desc' ? -c : c;
        }
        return 0;
      });
    }
    if (input.limit !== undefined) order = order.slice(0, input.limit);
    const minCounts = new Map<number, number>();
    for (const g of result.groups) {
      dp.outputs.forEach((o, output) => {
        if (o.kind !== 'aggregate' || o.aggregate.kind !== 'AVG') return;
        const n = Number(g.values[slots.findIndex((x) => x.output === output && x.part === 'rows')] ?? 0n);
        minCounts.set(output, Math.min(minCounts.get(output) ?? Number.POSITIVE_INFINITY, n));
      });
    }
    report = buildReport(input, slots, result.scales, result.errorBounds, result.partition, order.length, minCounts);
    const aggregateOutputs = dp.outputs.flatMap((o, i) => (o.kind === 'aggregate' ? [{ i, o }] : []));
    return {
      columns: aggregateOutputs.map(({ i, o }) => ({
        name: `__cr_r${i}`,
        type: o.kind === 'aggregate' && (o.aggregate.kind === 'COUNT' || o.aggregate.kind === 'COUNT_DISTINCT') ? ('BIGINT' as const) : ('DOUBLE' as const),
      })),
      rows: order.map((r) => ({ index: r.index, values: aggregateOutputs.map(({ i }) => r.values[i] ?? null) })),
      output: dp.outputs.map((o, i) => (o.kind === 'key' ? { name: o.name, exact: `__cr_k${o.key}` } : { name: o.name, released: `__cr_r${i}` })),
    };
  };
  return {
    release,
    report: () => {
      if (report === undefined) throw new Error('Internal error: the DP report was read before the release ran');
      return report;
    },
  };
}

function compareCells(x: bigint | number | string | boolean | null, y: bigint | number | string | boolean | null): number {
  if (x === y) return 0;
  if (x === null) return 1;
  if (y === null) return -1;
  if (typeof x === 'string' && typeof y === 'string') return x < y ? -1 : 1;
  const [a, b] = [Number(x), Number(y)];
  return a < b ? -1 : a > b ? 1 : 0;
}

function buildReport(
  input: DpReleaseInput,
  slots: readonly Slot[],
  scales: readonly Rational[],
  errorBounds: readonly bigint[],
  partition: { readonly scale: Rational; readonly threshold: bigint } | undefined,
  groupsReleased: number,
  minCounts: ReadonlyMap<number, number>,
): DpReport {
  const { dp, plan } = input;
  const columns = dp.outputs.flatMap((o, output) => {
    if (o.kind !== 'aggregate') return [];
    const mine = slots.map((s, i) => ({ s, i })).filter((x) => x.s.output === output);
    const unitOf = (part: Slot['part']): number => (part === 'sum' ? FACTOR : 1);
    const first = mine[0];
    if (first === undefined) return [];
    const scale = toNumber(scales[first.i] as Rational) / unitOf(first.s.part);
    let bound = Number(errorBounds[first.i] ?? 0n) / unitOf(first.s.part);
    const b = plan.bounds.get(output);
    if (o.aggregate.kind === 'AVG' && b !== undefined) {
      // A ratio of two noisy values: to first order |error| <= (bS + M × bN) / N, taken at
      // the smallest released count N (the worst row); an approximation, said in the docs.
      const countSlot = mine.find((x) => x.s.part === 'rows');
      const countBound = countSlot === undefined ? 0 : Number(errorBounds[countSlot.i] ?? 0n);
      const m = Math.max(Math.abs(Number(b.lower)), Math.abs(Number(b.upper))) / FACTOR;
      bound = (bound + m * countBound) / Math.max(1, minCounts.get(output) ?? 1);
    }
    return [{
      name: o.name,
      aggregate: o.aggregate.kind,
      noiseScale: scale,
      errorBound95: bound,
      ...(b === undefined ? {} : { bounds: { lower: Number(b.lower) / FACTOR, upper: Number(b.upper) / FACTOR } }),
    }];
  });
  return {
    mechanism: 'discrete Laplace',
    epsilon: input.epsilon,
    delta: input.delta,
    epsilonPerAggregate: toNumber(input.epsilonUnit),
    contribution: { ...plan.contribution },
    columns,
    ...(partition === undefined ? {} : { partitionSelection: { threshold: Number(partition.threshold), noiseScale: toNumber(partition.scale), groupsReleased } }),
  };
}
