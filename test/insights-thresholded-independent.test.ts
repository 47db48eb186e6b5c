import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInsight } from '../src/collaboration/insights.ts';
import type { Workspace } from '../src/collaboration/workspace.ts';
import type { CellValue } from '../src/engine/engine.ts';
import type { AnalysisRows } from '../src/insights/analysis.ts';
import { ANALYSES } from '../src/insights/library.ts';
import { generatedTestData, openTestDb, type GeneratedTestData, type TestDb, type TestParams } from '../src/insights/test-support.ts';
import { openConstrainedInsights } from './support/constrained-insights.ts';
import {
  attributionSql, audienceOverlapSql, audienceProfileSql, conversionLiftExposureSql, conversionLiftSql,
  conversionOverlapSql, frequencyToConversionSql, incrementalReachSql, reachFrequencySql, roasSql, timeToConversionSql,
} from './support/independent-media-sql.ts';

/**
 * Every custom-rule analysis of the library through the clean room, with the platforms'
 * tables (impressions, impressions_b, campaign_audience) constrained to
 * COUNT_DISTINCT email_address >= 100 per output row, against an answer to the same
 * question written independently in plain SQL over the raw generated files
 * (test/support/independent-media-sql.ts, from the documentation, with the threshold
 * worked out by hand) and, where the analysis has a `finish` step, the derived figures
 * computed here from the documented formulas. test/insights-constrained.test.ts checks
 * the same runs against the analyses' own SQL; this test does not share that SQL, so a
 * mistake in it (or in the clean room's threshold) shows as a difference.
 *
 * segment-export is a list-rule analysis and the tables here carry custom rules, so it is
 * not run (its list semantics are tested elsewhere).
 */
const MINIMUM = 100;
/**
 * Two data sets. 200k impressions (about 11k people per platform): every compared run
 * returns rows, and the minimum drops some (small frequency buckets, creatives,
 * currencies). 20k impressions (about 1.1k people): the minimum decides most rows, down
 * to whole runs returning nothing, which is then still compared (with candidate rows
 * that the threshold removed on the independent side).
 */
const SCALES: readonly { readonly scale: number; readonly everyRunHasRows: boolean }[] = [
  { scale: Number(process.env['INSIGHTS_INDEPENDENT_SCALE'] ?? 200_000), everyRunHasRows: true },
  { scale: Number(process.env['INSIGHTS_INDEPENDENT_SMALL_SCALE'] ?? 20_000), everyRunHasRows: false },
];
/** Relative tolerance for floating figures (ratios, statistics); counts and DECIMAL sums must match exactly. */
const TOLERANCE = 1e-9;

type Row = Readonly<Record<string, CellValue>>;
/** An expected cell: a value, or a pattern for free text (the lift caveat). */
type Expected = CellValue | RegExp;

interface Case {
  readonly analysis: string;
  readonly params: TestParams;
  /** The documented output columns, in order. */
  readonly columns: readonly string[];
  /** Columns that name a row (its group); compared exactly. */
  readonly keys: readonly string[];
  /** The independent query: the SQL columns plus `keep`. */
  readonly sql: string;
  /** The figures the analysis computes after the query, from the kept rows. */
  readonly derive?: (kept: readonly Row[]) => readonly Readonly<Record<string, Expected>>[];
}

// ---- derived figures, from the documentation's formulas -------------------------------

function num(cell: Expected | undefined): number | null {
  if (cell === null || cell === undefined) return null;
  if (typeof cell === 'number') return cell;
  if (typeof cell === 'string' && /^-?\d+(\.\d+)?$/.test(cell)) return Number(cell);
  throw new Error(`not a number: ${String(cell)}`);
}

function ratio(a: number | null, b: number | null): number | null {
  return a === null || b === null || b === 0 ? null : a / b;
}

/** erfc, Numerical Recipes `erfcc` (the approximation docs/insights-measurement.md names). */
function erfcc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + z / 2);
  const ans = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 +
    t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? ans : 2 - ans;
}

/** The 97.5% quantile of the standard normal distribution. */
const Z_975 = 1.959963984540054;
const HOLDOUT = /^Randomised holdout/;
const BIASED = /^BIASED/;

/** test_rate .. incremental_conversions of docs/insights-measurement.md (conversion-lift). */
function liftFigures(row: Row): Record<string, number | null> {
  const n1 = num(row['test_users']);
  const x1 = num(row['test_converters']);
  const n2 = num(row['control_users']);
  const x2 = num(row['control_converters']);
  const testRate = ratio(x1, n1);
  const controlRate = ratio(x2, n2);
  if (n1 === null || x1 === null || n2 === null || x2 === null || testRate === null || controlRate === null) {
    return {
      test_rate: testRate, control_rate: controlRate, absolute_lift: null, relative_lift: null,
      ci95_low: null, ci95_high: null, z: null, p_value: null, incremental_conversions: null,
    };
  }
  const lift = testRate - controlRate;
  const unpooled = Math.sqrt((testRate * (1 - testRate)) / n1 + (controlRate * (1 - controlRate)) / n2);
  const pooledRate = (x1 + x2) / (n1 + n2);
  const pooled = Math.sqrt(pooledRate * (1 - pooledRate) * (1 / n1 + 1 / n2));
  const z = pooled > 0 ? lift / pooled : null;
  return {
    test_rate: testRate,
    control_rate: controlRate,
    absolute_lift: lift,
    relative_lift: controlRate === 0 ? null : lift / controlRate,
    ci95_low: lift - Z_975 * unpooled,
    ci95_high: lift + Z_975 * unpooled,
    z,
    p_value: z === null ? null : erfcc(Math.abs(z) / Math.SQRT2),
    incremental_conversions: lift * n1,
  };
}

// ---- the cases -----------------------------------------------------------------------

const LIFT_COLUMNS = [
  'design', 'campaign_id', 'test_users', 'test_converters', 'control_users', 'control_converters', 'test_rate', 'control_rate',
  'absolute_lift', 'relative_lift', 'ci95_low', 'ci95_high', 'z', 'p_value', 'incremental_conversions', 'caveat',
] as const;

function audienceOverlap(segment: string): Case {
  return {
    analysis: 'audience-overlap',
    params: segment === 'none' ? {} : { segment },
    columns: ['segment', 'brand_customers', 'platform_audience', 'overlap', 'overlap_share_of_brand', 'overlap_share_of_platform', 'jaccard'],
    keys: ['segment'],
    sql: audienceOverlapSql(segment, MINIMUM),
    derive: (kept) => kept.map((r) => {
      const brand = num(r['brand_customers']);
      const platform = num(r['platform_audience']);
      const overlap = num(r['overlap']);
      const union = brand === null || platform === null || overlap === null ? null : brand + platform - overlap;
      return { ...r, overlap_share_of_brand: ratio(overlap, brand), overlap_share_of_platform: ratio(overlap, platform), jaccard: ratio(overlap, union) };
    }),
  };
}

function audienceProfile(dimension: string): Case {
  return {
    analysis: 'audience-profile',
    params: dimension === 'state' ? {} : { dimension },
    columns: ['value', 'overlap_people', 'overlap_total', 'base_people', 'base_total', 'share_of_overlap', 'share_of_base', 'index'],
    keys: ['value'],
    sql: audienceProfileSql(dimension, MINIMUM),
    derive: (kept) => kept.map((r) => {
      const ofOverlap = ratio(num(r['overlap_people']), num(r['overlap_total']));
      const ofBase = ratio(num(r['base_people']), num(r['base_total']));
      const index = ofOverlap === null || ofBase === null || ofBase === 0 ? null : (ofOverlap / ofBase) * 100;
      return { ...r, share_of_overlap: ofOverlap, share_of_base: ofBase, index };
    }),
  };
}

function reachFrequency(by: string, effectiveFrequency: string): Case {
  const params: Record<string, string> = {};
  if (by !== 'campaign') params['by'] = by;
  if (effectiveFrequency !== '3') params['effective_frequency'] = effectiveFrequency;
  return {
    analysis: 'reach-frequency',
    params,
    columns: ['campaign_id', 'breakdown', 'frequency_bucket', 'users', 'reach', 'impressions', 'average_frequency', 'effective_reach'],
    keys: ['campaign_id', 'breakdown', 'frequency_bucket'],
    sql: reachFrequencySql(by, effectiveFrequency, MINIMUM),
  };
}

function incrementalReach(by: string, customersOnly: string): Case {
  const params: Record<string, string> = {};
  if (by !== 'total') params['by'] = by;
  if (customersOnly !== 'false') params['brand_customers_only'] = customersOnly;
  return {
    analysis: 'incremental-reach',
    params,
    columns: ['campaign_id', 'reach_a', 'reach_b', 'overlap', 'combined_reach', 'incremental_reach_b', 'duplication_rate', 'incremental_share_of_b', 'reach_gain_over_a'],
    keys: ['campaign_id'],
    sql: incrementalReachSql(by, customersOnly, MINIMUM),
    derive: (kept) => kept.map((r) => ({
      ...r,
      duplication_rate: ratio(num(r['overlap']), num(r['combined_reach'])),
      incremental_share_of_b: ratio(num(r['incremental_reach_b']), num(r['reach_b'])),
      reach_gain_over_a: ratio(num(r['incremental_reach_b']), num(r['reach_a'])),
    })),
  };
}

function conversionOverlap(by: string): Case {
  return {
    analysis: 'conversion-overlap',
    params: by === 'overall' ? {} : { by },
    columns: ['breakdown', 'value', 'converters', 'exposed_converters', 'converters_after_exposure', 'conversions', 'exposed_conversions', 'conversions_after_exposure', 'exposed_share'],
    keys: ['breakdown', 'value'],
    sql: conversionOverlapSql(by, MINIMUM),
    derive: (kept) => kept.map((r) => ({ ...r, exposed_share: ratio(num(r['exposed_converters']), num(r['converters'])) })),
  };
}

function attribution(lookbackDays: string): Case {
  return {
    analysis: 'attribution',
    params: lookbackDays === '7' ? {} : { lookback_days: lookbackDays },
    columns: ['campaign_id', 'creative_id', 'currency', 'attributed', 'conversions', 'converters', 'revenue'],
    keys: ['campaign_id', 'creative_id', 'currency', 'attributed'],
    sql: attributionSql(lookbackDays, MINIMUM),
  };
}

function roas(lookbackDays: string, currency: string): Case {
  const params: Record<string, string> = {};
  if (lookbackDays !== '7') params['lookback_days'] = lookbackDays;
  if (currency !== 'USD') params['currency'] = currency;
  return {
    analysis: 'roas',
    params,
    columns: ['campaign_id', 'currency', 'impressions', 'spend', 'attributed_conversions', 'attributed_revenue', 'roas', 'cpa', 'cpm'],
    keys: ['campaign_id', 'currency'],
    sql: roasSql(lookbackDays, currency, MINIMUM),
    derive: (kept) => kept.map((r) => {
      // Other-currency rows have no spend: their ROAS, CPA and CPM are NULL.
      const spend = num(r['spend']);
      const conversions = num(r['attributed_conversions']);
      return {
        ...r,
        roas: ratio(num(r['attributed_revenue']), spend),
        cpa: ratio(spend, conversions),
        cpm: spend === null ? null : ratio(spend * 1000, num(r['impressions'])),
      };
    }),
  };
}

const CASES: readonly Case[] = [
  audienceOverlap('none'),
  audienceOverlap('state'),
  audienceOverlap('birth_country'),
  audienceOverlap('status'),
  audienceOverlap('device_type'),
  audienceProfile('state'),
  audienceProfile('birth_country'),
  audienceProfile('device_type'),
  reachFrequency('campaign', '3'),
  reachFrequency('creative', '3'),
  reachFrequency('placement', '5'),
  incrementalReach('total', 'false'),
  incrementalReach('campaign', 'false'),
  incrementalReach('campaign', 'true'),
  conversionOverlap('overall'),
  conversionOverlap('creative'),
  conversionOverlap('price'),
  attribution('7'),
  attribution('30'),
  {
    analysis: 'conversion-lift',
    params: {},
    columns: LIFT_COLUMNS,
    keys: ['design', 'campaign_id'],
    sql: conversionLiftSql(MINIMUM),
    derive: (kept) => kept.map((r) => ({ ...r, ...liftFigures(r), caveat: HOLDOUT })),
  },
  {
    analysis: 'conversion-lift-exposure',
    params: {},
    columns: LIFT_COLUMNS,
    keys: ['design', 'campaign_id'],
    sql: conversionLiftExposureSql(MINIMUM),
    derive: (kept) => kept.map((r) => ({ ...r, ...liftFigures(r), caveat: BIASED })),
  },
  roas('7', 'USD'),
  roas('30', 'CAD'),
  {
    analysis: 'frequency-to-conversion',
    params: {},
    columns: ['frequency_bucket', 'frequency_min', 'people', 'converters', 'conversion_rate', 'conversions'],
    keys: ['frequency_bucket'],
    sql: frequencyToConversionSql(MINIMUM),
    derive: (kept) => kept.map((r) => ({ ...r, conversion_rate: ratio(num(r['converters']), num(r['people'])) })),
  },
  {
    analysis: 'time-to-conversion',
    params: {},
    columns: ['anchor', 'bucket', 'bucket_order', 'conversions', 'converters', 'share'],
    keys: ['anchor', 'bucket'],
    sql: timeToConversionSql(MINIMUM),
    // The share's denominator is the anchor's conversions in the rows returned.
    derive: (kept) => kept.map((r) => {
      const total = kept.filter((o) => o['anchor'] === r['anchor']).reduce((sum, o) => sum + (num(o['conversions']) ?? 0), 0);
      return { ...r, share: ratio(num(r['conversions']), total) };
    }),
  },
];

// ---- comparison ------------------------------------------------------------------------

function objects(rows: AnalysisRows): Row[] {
  return rows.rows.map((row) => Object.fromEntries(rows.columns.map((c, i) => [c, row[i] ?? null])));
}

function sameNumber(a: number, b: number): boolean {
  return a === b || Math.abs(a - b) <= TOLERANCE * Math.max(Math.abs(a), Math.abs(b));
}

/** A decimal text without insignificant trailing zeros (`12.50` and `12.5` are one amount). */
function decimal(text: string): string {
  return text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
}

/**
 * Whether a clean-room cell equals the expected one: keys exactly; DECIMAL sums (text on
 * both sides: spend, revenue) exactly, since a cent off must show; other figures as
 * numbers within the tolerance.
 */
function sameCell(got: CellValue, expected: Expected, key: boolean): boolean {
  if (expected instanceof RegExp) return typeof got === 'string' && expected.test(got);
  if (got === null || expected === null || key || typeof got === 'boolean' || typeof expected === 'boolean') return got === expected;
  if (typeof got === 'string' && typeof expected === 'string') return decimal(got) === decimal(expected);
  const a = num(got);
  const b = num(expected);
  return a !== null && b !== null && sameNumber(a, b);
}

/** Differences between the clean room's rows and the expected ones, as readable lines (empty when equal). */
function differences(c: Case, got: AnalysisRows, expected: readonly Readonly<Record<string, Expected>>[]): string[] {
  const keyOf = (r: Readonly<Record<string, Expected>>): string => JSON.stringify(c.keys.map((k) => r[k] ?? null));
  const wanted = new Map(expected.map((r) => [keyOf(r), r]));
  const seen = new Set<string>();
  const out: string[] = [];
  for (const row of objects(got)) {
    const key = keyOf(row);
    if (seen.has(key)) out.push(`row ${key} returned twice`);
    seen.add(key);
    const want = wanted.get(key);
    if (want === undefined) {
      out.push(`unexpected row ${JSON.stringify(row)}`);
      continue;
    }
    for (const column of c.columns) {
      const e = want[column];
      if (e === undefined) throw new Error(`the expected rows of ${c.analysis} lack ${column}`);
      const g = row[column] ?? null;
      if (!sameCell(g, e, c.keys.includes(column))) out.push(`row ${key} ${column}: clean room ${JSON.stringify(g)}, expected ${String(e)}`);
    }
  }
  for (const [key, row] of wanted) if (!seen.has(key)) out.push(`missing row ${key}: ${JSON.stringify(row, (_, v: unknown) => (v instanceof RegExp ? String(v) : v))}`);
  return out;
}

describe.each(SCALES)('the insights library through the clean room at scale $scale, against independent thresholded SQL', ({ scale, everyRunHasRows }) => {
  let data: GeneratedTestData;
  let workspace: Workspace;
  let plain: TestDb;
  /** Per case, the candidate rows of the independent SQL and how many the hand-made threshold dropped. */
  const tally = new Map<string, { readonly candidates: number; readonly dropped: number }>();

  beforeAll(async () => {
    data = await generatedTestData({ seed: 5, scale, platforms: 2 });
    plain = await openTestDb();
    for (const [name, relation] of Object.entries(data.tables)) await plain.run(`CREATE VIEW ${name} AS SELECT * FROM ${relation}`);
    workspace = await openConstrainedInsights(data, MINIMUM);
  }, 180_000);

  afterAll(async () => {
    await workspace.close();
    plain.close();
    await data.remove();
  });

  it('covers every custom-rule analysis of the library', () => {
    const covered = new Set(CASES.map((c) => c.analysis));
    expect(ANALYSES.filter((a) => a.rule === 'custom').map((a) => a.name).filter((n) => !covered.has(n))).toEqual([]);
  });

  it('conversion ids are unique, as the independent SQL assumes (it keys conversions by transaction_id)', async () => {
    const r = await plain.query('SELECT count(*) = count(DISTINCT transaction_id) FROM conversions');
    expect(r.rows[0]?.[0]).toBe(true);
  });

  for (const c of CASES) {
    const name = `${c.analysis} ${JSON.stringify(c.params)}`;
    it(`${name} matches the independent answer`, async () => {
      const run = await runInsight(workspace, c.analysis, 'media', 'brand', c.params);
      // conversion-lift must run the holdout design here: campaign_audience is associated.
      expect(run.analysis).toBe(c.analysis);
      const { outcome } = run;
      if (outcome.status !== 'succeeded' || !outcome.delivery) throw new Error(`${c.analysis}: ${JSON.stringify(outcome)}`);
      const got: AnalysisRows = run.finished ?? { columns: outcome.delivery.columns.map((col) => col.name), rows: outcome.delivery.rows };

      const candidates = objects(await plain.query(c.sql));
      const kept = candidates.filter((r) => r['keep'] === true).map(({ keep: _keep, ...rest }) => rest);
      tally.set(name, { candidates: candidates.length, dropped: candidates.length - kept.length });
      const expected = c.derive ? c.derive(kept) : kept;

      expect(got.columns).toEqual(c.columns);
      expect(differences(c, got, expected)).toEqual([]);
      // An empty answer on both sides would prove little: on the large data set every run
      // has rows; on the small one the independent side must at least have had candidates.
      if (everyRunHasRows) expect(expected.length).toBeGreaterThan(0);
      else expect(candidates.length).toBeGreaterThan(0);
    });
  }

  it('the threshold decides: the compared runs drop rows under it', () => {
    expect(tally.size).toBe(CASES.length);
    const dropped = [...tally.values()].reduce((sum, t) => sum + t.dropped, 0);
    expect(dropped).toBeGreaterThan(0);
  });
});
