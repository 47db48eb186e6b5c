/**
 * FOR TESTS: the questions of the media insights library asked of plain DuckDB, written
 * from the analyses' documentation (docs/insights-planning.md, docs/insights-measurement.md
 * and each analysis's `documentation`), not from the analyses' SQL, so that a test can
 * hold the clean room's answers against a second, independent computation.
 *
 * The queries read views named after the roles (`customers`, `conversions`,
 * `impressions`, `impressions_b`, `campaign_audience`) over the raw generated files, and
 * return every candidate row of the answer plus a boolean `keep`: whether the row passes
 * the platforms' output constraint (COUNT_DISTINCT email_address >= minimum on
 * impressions, impressions_b and campaign_audience). `keep` is worked out by hand per
 * analysis from the documentation's privacy notes: which of the platform's people stand
 * behind the row, counted in an aggregate of their own. Ratios that the analyses compute
 * after the query are left to the test.
 *
 * Parameters reach the SQL as identifiers or literals chosen from fixed lists (or
 * checked integers), never as free text.
 */

/** The customer columns a segment or dimension may name. */
const CUSTOMER_DIMENSIONS = ['state', 'birth_country', 'status'] as const;

function customerDimension(name: string): string {
  const found = CUSTOMER_DIMENSIONS.find((d) => d === name);
  if (found === undefined) throw new Error(`not a customer dimension: ${name}`);
  return found;
}

function integer(value: string): number {
  if (!/^\d+$/.test(value)) throw new Error(`not a whole number: ${value}`);
  return Number(value);
}

/** A text literal from a short code (currency, campaign breakdown); anything unusual is refused. */
function code(value: string): string {
  if (!/^[A-Za-z_]+$/.test(value)) throw new Error(`unexpected code: ${value}`);
  return `'${value}'`;
}

/** People (non-NULL email_address) of a table, once each. */
const people = (table: string): string =>
  `SELECT DISTINCT email_address AS person FROM ${table} WHERE email_address IS NOT NULL`;

/**
 * audience-overlap. Without a segment one row 'all'; a customer dimension splits only the
 * customers (the platform total on every row); device_type splits only the platform side.
 * Platform people behind a row: the whole audience (no segment), the overlap of the
 * segment (customer dimension: non-customers have no state and are in no row), the
 * people seen on the device (device_type).
 */
export function audienceOverlapSql(segment: string, minimum: number): string {
  if (segment === 'none') {
    return `WITH brand AS (${people('customers')}), audience AS (${people('impressions')})
SELECT 'all' AS segment,
  (SELECT count(*) FROM brand) AS brand_customers,
  (SELECT count(*) FROM audience) AS platform_audience,
  (SELECT count(*) FROM brand WHERE person IN (SELECT person FROM audience)) AS overlap,
  (SELECT count(DISTINCT person) FROM audience) >= ${minimum} AS keep`;
  }
  if (segment === 'device_type') {
    return `WITH brand AS (${people('customers')}),
seen AS (
  SELECT DISTINCT COALESCE(device_type, '(missing)') AS segment, email_address AS person
  FROM impressions WHERE email_address IS NOT NULL
)
SELECT s.segment,
  (SELECT count(*) FROM brand) AS brand_customers,
  count(*) AS platform_audience,
  count(b.person) AS overlap,
  count(DISTINCT s.person) >= ${minimum} AS keep
FROM seen s LEFT JOIN brand b ON b.person = s.person
GROUP BY s.segment`;
  }
  const column = customerDimension(segment);
  return `WITH audience AS (${people('impressions')}),
brand AS (
  SELECT DISTINCT COALESCE(${column}, '(missing)') AS segment, email_address AS person
  FROM customers WHERE email_address IS NOT NULL
)
SELECT b.segment,
  count(*) AS brand_customers,
  (SELECT count(*) FROM audience) AS platform_audience,
  count(a.person) AS overlap,
  count(DISTINCT a.person) >= ${minimum} AS keep
FROM brand b LEFT JOIN audience a ON a.person = b.person
GROUP BY b.segment`;
}

/**
 * audience-profile, before shares and index. Base: customers (customer dimension) or the
 * platform audience (device_type); overlap: customers in the platform audience. Platform
 * people behind a row: the overlap with the value (customer dimension), the audience seen
 * on the device (device_type).
 */
export function audienceProfileSql(dimension: string, minimum: number): string {
  const overlapTotal = `(SELECT count(*) FROM (${people('customers')}) c WHERE c.person IN (SELECT person FROM (${people('impressions')})))`;
  if (dimension === 'device_type') {
    return `WITH brand AS (${people('customers')}),
seen AS (
  SELECT DISTINCT COALESCE(device_type, '(missing)') AS value, email_address AS person
  FROM impressions WHERE email_address IS NOT NULL
)
SELECT s.value,
  count(b.person) AS overlap_people,
  ${overlapTotal} AS overlap_total,
  count(*) AS base_people,
  (SELECT count(DISTINCT person) FROM seen) AS base_total,
  count(DISTINCT s.person) >= ${minimum} AS keep
FROM seen s LEFT JOIN brand b ON b.person = s.person
GROUP BY s.value`;
  }
  const column = customerDimension(dimension);
  return `WITH audience AS (${people('impressions')}),
brand AS (
  SELECT DISTINCT COALESCE(${column}, '(missing)') AS value, email_address AS person
  FROM customers WHERE email_address IS NOT NULL
)
SELECT b.value,
  count(a.person) AS overlap_people,
  ${overlapTotal} AS overlap_total,
  count(*) AS base_people,
  (SELECT count(DISTINCT person) FROM brand) AS base_total,
  count(DISTINCT a.person) >= ${minimum} AS keep
FROM brand b LEFT JOIN audience a ON a.person = b.person
GROUP BY b.value`;
}

/**
 * reach-frequency, average_frequency included. Group = campaign (and creative or
 * placement); frequency = the person's impressions in the group. Platform people behind a
 * bucket row: its users.
 */
export function reachFrequencySql(by: string, effectiveFrequency: string, minimum: number): string {
  const breakdowns: Readonly<Record<string, string>> = {
    campaign: `'all'`,
    creative: `COALESCE(creative_id, '(missing)')`,
    placement: `COALESCE(placement, '(missing)')`,
  };
  const breakdown = breakdowns[by];
  if (breakdown === undefined) throw new Error(`unknown breakdown ${by}`);
  const effective = integer(effectiveFrequency);
  return `WITH per_person AS (
  SELECT COALESCE(campaign_id, '(missing)') AS campaign_id, ${breakdown} AS breakdown, email_address AS person,
    count(*) AS frequency
  FROM impressions WHERE email_address IS NOT NULL
  GROUP BY ALL
),
groups AS (
  SELECT campaign_id, breakdown, count(*) AS reach, CAST(sum(frequency) AS BIGINT) AS impressions,
    count(*) FILTER (WHERE frequency >= ${effective}) AS effective_reach
  FROM per_person GROUP BY ALL
),
buckets AS (
  SELECT campaign_id, breakdown,
    CASE WHEN frequency < 10 THEN CAST(frequency AS VARCHAR) ELSE '10+' END AS frequency_bucket,
    count(*) AS users,
    count(DISTINCT person) AS platform_people
  FROM per_person GROUP BY ALL
)
SELECT b.campaign_id, b.breakdown, b.frequency_bucket, b.users, g.reach, g.impressions,
  CAST(g.impressions AS DOUBLE) / CAST(g.reach AS DOUBLE) AS average_frequency,
  g.effective_reach,
  b.platform_people >= ${minimum} AS keep
FROM buckets b JOIN groups g ON g.campaign_id = b.campaign_id AND g.breakdown = b.breakdown`;
}

/**
 * incremental-reach, before its ratios: each (campaign, person) reached by A, B or both.
 * Both platforms stand behind every row, each with its own people (|A| and |B|).
 */
export function incrementalReachSql(by: string, customersOnly: string, minimum: number): string {
  if (by !== 'total' && by !== 'campaign') throw new Error(`unknown by ${by}`);
  if (customersOnly !== 'true' && customersOnly !== 'false') throw new Error(`not a boolean: ${customersOnly}`);
  const key = by === 'campaign' ? `COALESCE(campaign_id, '(missing)')` : `'all'`;
  const filter = customersOnly === 'true' ? `AND email_address IN (${people('customers')})` : '';
  const reached = (table: string, platform: string): string =>
    `SELECT ${key} AS campaign_id, email_address AS person, '${platform}' AS platform
  FROM ${table} WHERE email_address IS NOT NULL ${filter}`;
  return `WITH membership AS (
  SELECT campaign_id, person, bool_or(platform = 'a') AS in_a, bool_or(platform = 'b') AS in_b
  FROM (${reached('impressions', 'a')} UNION ALL ${reached('impressions_b', 'b')})
  GROUP BY campaign_id, person
)
SELECT campaign_id,
  count(*) FILTER (WHERE in_a) AS reach_a,
  count(*) FILTER (WHERE in_b) AS reach_b,
  count(*) FILTER (WHERE in_a AND in_b) AS overlap,
  count(*) AS combined_reach,
  count(*) FILTER (WHERE in_b AND NOT in_a) AS incremental_reach_b,
  count(DISTINCT person) FILTER (WHERE in_a) >= ${minimum}
    AND count(DISTINCT person) FILTER (WHERE in_b) >= ${minimum} AS keep
FROM membership
GROUP BY campaign_id`;
}

/**
 * conversion-overlap, exposed_share left to the test. Each conversion is flagged by
 * whether its person has any impression and one at or before it (of the row's creative in
 * creative mode). Platform people behind a row: its exposed converters (unexposed
 * converters bring no impression).
 */
export function conversionOverlapSql(by: string, minimum: number): string {
  const aggregates = `count(DISTINCT person) AS converters,
  count(DISTINCT person) FILTER (WHERE exposed) AS exposed_converters,
  count(DISTINCT person) FILTER (WHERE seen_before) AS converters_after_exposure,
  count(*) AS conversions,
  count(*) FILTER (WHERE exposed) AS exposed_conversions,
  count(*) FILTER (WHERE seen_before) AS conversions_after_exposure,
  count(DISTINCT person) FILTER (WHERE exposed) >= ${minimum} AS keep`;
  if (by === 'overall' || by === 'price') {
    const value = by === 'overall' ? `'all'` : 'CAST(c.price AS VARCHAR)';
    return `WITH flagged AS (
  SELECT ${value} AS value, c.email_address AS person,
    EXISTS (SELECT 1 FROM impressions i WHERE i.email_address = c.email_address) AS exposed,
    EXISTS (SELECT 1 FROM impressions i WHERE i.email_address = c.email_address AND i.date <= c.date) AS seen_before
  FROM conversions c
)
SELECT '${by}' AS breakdown, value, ${aggregates}
FROM flagged GROUP BY value`;
  }
  if (by !== 'creative') throw new Error(`unknown by ${by}`);
  return `WITH saw AS (SELECT DISTINCT email_address AS person, creative_id FROM impressions WHERE email_address IS NOT NULL),
flagged AS (
  SELECT s.creative_id AS value, c.email_address AS person, TRUE AS exposed,
    EXISTS (
      SELECT 1 FROM impressions i
      WHERE i.email_address = c.email_address AND i.creative_id = s.creative_id AND i.date <= c.date
    ) AS seen_before
  FROM conversions c JOIN saw s ON s.person = c.email_address
  UNION ALL
  SELECT CAST(NULL AS VARCHAR), c.email_address, FALSE, FALSE
  FROM conversions c
  WHERE NOT EXISTS (SELECT 1 FROM impressions i WHERE i.email_address = c.email_address)
)
SELECT 'creative' AS breakdown, value, ${aggregates}
FROM flagged GROUP BY value`;
}

/**
 * CTEs `conv` (conversions keyed by transaction_id, unique in the generated data) and
 * `credit` (per credited conversion, the campaign and creative of the last-touch rule:
 * the latest impression of the person at or before the conversion and at most
 * lookback_days × 24 h older, ties to the smallest campaign_id, then creative_id).
 * Written as successive minima and maxima instead of a ranking.
 */
function lastTouchCtes(lookbackDays: string): string {
  const window = BigInt(integer(lookbackDays)) * 86_400_000_000n;
  return `conv AS (
  SELECT transaction_id AS conversion, email_address AS person, date AS at, price, currency FROM conversions
),
candidates AS (
  SELECT c.conversion, i.date AS seen, i.campaign_id, i.creative_id
  FROM conv c JOIN impressions i
    ON i.email_address = c.person AND i.date <= c.at AND epoch_us(c.at) - epoch_us(i.date) <= ${window}
),
latest AS (SELECT conversion, max(seen) AS seen FROM candidates GROUP BY conversion),
latest_campaign AS (
  SELECT k.conversion, k.seen, min(k.campaign_id) AS campaign_id
  FROM candidates k JOIN latest l ON l.conversion = k.conversion AND l.seen = k.seen
  GROUP BY k.conversion, k.seen
),
credit AS (
  SELECT k.conversion, k.campaign_id, min(k.creative_id) AS creative_id
  FROM candidates k
  JOIN latest_campaign m ON m.conversion = k.conversion AND m.seen = k.seen AND m.campaign_id = k.campaign_id
  GROUP BY k.conversion, k.campaign_id
)`;
}

/**
 * attribution. Platform people behind a credited row: its converters (the credited
 * impressions are theirs); behind an unattributed row: its converters who appear in the
 * impressions at all (people never reached bring no impression).
 */
export function attributionSql(lookbackDays: string, minimum: number): string {
  return `WITH ${lastTouchCtes(lookbackDays)},
rows AS (
  SELECT k.campaign_id, k.creative_id, c.currency, TRUE AS attributed, c.person, c.price, TRUE AS reached
  FROM conv c JOIN credit k ON k.conversion = c.conversion
  UNION ALL
  SELECT CAST(NULL AS VARCHAR), CAST(NULL AS VARCHAR), c.currency, FALSE, c.person, c.price,
    EXISTS (SELECT 1 FROM impressions i WHERE i.email_address = c.person)
  FROM conv c WHERE NOT EXISTS (SELECT 1 FROM credit k WHERE k.conversion = c.conversion)
)
SELECT campaign_id, creative_id, currency, attributed,
  count(*) AS conversions, count(DISTINCT person) AS converters, sum(price) AS revenue,
  count(DISTINCT person) FILTER (WHERE reached) >= ${minimum} AS keep
FROM rows GROUP BY campaign_id, creative_id, currency, attributed`;
}

/**
 * roas, before roas, cpa and cpm. Platform people behind a main row: everyone the
 * campaign's impressions reached; behind an other-currency row: the converters credited
 * (their credited impressions).
 */
export function roasSql(lookbackDays: string, currency: string, minimum: number): string {
  const main = code(currency);
  return `WITH ${lastTouchCtes(lookbackDays)},
credited AS (SELECT k.campaign_id, c.currency, c.price, c.person FROM conv c JOIN credit k ON k.conversion = c.conversion),
served AS (
  SELECT campaign_id, count(*) AS impressions, sum(cost) AS spend, count(DISTINCT email_address) AS platform_people
  FROM impressions GROUP BY campaign_id
)
SELECT s.campaign_id, ${main} AS currency, s.impressions, s.spend,
  (SELECT count(*) FROM credited k WHERE k.campaign_id = s.campaign_id AND k.currency = ${main}) AS attributed_conversions,
  COALESCE((SELECT sum(k.price) FROM credited k WHERE k.campaign_id = s.campaign_id AND k.currency = ${main}), 0) AS attributed_revenue,
  s.platform_people >= ${minimum} AS keep
FROM served s
UNION ALL
SELECT campaign_id, currency, NULL, NULL, count(*), sum(price), count(DISTINCT person) >= ${minimum}
FROM credited WHERE currency <> ${main}
GROUP BY campaign_id, currency`;
}

/**
 * The arms of conversion-lift (randomised holdout). Platform people behind a row: the
 * campaign audience's people of both arms.
 */
export function conversionLiftSql(minimum: number): string {
  return `WITH converted AS (${people('conversions')}),
arms AS (
  SELECT DISTINCT campaign_id, test_group, email_address AS person
  FROM campaign_audience WHERE test_group IN ('test', 'control') AND email_address IS NOT NULL
)
SELECT 'holdout' AS design, campaign_id,
  count(*) FILTER (WHERE test_group = 'test') AS test_users,
  count(*) FILTER (WHERE test_group = 'test' AND person IN (SELECT person FROM converted)) AS test_converters,
  count(*) FILTER (WHERE test_group = 'control') AS control_users,
  count(*) FILTER (WHERE test_group = 'control' AND person IN (SELECT person FROM converted)) AS control_converters,
  count(DISTINCT person) >= ${minimum} AS keep
FROM arms GROUP BY campaign_id`;
}

/**
 * The arms of conversion-lift-exposure, each counted directly on a customers × campaigns
 * grid (not as all minus exposed). Platform people behind a campaign's row: its exposed
 * customers; the control columns come from the all-customers row, behind which stand all
 * customers exposed to any campaign, so they are NULL when those are too few.
 */
export function conversionLiftExposureSql(minimum: number): string {
  return `WITH customer_people AS (${people('customers')}),
converted AS (${people('conversions')}),
exposure AS (
  SELECT DISTINCT campaign_id, email_address AS person
  FROM impressions WHERE campaign_id IS NOT NULL AND email_address IS NOT NULL
),
campaigns AS (SELECT DISTINCT e.campaign_id FROM exposure e JOIN customer_people c ON c.person = e.person),
grid AS (
  SELECT k.campaign_id, c.person, e.person IS NOT NULL AS exposed, c.person IN (SELECT person FROM converted) AS converted
  FROM campaigns k CROSS JOIN customer_people c
  LEFT JOIN exposure e ON e.campaign_id = k.campaign_id AND e.person = c.person
),
all_customers_row_kept AS (
  SELECT count(DISTINCT e.person) >= ${minimum} AS kept
  FROM exposure e WHERE e.person IN (SELECT person FROM customer_people)
)
SELECT 'exposure' AS design, campaign_id,
  count(*) FILTER (WHERE exposed) AS test_users,
  count(*) FILTER (WHERE exposed AND converted) AS test_converters,
  CASE WHEN (SELECT kept FROM all_customers_row_kept) THEN count(*) FILTER (WHERE NOT exposed) END AS control_users,
  CASE WHEN (SELECT kept FROM all_customers_row_kept) THEN count(*) FILTER (WHERE NOT exposed AND converted) END AS control_converters,
  count(DISTINCT person) FILTER (WHERE exposed) >= ${minimum} AS keep
FROM grid GROUP BY campaign_id`;
}

/**
 * frequency-to-conversion, before conversion_rate. Frequency = all the person's
 * impressions; converter = a conversion at or after the first impression. Platform people
 * behind a bucket row: its people.
 */
export function frequencyToConversionSql(minimum: number): string {
  return `WITH reached AS (
  SELECT email_address AS person, count(*) AS frequency, min(date) AS first_seen
  FROM impressions WHERE email_address IS NOT NULL GROUP BY email_address
),
later AS (
  SELECT r.person, r.frequency,
    (SELECT count(*) FROM conversions c WHERE c.email_address = r.person AND c.date >= r.first_seen) AS conversions
  FROM reached r
)
SELECT CASE WHEN frequency >= 10 THEN '10+' ELSE CAST(frequency AS VARCHAR) END AS frequency_bucket,
  least(frequency, 10) AS frequency_min,
  count(*) AS people,
  count(*) FILTER (WHERE conversions > 0) AS converters,
  CAST(sum(conversions) AS BIGINT) AS conversions,
  count(DISTINCT person) >= ${minimum} AS keep
FROM later GROUP BY ALL`;
}

/**
 * time-to-conversion, before share. Whole calendar days as a difference of UTC dates.
 * Platform people behind a row: its converters (the impressions are theirs).
 */
export function timeToConversionSql(minimum: number): string {
  return `WITH conv AS (SELECT transaction_id AS conversion, email_address AS person, date AS at FROM conversions),
last_before AS (
  SELECT c.conversion, max(i.date) AS seen
  FROM conv c JOIN impressions i ON i.email_address = c.person AND i.date <= c.at
  GROUP BY c.conversion
),
first_ever AS (SELECT email_address AS person, min(date) AS seen FROM impressions GROUP BY email_address),
distances AS (
  SELECT 'first' AS anchor, c.person, CAST(c.at AS DATE) - CAST(f.seen AS DATE) AS days
  FROM conv c JOIN last_before l ON l.conversion = c.conversion JOIN first_ever f ON f.person = c.person
  UNION ALL
  SELECT 'last', c.person, CAST(c.at AS DATE) - CAST(l.seen AS DATE)
  FROM conv c JOIN last_before l ON l.conversion = c.conversion
),
bucketed AS (
  SELECT anchor, person,
    CASE WHEN days <= 3 THEN days WHEN days <= 7 THEN 4 WHEN days <= 14 THEN 5 WHEN days <= 30 THEN 6 ELSE 7 END AS bucket_order
  FROM distances
)
SELECT anchor,
  ['same day', '1 day', '2 days', '3 days', '4-7 days', '8-14 days', '15-30 days', '31+ days'][bucket_order + 1] AS bucket,
  bucket_order,
  count(*) AS conversions,
  count(DISTINCT person) AS converters,
  count(DISTINCT person) >= ${minimum} AS keep
FROM bucketed GROUP BY anchor, bucket_order`;
}
