/**
 * The internal store of difference checks and the sticky-answer decision (docs/privacy.md,
 * "Difference checks"). Per collaboration: a secret that keys the hashes of users, and
 * for every released aggregation row the keyed hashes of the users behind it (per
 * constrained column) and the values it released. It lives in the operator's metadata
 * database: no member command, HTTP route or engine instance reads these tables.
 *
 * The rule, applied row by row inside one write transaction (so two concurrent queries
 * of a collaboration see each other's rows): an earlier row is *near* a new row when,
 * for some constrained column both have, their user sets differ by at least 1 and fewer
 * than k users (k = that column's output constraint minimum). Each measure of the new
 * row takes the value of the first near row that released the same measure (same
 * group first, then the earliest); otherwise its fresh value. So two fresh values of a
 * measure are only ever released over user sets that are equal or k or more apart.
 */
import { randomBytes } from 'node:crypto';
import { endianness } from 'node:os';
import type { Kysely } from 'kysely';
import type { Database } from '../metadata/schema.ts';
import { nowIso } from './clock.ts';
import { withImmediateTransaction } from './privacy-budgets.ts';

if (endianness() !== 'LE') throw new Error('Internal error: the difference store encodes user sets little-endian');

/** A value as the engine returned it (big integers and decimals as text). */
export type ExactCell = string | number | boolean | null;

/** One released value of a measure (an aggregate such as `sum` of one table's column). */
export interface MeasureValue {
  /** Engine type, e.g. `BIGINT`, `DECIMAL(38,2)`: a stored value replaces only one of the same type. */
  readonly type: string;
  readonly value: ExactCell;
}

/** The distinct keyed hashes of the users behind a row, sorted (integers below 2^52). */
export interface UserSet {
  readonly hashes: Float64Array;
  /** XOR of the hashes: a shortcut for "same set" (the hashes are keyed, so unforgeable). */
  readonly fingerprint: string;
}

export function userSet(hashes: Iterable<number>): UserSet {
  const sorted = Float64Array.from(new Set(hashes)).sort();
  let hi = 0;
  let lo = 0;
  for (const h of sorted) {
    if (!Number.isSafeInteger(h) || h < 0) throw new Error('Internal error: a user hash is not a 52-bit integer');
    hi = (hi ^ Math.floor(h / 2 ** 32)) >>> 0;
    lo = (lo ^ h % 2 ** 32) >>> 0;
  }
  return { hashes: sorted, fingerprint: `${hi.toString(16)}:${lo.toString(16)}` };
}

/** |a Δ b| for sorted arrays, counted up to `limit` (then `limit` is returned). */
export function symmetricDifference(a: Float64Array, b: Float64Array, limit: number): number {
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < a.length && j < b.length) {
    const x = a[i] as number;
    const y = b[j] as number;
    if (x === y) {
      i++;
      j++;
      continue;
    }
    d++;
    if (d >= limit) return limit;
    if (x < y) i++;
    else j++;
  }
  return Math.min(limit, d + (a.length - i) + (b.length - j));
}

/** One row about to be released. */
export interface StickyRow {
  /** The row's group: canonical key expressions and values (same group is preferred). */
  readonly group: string;
  /** Per constrained column (`<table id>.<column>`), its users. */
  readonly users: ReadonlyMap<string, UserSet>;
  /** The row's fresh values, by measure key. */
  readonly measures: ReadonlyMap<string, MeasureValue>;
}

/** The secret that keys one collaboration's user hashes, created on first use. */
export async function differenceSecret(db: Kysely<Database>, collaborationId: number): Promise<string> {
  const read = async (): Promise<string | undefined> =>
    (await db.selectFrom('difference_check_keys').select('secret').where('collaboration_id', '=', collaborationId).executeTakeFirst())?.secret;
  const existing = await read();
  if (existing !== undefined) return existing;
  await db
    .insertInto('difference_check_keys')
    .values({ collaboration_id: collaborationId, secret: randomBytes(32).toString('hex'), created_at: nowIso() })
    .onConflict((oc) => oc.column('collaboration_id').doNothing())
    .execute();
  const created = await read();
  if (created === undefined) throw new Error('Internal error: the difference-check secret was not stored');
  return created;
}

interface Candidate {
  readonly group: string;
  readonly measures: Readonly<Record<string, MeasureValue>>;
  readonly near: boolean;
  /** Constrained columns on which this row's users equal the new row's. */
  readonly same: Set<string>;
  readonly measuresJson: string;
}

/** A stored set's row, without the set itself (read only when needed). */
interface StoredSet {
  readonly id: number;
  readonly count: number;
  readonly fingerprint: string;
  readonly group: string;
  readonly measures: Readonly<Record<string, MeasureValue>>;
  readonly measuresJson: string;
}

/** First index whose count is at least `count` (`list` sorted by count). */
function lowerBound(list: readonly StoredSet[], count: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((list[mid]?.count ?? 0) < count) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Decides, row by row in the given order, the values to release for `rows` (sticky or
 * fresh, see the file comment) and records each row with its users and released values,
 * so later rows of the same query are checked against it too. `minimums` gives k per
 * constrained column. One write transaction: must not run inside another transaction
 * on `db`. Stored rows are read once per call (their sets only when a size is close
 * enough), then the query's rows are compared in memory.
 *
 * @example
 *   const [values] = await applyStickyAnswers(ws.db, collaborationId, queryId,
 *     [{ group: '[]', users: new Map([['3.email', userSet(hashes)]]), measures: new Map([['sum:3#0.cost', { type: 'DOUBLE', value: 12.5 }]]) }],
 *     new Map([['3.email', 100]]));
 */
export async function applyStickyAnswers(
  db: Kysely<Database>,
  collaborationId: number,
  queryId: string,
  rows: readonly StickyRow[],
  minimums: ReadonlyMap<string, number>,
): Promise<ReadonlyMap<string, MeasureValue>[]> {
  const minimum = (constraint: string): number => {
    const k = minimums.get(constraint);
    if (k === undefined || k < 1) throw new Error(`Internal error: no minimum for ${constraint}`);
    return k;
  };
  return withImmediateTransaction(db, async (trx) => {
    // Per constrained column, every stored row whose set size is within k of some new row's, by size.
    const index = new Map<string, StoredSet[]>();
    const parsed = new Map<number, Readonly<Record<string, MeasureValue>>>();
    for (const constraint of new Set(rows.flatMap((r) => [...r.users.keys()]))) {
      const k = minimum(constraint);
      const sizes = rows.flatMap((r) => { const u = r.users.get(constraint); return u === undefined ? [] : [u.hashes.length]; });
      const found = await trx
        .selectFrom('difference_sets as s')
        .innerJoin('difference_rows as r', 'r.id', 's.row_id')
        .select(['s.row_id as id', 's.user_count as count', 's.fingerprint as fingerprint', 'r.group_key as group', 'r.measures_json as measures'])
        .where('s.collaboration_id', '=', collaborationId)
        .where('s.constraint_key', '=', constraint)
        .where('s.user_count', '>', sizes.reduce((a, b) => Math.min(a, b)) - k)
        .where('s.user_count', '<', sizes.reduce((a, b) => Math.max(a, b)) + k)
        .orderBy('s.user_count')
        .orderBy('s.row_id')
        .execute();
      index.set(constraint, found.map((f) => {
        let measures = parsed.get(f.id);
        if (measures === undefined) {
          measures = JSON.parse(f.measures) as Record<string, MeasureValue>;
          parsed.set(f.id, measures);
        }
        return { id: f.id, count: f.count, fingerprint: f.fingerprint, group: f.group, measures, measuresJson: f.measures };
      }));
    }
    const sets = new Map<string, Float64Array>();
    const out: ReadonlyMap<string, MeasureValue>[] = [];
    for (const row of rows) {
      const candidates = new Map<number, Candidate>();
      for (const [constraint, users] of row.users) {
        const k = minimum(constraint);
        const size = users.hashes.length;
        const list = index.get(constraint) ?? [];
        // A row that released none of these measures cannot answer for them: skip its users.
        const relevant = list.slice(lowerBound(list, size - k + 1), lowerBound(list, size + k))
          .filter((f) => [...row.measures].some(([m, v]) => f.measures[m]?.type === v.type));
        const same = (f: StoredSet): boolean => f.count === size && f.fingerprint === users.fingerprint;
        const missing = relevant.filter((f) => !same(f) && !sets.has(`${f.id}|${constraint}`)).map((f) => f.id);
        for (let i = 0; i < missing.length; i += 500) {
          const stored = await trx
            .selectFrom('difference_sets')
            .select(['row_id', 'users'])
            .where('constraint_key', '=', constraint)
            .where('row_id', 'in', missing.slice(i, i + 500))
            .execute();
          // Copied into a fresh, aligned buffer.
          for (const x of stored) sets.set(`${x.row_id}|${constraint}`, new Float64Array(Uint8Array.from(x.users).buffer));
        }
        for (const f of relevant) {
          const distance = same(f) ? 0 : symmetricDifference(users.hashes, sets.get(`${f.id}|${constraint}`) ?? new Float64Array(), k);
          const seen = candidates.get(f.id) ?? { group: f.group, measures: f.measures, measuresJson: f.measuresJson, near: false, same: new Set<string>() };
          candidates.set(f.id, {
            ...seen,
            near: seen.near || (distance >= 1 && distance < k),
            same: distance === 0 ? new Set([...seen.same, constraint]) : seen.same,
          });
        }
      }
      // Same group first, then the earliest: neither depends on whether a target is in the data.
      const near = [...candidates.entries()]
        .filter(([, c]) => c.near)
        .sort(([a, x], [b, y]) => Number(y.group === row.group) - Number(x.group === row.group) || a - b);
      const released = new Map<string, MeasureValue>();
      for (const [measure, fresh] of row.measures) {
        const earlier = near.find(([, c]) => c.measures[measure]?.type === fresh.type)?.[1].measures[measure];
        released.set(measure, earlier ?? fresh);
      }
      out.push(released);
      const measures = sortedRecord(Object.fromEntries(released));
      const measuresJson = JSON.stringify(measures);
      // A rerun of the same question (same group, users and answer) adds nothing to remember.
      if ([...candidates.values()].some((c) => c.group === row.group && c.same.size === row.users.size && c.measuresJson === measuresJson)) continue;
      const inserted = await trx
        .insertInto('difference_rows')
        .values({ collaboration_id: collaborationId, query_id: queryId, group_key: row.group, measures_json: measuresJson, created_at: nowIso() })
        .returning('id')
        .executeTakeFirstOrThrow();
      for (const [constraint, users] of row.users) {
        await trx
          .insertInto('difference_sets')
          .values({
            row_id: inserted.id,
            collaboration_id: collaborationId,
            constraint_key: constraint,
            user_count: users.hashes.length,
            fingerprint: users.fingerprint,
            users: Buffer.from(users.hashes.buffer, users.hashes.byteOffset, users.hashes.byteLength),
          })
          .execute();
        // Later rows of this query are checked against this one too.
        const list = index.get(constraint) ?? [];
        const at = lowerBound(list, users.hashes.length + 1);
        list.splice(at, 0, { id: inserted.id, count: users.hashes.length, fingerprint: users.fingerprint, group: row.group, measures, measuresJson });
        index.set(constraint, list);
        sets.set(`${inserted.id}|${constraint}`, users.hashes);
      }
    }
    return out;
  });
}

function sortedRecord(r: Readonly<Record<string, MeasureValue>>): Record<string, MeasureValue> {
  return Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : 1)));
}
