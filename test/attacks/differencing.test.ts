/**
 * Attack suite (issue 4) — differencing, trackers, planting and padding against the
 * AGGREGATION rule: exact thresholds alone versus the rule's noise mode (Cleanroom's,
 * after Google Ads Data Hub's noise mode).
 *
 * The platform's impressions hold 600 background people and 16 candidates; each
 * candidate was exposed (has one impression) with probability 1/2, drawn with node:crypto
 * for every run. The brand knows all of them as customers and wants to learn which
 * candidates were exposed, which no single output row may tell (threshold 3 people).
 *
 * Every attack runs twice, through the real clean room:
 * - collaboration `exact`: the aggregation rule with exact thresholds. The attack
 *   recovers every candidate's bit — the documented limit of thresholds (RULES.md "What
 *   thresholds do not stop"; the cloud service's aggregation rule has the same limit).
 *   These tests assert that the attack works there, so that the noisy variant is a real
 *   test of the defence, not of a broken attack.
 * - collaboration `noisy`: the same rule with `differentialPrivacy` (noise mode). The
 *   assertion is statistical: the attacker does not recover all 16 bits. Its failure
 *   probability is bounded in test/support/attack-stats.ts from the ε of the answers the
 *   attacker actually got (at most the printed bound, below 1e-3 by construction).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AttackWorld, aggregation, budget, delivered, type Cell } from '../support/attack-world.ts';
import { PrivacyLoss, hamming, randomBits, range } from '../support/attack-stats.ts';
import type { QueryOutcome } from '../../src/collaboration/run-query.ts';

const M = 16;
const BACKGROUND = 600;
const pad2 = (j: number): string => String(j).padStart(2, '0');
const cand = (j: number): string => `cand${pad2(j)}@victim.example`;
const slot = (j: number): string => `s${pad2(j)}`;
const candDate = (j: number): string => `2024-04-${pad2(j + 1)}`;
const candCost = (j: number): number => 1 + (j % 5);
const FANOUT = 2000;

const bits = randomBits(M);

function impressionsCsv(): string {
  const rows = ['email_address,creative_id,cost,campaign_id,device_type,d'];
  for (let k = 0; k < BACKGROUND; k++) {
    rows.push(`u${k}@x.com,cr${k % 4},${1 + (k % 5)},cmp${k % M},${k % 2 === 0 ? 'mobile' : 'desktop'},2024-03-${pad2(1 + (k % 14))}`);
  }
  // Candidate j, if exposed: the only 'tv' row of campaign cmp<j>, the only row of creative crc<j> and of its date.
  bits.forEach((present, j) => {
    if (present) rows.push(`${cand(j)},crc${pad2(j)},${candCost(j)},cmp${j},tv,${candDate(j)}`);
  });
  // Rows without a person (NULL) and with the empty string as e-mail, before every other date.
  for (let k = 0; k < 40; k++) rows.push(`,crn,5,cmpnull,mobile,2024-02-01`, `<empty>,crn,5,cmpnull,mobile,2024-02-01`);
  rows.push('u0@x.com,crn,1,cmpnull,mobile,2024-02-01', 'u1@x.com,crn,2,cmpnull,mobile,2024-02-01');
  return `${rows.join('\n')}\n`;
}

function customersCsv(): string {
  const rows = ['email_address,state,slot'];
  for (let k = 0; k < BACKGROUND; k++) {
    // u<2j> and u<2j+1> share candidate j's state Z<j>: the brand plants known exposed people next to each candidate.
    // The last one is the padding target: one real exposed person among 1000 made-up customers (below).
    const state = k < 2 * M ? `Z${pad2(Math.floor(k / 2))}` : k === BACKGROUND - 1 ? 'PAD' : k % 2 === 0 ? 'CA' : 'NY';
    rows.push(`u${k}@x.com,${state},bg`);
  }
  for (let j = 0; j < M; j++) rows.push(`${cand(j)},Z${pad2(j)},${slot(j)}`);
  // Padding: 1000 made-up customers next to that one exposed person ...
  for (let k = 0; k < 1000; k++) rows.push(`fake${k}@pad.example,PAD,pad`);
  // ... and the NULL / empty-string tricks.
  rows.push(',NUL,nul', '<empty>,NUL,nul');
  return `${rows.join('\n')}\n`;
}

function conversionsCsv(): string {
  const rows = ['email_address,transaction_id,event_type'];
  for (let k = 0; k < BACKGROUND; k++) rows.push(`u${k}@x.com,t${k},purchase`);
  // Fan-out: every candidate converts FANOUT times (the brand's own rows).
  for (let j = 0; j < M; j++) for (let r = 0; r < FANOUT; r++) rows.push(`${cand(j)},c${j}-${r},purchase`);
  return `${rows.join('\n')}\n`;
}

const impressionsRule = (noisy: boolean): unknown => aggregation({
  aggregateColumns: [
    { columnNames: ['email_address'], function: 'COUNT_DISTINCT' },
    { columnNames: ['cost'], function: 'SUM' },
    { columnNames: ['cost'], function: 'COUNT' },
  ],
  joinColumns: ['email_address'],
  joinRequired: 'QUERY_RUNNER',
  dimensionColumns: ['campaign_id', 'device_type', 'creative_id', 'd'],
  scalarFunctions: [],
  outputConstraints: [{ columnName: 'email_address', minimum: 3, type: 'COUNT_DISTINCT' }],
  ...(noisy ? { differentialPrivacy: { columns: [{ name: 'email_address' }], bounds: [{ columnName: 'cost', lower: 0, upper: 5 }] } } : {}),
});
const customersRule = aggregation({
  aggregateColumns: [{ columnNames: ['email_address'], function: 'COUNT_DISTINCT' }],
  joinColumns: ['email_address'],
  dimensionColumns: ['state', 'slot'],
  scalarFunctions: [],
  outputConstraints: [{ columnName: 'email_address', minimum: 2, type: 'COUNT_DISTINCT' }],
});
const conversionsRule = aggregation({
  aggregateColumns: [{ columnNames: ['email_address'], function: 'COUNT_DISTINCT' }, { columnNames: ['transaction_id'], function: 'COUNT' }],
  joinColumns: ['email_address'],
  dimensionColumns: ['event_type'],
  scalarFunctions: [],
  outputConstraints: [{ columnName: 'email_address', minimum: 2, type: 'COUNT_DISTINCT' }],
});

let world: AttackWorld;
beforeAll(async () => {
  world = await AttackWorld.create({
    impressions: { owner: 'platform', csv: impressionsCsv() },
    customers: { owner: 'brand', csv: customersCsv() },
    conversions: { owner: 'brand', csv: conversionsCsv() },
  });
  for (const noisy of [false, true]) {
    await world.collaboration(noisy ? 'noisy' : 'exact', [
      // ε 20 at 100 users of noise (0.03 per unit): ample for every attack below.
      { name: 'impressions', owner: 'platform', dataset: 'impressions', rule: impressionsRule(noisy), ...(noisy ? { budget: budget(20, 100) } : {}) },
      { name: 'customers', owner: 'brand', dataset: 'customers', rule: customersRule },
      { name: 'conversions', owner: 'brand', dataset: 'conversions', rule: conversionsRule },
    ]);
  }
}, 120_000);
afterAll(async () => {
  await world.close();
});

const J = 'FROM impressions i JOIN customers c ON i.email_address = c.email_address';

/** The first row of an outcome (undefined when the row was suppressed). */
function firstRow(outcome: QueryOutcome): Cell[] | undefined {
  return delivered(outcome)[0];
}

/** A number of the first row, or undefined when the row was suppressed. */
function valueOf(outcome: QueryOutcome, column = 0): number | undefined {
  const v = firstRow(outcome)?.[column];
  return v === undefined || v === null ? undefined : Number(v);
}

/** Each noisy query must be a new question (a repeated one returns the stored answer): vary the alias. */
let aliasCounter = 0;
function fresh(sql: string): string {
  aliasCounter += 1;
  return sql.replaceAll(/\bi\./g, `i${aliasCounter}.`).replace(/impressions i\b/, `impressions i${aliasCounter}`);
}

/** Differences of consecutive prefix counts: the attacker's estimate of each bit. */
function decodePrefix(counts: readonly (number | undefined)[]): boolean[] {
  return range(M).map((j) => {
    const [before, after] = [counts[j], counts[j + 1]];
    return before !== undefined && after !== undefined && after - before > 0.5;
  });
}

/** Runs the prefix attack: query k (k = 0..M) covers candidates 0..k-1. */
async function prefixAttack(collaboration: string, where: (k: number) => string, loss?: PrivacyLoss): Promise<(number | undefined)[]> {
  const counts: (number | undefined)[] = [];
  for (let k = 0; k <= M; k++) {
    const sql = `SELECT COUNT(DISTINCT i.email_address) AS n ${J} WHERE ${where(k)}`;
    const outcome = await world.run(collaboration, loss ? fresh(sql) : sql);
    if (outcome.status !== 'succeeded') throw new Error(JSON.stringify(outcome));
    loss?.charge(outcome.privacy, range(k));
    counts.push(valueOf(outcome));
  }
  return counts;
}

function expectNotRecovered(guess: readonly boolean[], loss: PrivacyLoss): void {
  const bound = loss.bound();
  // The design keeps the failure probability of this test tiny, whatever the random bits.
  expect(bound).toBeLessThan(1e-3);
  // Fails with probability at most `bound` if the noise mode is differentially private.
  expect(hamming(guess, bits), `every bit recovered; P(this) <= ${bound.toExponential(2)} under the DP guarantee`).toBeGreaterThan(0);
}

// d < DATE 'x' versus d <= DATE 'x' (equivalently d < the next day): one candidate apart.
const byDate = (k: number): string => (k === 0 ? `i.d < DATE '${candDate(0)}'` : `i.d <= DATE '${candDate(k - 1)}'`);
// IN lists that differ by one value: the background plus candidates 0..k-1.
const byInList = (k: number): string => `c.slot IN ('bg'${range(k).map((j) => `, '${slot(j)}'`).join('')})`;

describe('differencing with two overlapping filters (Denning 1979; Dinur–Nissim 2003 reconstruction by prefix differences)', () => {
  it('exact thresholds: `<` vs `<=` on a date gives each candidate by subtraction, count and cost (documented limit of AWS Clean Rooms-style thresholds)', async () => {
    const counts = await prefixAttack('exact', byDate);
    expect(decodePrefix(counts)).toEqual(bits);
    // The value leaks too: the difference of two SUMs is the candidate's own cost, exactly.
    const j = bits.indexOf(true);
    if (j >= 0) {
      const sum = async (where: string): Promise<number | undefined> =>
        valueOf(await world.run('exact', `SELECT SUM(i.cost) AS s ${J} WHERE ${where}`));
      const diff = (await sum(byDate(j + 1)) ?? NaN) - (await sum(byDate(j)) ?? NaN);
      const truth = await world.plainNumber(`SELECT cost FROM impressions WHERE email_address = '${cand(j)}'`);
      expect(diff).toBe(truth);
    }
    // Thresholds do stop the direct question: one person's date alone gives no row.
    expect(delivered(await world.run('exact', `SELECT COUNT(DISTINCT i.email_address) AS n ${J} WHERE i.d = DATE '${candDate(0)}'`))).toEqual([]);
  });

  it('exact thresholds: IN lists differing by one value give each candidate by subtraction (documented limit)', async () => {
    expect(decodePrefix(await prefixAttack('exact', byInList))).toEqual(bits);
  });

  it('noise mode (Ads Data Hub-style): the same `<` vs `<=` date attack does not recover the candidates (statistical, P(fail) < 1e-3)', async () => {
    const loss = new PrivacyLoss(M);
    expectNotRecovered(decodePrefix(await prefixAttack('noisy', byDate, loss)), loss);
  });

  it('noise mode: the same IN-list attack does not recover the candidates (statistical, P(fail) < 1e-3)', async () => {
    const loss = new PrivacyLoss(M);
    expectNotRecovered(decodePrefix(await prefixAttack('noisy', byInList, loss)), loss);
  });
});

describe('tracker (Denning, Denning and Schwartz 1979)', () => {
  // Candidate j is the only person with C = (campaign cmp<j> AND device tv). The tracker
  // T = (campaign cmp<j> AND NOT device tv) and A = (campaign cmp<j>) both hold ~37 people.
  const a = (j: number): string => `SELECT COUNT(DISTINCT i.email_address) AS n, SUM(i.cost) AS s ${J} WHERE i.campaign_id = 'cmp${j}'`;
  const t = (j: number): string => `${a(j)} AND i.device_type <> 'tv'`;

  it('exact thresholds: C is suppressed, yet A − T gives every candidate and its cost (documented limit)', async () => {
    const guess: boolean[] = [];
    for (let j = 0; j < M; j++) {
      expect(delivered(await world.run('exact', `${a(j)} AND i.device_type = 'tv'`))).toEqual([]);
      const [all, tracker] = [firstRow(await world.run('exact', a(j))), firstRow(await world.run('exact', t(j)))];
      const [n, s] = [Number(all?.[0]) - Number(tracker?.[0]), Number(all?.[1]) - Number(tracker?.[1])];
      guess.push(n === 1);
      expect(s).toBe(bits[j] ? candCost(j) : 0);
    }
    expect(guess).toEqual(bits);
  });

  it('noise mode: A − T does not recover the candidates (statistical, P(fail) < 1e-3)', async () => {
    const loss = new PrivacyLoss(M);
    const guess: boolean[] = [];
    for (let j = 0; j < M; j++) {
      const all = await world.run('noisy', fresh(a(j)));
      const tracker = await world.run('noisy', fresh(t(j)));
      loss.charge(all.status === 'succeeded' ? all.privacy : undefined, [j]);
      loss.charge(tracker.status === 'succeeded' ? tracker.privacy : undefined, [j]);
      const [x, y] = [valueOf(all), valueOf(tracker)];
      guess.push(x !== undefined && y !== undefined && x - y > 0.5);
    }
    expectNotRecovered(guess, loss);
  });
});

describe('planting known people next to a target (the one-bit oracle of RULES.md "What thresholds do not stop")', () => {
  // The brand gave candidate j and two people it knows were exposed the state Z<j>: the
  // row passes the platform's threshold of 3 exactly when the candidate was exposed.
  const planted = (j: number): string => `SELECT COUNT(DISTINCT i.email_address) AS n ${J} WHERE c.state = 'Z${pad2(j)}'`;

  it('exact thresholds: the row appears exactly for exposed candidates (documented limit)', async () => {
    const guess: boolean[] = [];
    for (let j = 0; j < M; j++) guess.push(delivered(await world.run('exact', planted(j))).length > 0);
    expect(guess).toEqual(bits);
  });

  it('noise mode: thresholds on the noisy count do not reveal the candidates (statistical, P(fail) < 1e-3)', async () => {
    const loss = new PrivacyLoss(M);
    const guess: boolean[] = [];
    for (let j = 0; j < M; j++) {
      const outcome = await world.run('noisy', fresh(planted(j)));
      loss.charge(outcome.status === 'succeeded' ? outcome.privacy : undefined, [j]);
      guess.push(delivered(outcome).length > 0);
    }
    expectNotRecovered(guess, loss);
  });
});

describe('padding one\'s own table with fake rows to pass a threshold', () => {
  it('AWS Clean Rooms output constraint: 1000 made-up customers next to one exposed person pass the brand\'s own threshold, never the platform\'s', async () => {
    const sql = `SELECT COUNT(DISTINCT i.email_address) AS n, SUM(i.cost) AS s ${J} WHERE c.state = 'PAD'`;
    // Independently: the brand's group is 1001 people, exactly one of them in impressions.
    expect(await world.plainNumber("SELECT count(DISTINCT email_address) FROM customers WHERE state = 'PAD'")).toBe(1001);
    expect(await world.plainNumber("SELECT count(DISTINCT i.email_address) FROM impressions i JOIN customers c ON i.email_address = c.email_address WHERE c.state = 'PAD'"))
      .toBe(1);
    expect(delivered(await world.run('exact', sql))).toEqual([]);
  });
});

describe('narrowing by HAVING', () => {
  it('exact thresholds: HAVING cannot select the groups the threshold suppressed (one exposed candidate per creative)', async () => {
    // Independently: every exposed candidate is a creative group of exactly one person.
    const small = await world.plain(`SELECT i.creative_id FROM impressions i JOIN customers c ON i.email_address = c.email_address
      GROUP BY 1 HAVING count(DISTINCT i.email_address) < 3`);
    expect(small.length).toBeGreaterThanOrEqual(bits.filter(Boolean).length);
    for (const having of ['COUNT(DISTINCT i.email_address) < 3', 'COUNT(DISTINCT i.email_address) = 1', 'SUM(i.cost) <= 5']) {
      const rows = delivered(await world.run('exact', `SELECT i.creative_id, COUNT(DISTINCT i.email_address) AS n ${J} GROUP BY i.creative_id HAVING ${having}`));
      expect(rows.filter((r) => String(r[0]).startsWith('crc') || r[0] === 'crn'), having).toEqual([]);
      for (const r of rows) expect(Number(r[1])).toBeGreaterThanOrEqual(3);
    }
  });

  it('noise mode: HAVING on exact values is refused (it would act on the exact count)', async () => {
    const outcome = await world.run('noisy', `SELECT i.creative_id, COUNT(DISTINCT i.email_address) AS n ${J} GROUP BY i.creative_id HAVING COUNT(DISTINCT i.email_address) < 3`);
    expect(outcome).toMatchObject({ status: 'refused', error: { code: 'dp-not-aggregate' } });
    if (outcome.status === 'refused') expect(outcome.error.message).toMatch(/HAVING/);
  });
});

describe('join fan-out to amplify one user', () => {
  // Each candidate converts 1000 times in the brand's own table; a second join to it
  // would multiply each candidate's impression by 1000 without row-once counting.
  const sql = `SELECT COUNT(i.cost) AS n, SUM(i.cost) AS s ${J} JOIN conversions v ON v.email_address = c.email_address WHERE c.slot <> 'bg'`;

  it('exact thresholds: each impression counts once (row-once semantics), as plain SQL over distinct rows', async () => {
    const exposed = bits.filter(Boolean).length;
    const outcome = await world.run('exact', sql);
    // Independently: impressions rows of candidates that have a conversion, each once.
    const [truth] = await world.plain(`SELECT count(i.cost), sum(i.cost) FROM impressions i WHERE i.email_address IN
      (SELECT c.email_address FROM customers c JOIN conversions v ON v.email_address = c.email_address WHERE c.slot <> 'bg')`);
    if (exposed < 3) expect(delivered(outcome)).toEqual([]);
    else expect(delivered(outcome)).toEqual([[truth?.[0], truth?.[1]]]);
  });

  it('noise mode: the released count stays within the noise of the bounded count, far from the fanned-out one (P(fail) ≈ 1e-6)', async () => {
    const outcome = await world.run('noisy', fresh(sql));
    if (outcome.status !== 'succeeded' || !outcome.privacy) throw new Error(JSON.stringify(outcome));
    const bounded = await world.plainNumber(`SELECT count(DISTINCT i.email_address) FROM impressions i WHERE i.email_address IN
      (SELECT c.email_address FROM customers c JOIN conversions v ON v.email_address = c.email_address WHERE c.slot <> 'bg')`);
    const fannedOut = bounded * FANOUT;
    const b95 = outcome.privacy.columns.find((col) => col.name === 'n')?.errorBound95 ?? NaN;
    expect(10 * b95).toBeLessThan(FANOUT - 1);
    const n = valueOf(outcome);
    // A suppressed row (noisy count under 3) tells nothing either.
    if (n !== undefined) {
      // P(|discrete Laplace| > 5 × its 95% bound) is about 0.05^5 ≈ 3e-7.
      expect(Math.abs(n - bounded)).toBeLessThanOrEqual(5 * b95);
      if (bounded > 0) expect(Math.abs(n - fannedOut)).toBeGreaterThan(5 * b95);
    }
  });
});

describe('NULL and empty-string keys under exact thresholds', () => {
  it("NULL never joins NULL and counts for no one; '' is one value, like in plain SQL", async () => {
    // cmpnull: 40 NULL rows, 40 '' rows, u0 and u1. The brand has a NULL and a '' customer.
    const sql = `SELECT COUNT(DISTINCT i.email_address) AS n, SUM(i.cost) AS s, COUNT(i.cost) AS r ${J} WHERE i.campaign_id = 'cmpnull'`;
    const [truth] = await world.plain(`SELECT count(DISTINCT i.email_address), sum(i.cost), count(i.cost) FROM impressions i
      WHERE i.campaign_id = 'cmpnull' AND i.email_address IN (SELECT email_address FROM customers)`);
    // By hand: '' (40 rows of cost 5), u0 (1) and u1 (2): three values, 42 rows, cost 203; the NULL rows join nothing.
    expect(truth).toEqual([3, 203, 42]);
    expect(delivered(await world.run('exact', sql))).toEqual([truth]);
    // Without the '' key the group is two people: suppressed, though 80 more platform rows share the campaign.
    expect(delivered(await world.run('exact', `${sql} AND c.slot = 'bg'`))).toEqual([]);
  });
});
