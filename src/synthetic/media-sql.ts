/**
 * The SQL that generates the media tables. Each table is a SELECT over range() (or over
 * a small per-platform audience table), using only per-row expressions, scans, unnest
 * and filters, which DuckDB keeps in insertion order; so a COPY of it writes the same
 * bytes for the same seed, and nothing the size of the impressions is held in memory.
 *
 * People are integers 0..population-1. Their email is an affine bijection of the id
 * (mod 10^9, multiplier coprime to 10), so emails are unique but not sequential.
 */
import { CAMPAIGNS, CAMPAIGN_WINDOW, CONVERSION_TAIL_DAYS, CUSTOMER_CREATED, DEVICE_TYPES, EMAIL_DOMAINS, EVENT_TYPES,
  BIRTH_COUNTRIES, FIRST_NAMES, LAST_NAMES, LOCATIONS, MODEL, PLACEMENTS, PRICE_WEIGHTS, STATUSES, VERSIONS,
} from './media-model.ts';
import { SALT, randomMacroSql, seedKey, sqlList, sqlString, sqlStringList, weightedIndexSql, weightedStringSql,
} from './sql-random.ts';

const DAY_US = 86_400_000_000;
const epochUs = (date: string): number => Date.parse(`${date}T00:00:00Z`) * 1000;
const daysBetween = (start: string, end: string): number => (Date.parse(end) - Date.parse(start)) / 86_400_000;

const campaignIds = sqlStringList(CAMPAIGNS.map((c) => c.id));
const campaignStartUs = sqlList(CAMPAIGNS.map((c) => `${epochUs(c.start)}::BIGINT`));
const campaignLengthUs = sqlList(CAMPAIGNS.map((c) => `${epochUs(c.end) + DAY_US - epochUs(c.start)}::BIGINT`));
const campaignReach = sqlList(CAMPAIGNS.map((c) => String(c.reach)));
const campaignCreatives = sqlList(CAMPAIGNS.map((c) => sqlStringList(c.creatives)));
const creativeCounts = sqlList(CAMPAIGNS.map((c) => String(c.creatives.length)));

/** The platform-and-campaign key used in draws that differ per platform. */
const pc = (platform: string, campaign: string): string => `(${platform} * 1000 + ${campaign})`;

/** Multiplier and offset of the email bijection, from the seed. */
function emailPermutation(seed: number): { multiplier: bigint; offset: bigint } {
  const modulus = 1_000_000_000n;
  const a = BigInt.asUintN(64, BigInt(seedKey(seed, SALT.emailPermutation))) % modulus;
  const b = BigInt.asUintN(64, BigInt(seedKey(seed, SALT.emailPermutation + 1000))) % modulus;
  // Coprime to 10^9 means odd and not a multiple of 5; large so neighbours land far apart.
  let multiplier = a | 1n;
  if (multiplier % 5n === 0n) multiplier += 2n;
  if (multiplier < 100_000_000n) multiplier += 100_000_000n;
  return { multiplier, offset: b };
}

/** Macros shared by all tables: rnd, email, is_customer, location and timing helpers. */
export function macroStatements(seed: number): string[] {
  const { multiplier, offset } = emailPermutation(seed);
  const domains = weightedStringSql(`rnd(${SALT.emailDomain}, person, 0, 0)`, EMAIL_DOMAINS);
  return [
    ...randomMacroSql(seed),
    'CREATE OR REPLACE TEMP MACRO email(person) AS ' +
      `'user' || lpad(((person::BIGINT * ${multiplier} + ${offset}) % 1000000000)::VARCHAR, 9, '0') || '@' || ${domains}`,
    `CREATE OR REPLACE TEMP MACRO is_customer(person) AS rnd(${SALT.customer}, person, 0, 0) < ${MODEL.customerShare}`,
    `CREATE OR REPLACE TEMP MACRO location_index(person) AS ${weightedIndexSql(`rnd(${SALT.location}, person, 0, 0)`, LOCATIONS)}`,
    // The first impression of a (platform, user, campaign) falls in the first half of the
    // window and is the earliest one, so a conversion placed after it is after exposure.
    'CREATE OR REPLACE TEMP MACRO first_time_us(platform, person, campaign) AS ' +
      `${campaignStartUs}[campaign] + floor(rnd(${SALT.firstTime}, person, ${pc('platform', 'campaign')}, 0) ` +
      `* ${campaignLengthUs}[campaign] / 2000000)::BIGINT * 1000000`,
    // Fixed per (user, campaign) across platforms: the brand attributes to it.
    'CREATE OR REPLACE TEMP MACRO main_creative(person, campaign) AS ' +
      `${campaignCreatives}[campaign][1 + floor(rnd(${SALT.mainCreative}, person, campaign, 0) * ${creativeCounts}[campaign])::BIGINT]`,
  ];
}

/** People needed so that each platform audience is about scale / impressionsPerPlatformUser. */
export function populationSize(impressionsPerPlatform: number): number {
  const perPlatformUsers = impressionsPerPlatform / MODEL.impressionsPerPlatformUser;
  return Math.max(MODEL.minimumPopulation, Math.ceil(perPlatformUsers / MODEL.platformShare));
}

export function customersSql(population: number): string {
  const u = (salt: number): string => `rnd(${salt}, person, 0, 0)`;
  const pickLocation = (field: 'country' | 'state' | 'city' | 'zipPrefix'): string =>
    `${sqlStringList(LOCATIONS.map(([l]) => l[field]))}[l]`;
  const createdDays = daysBetween(CUSTOMER_CREATED.start, CUSTOMER_CREATED.end) + 1;
  return `SELECT
  email(person) AS email_address,
  CAST(DATE ${sqlString(CUSTOMER_CREATED.start)} + floor(${u(SALT.created)} * ${createdDays})::INTEGER AS DATE) AS date_created,
  ${pickLocation('state')} AS state,
  ${pickLocation('city')} AS city,
  ${pickLocation('country')} AS country,
  CASE WHEN ${pickLocation('country')} = 'CA'
    THEN ${pickLocation('zipPrefix')} || ' ' || floor(${u(SALT.zip1)} * 10)::INTEGER::VARCHAR
      || chr(65 + floor(${u(SALT.zip2)} * 26)::INTEGER) || floor(${u(SALT.zip3)} * 10)::INTEGER::VARCHAR
    ELSE ${pickLocation('zipPrefix')} || lpad(floor(${u(SALT.zip1)} * 100)::INTEGER::VARCHAR, 2, '0')
  END AS zip,
  ${sqlStringList(FIRST_NAMES)}[1 + floor(${u(SALT.firstName)} * ${FIRST_NAMES.length})::BIGINT] AS first_name,
  ${sqlStringList(LAST_NAMES)}[1 + floor(${u(SALT.lastName)} * ${LAST_NAMES.length})::BIGINT] AS last_name,
  ${weightedStringSql(u(SALT.status), STATUSES)} AS status,
  ${weightedStringSql(u(SALT.birthCountry), BIRTH_COUNTRIES)} AS birth_country
FROM (SELECT person, location_index(person) AS l FROM range(${population}) t(person) WHERE is_customer(person))`;
}

/**
 * Step 1 of a platform audience: who each campaign targets, the holdout, and a raw
 * long-tailed frequency, with its running total in (person, campaign) order.
 */
export function audienceRawSql(table: string, platform: number, population: number): string {
  const key = pc(String(platform), 'campaign_no');
  const { min, alpha, cap } = MODEL.frequency;
  return `CREATE OR REPLACE TEMP TABLE ${table} AS
SELECT person, campaign_no, is_control, f_raw,
  sum(f_raw) OVER (ORDER BY person, campaign_no ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)::BIGINT AS c_raw
FROM (
  SELECT person, campaign_no, is_control,
    CASE WHEN is_control OR rnd(${SALT.reached}, person, ${key}, 0) >= ${MODEL.reachedShare} THEN 0::BIGINT
      ELSE floor(least(${cap}::DOUBLE,
        ${min} * pow(greatest(rnd(${SALT.frequency}, person, ${key}, 0), 1e-300), ${-1 / alpha})))::BIGINT
    END AS f_raw
  FROM (
    SELECT person, campaign_no, rnd(${SALT.control}, person, ${key}, 0) < ${MODEL.controlShare} AS is_control
    FROM range(${population}) t(person), range(1, ${CAMPAIGNS.length + 1}) c(campaign_no)
    WHERE rnd(${SALT.platformUser}, person, ${platform}, 0) < ${MODEL.platformShare}
      AND rnd(${SALT.reach}, person, ${key}, 0) < ${campaignReach}[campaign_no]
  )
)
ORDER BY person, campaign_no`;
}

/**
 * Step 2: rescale frequencies so they sum to exactly `impressions` (cumulative
 * rounding: floor(running * impressions / total) differences), and keep each row's
 * first impression index, which splits impressions into parts.
 */
export function audienceSql(table: string, rawTable: string, impressions: number, rawTotal: number): string {
  // HUGEINT: running total times impressions overflows BIGINT past ~3e9 impressions.
  const scaled = (expr: string): string => `((${expr})::HUGEINT * ${impressions}) // ${rawTotal}`;
  return `CREATE OR REPLACE TEMP TABLE ${table} AS
SELECT person, campaign_no, is_control,
  (${scaled('c_raw')} - ${scaled('c_raw - f_raw')})::BIGINT AS f,
  ${scaled('c_raw - f_raw')}::BIGINT AS first_index
FROM ${rawTable}
ORDER BY person, campaign_no`;
}

export function campaignAudienceSql(table: string): string {
  return `SELECT email(person) AS email_address, ${campaignIds}[campaign_no] AS campaign_id,
  CASE WHEN is_control THEN 'control' ELSE 'test' END AS test_group
FROM ${table}`;
}

/** Impressions whose (user, campaign) row starts in [fromIndex, toIndex) of the platform's impressions. */
export function impressionsSql(table: string, platform: number, fromIndex: number, toIndex: number): string {
  const u = (salt: number): string => `rnd(${salt}, person, key, k)`;
  const placementNames = sqlStringList(PLACEMENTS.map(([p]) => p.name));
  const placementCpm = sqlList(PLACEMENTS.map(([p]) => `${p.cpm}::DOUBLE`));
  const devices = sqlStringList(DEVICE_TYPES.map(([d]) => d));
  // Per (user, campaign) values are computed once, before unnest repeats them per impression.
  return `SELECT
  email_address,
  make_timestamp(CASE WHEN k = 0 THEN t0
    ELSE t0 + floor(${u(SALT.laterTime)} * (end_us - t0) / 1000000)::BIGINT * 1000000 END) AS date,
  CASE WHEN k = 0 OR ${u(SALT.creativeSwitch)} < ${MODEL.mainCreativeShare} THEN main_creative
    ELSE ${campaignCreatives}[campaign_no][1 + floor(${u(SALT.otherCreative)} * ${creativeCounts}[campaign_no])::BIGINT]
  END AS creative_id,
  campaign_id,
  ${placementNames}[placement] AS placement,
  CASE WHEN ${u(SALT.deviceSwitch)} < ${MODEL.mainDeviceShare} THEN main_device
    ELSE ${devices}[${weightedIndexSql(u(SALT.otherDevice), DEVICE_TYPES)}]
  END AS device_type,
  CAST(round(${placementCpm}[placement] * (0.7 + 0.6 * ${u(SALT.cost)}) / 1000, 6) AS DECIMAL(12,6)) AS cost
FROM (
  SELECT *, ${weightedIndexSql(u(SALT.placement), PLACEMENTS)} AS placement
  FROM (
    SELECT person, campaign_no, ${pc(String(platform), 'campaign_no')} AS key,
      email(person) AS email_address,
      ${campaignIds}[campaign_no] AS campaign_id,
      first_time_us(${platform}, person, campaign_no) AS t0,
      ${campaignStartUs}[campaign_no] + ${campaignLengthUs}[campaign_no] AS end_us,
      main_creative(person, campaign_no) AS main_creative,
      ${devices}[${weightedIndexSql(`rnd(${SALT.mainDevice}, person, ${platform}, 0)`, DEVICE_TYPES)}] AS main_device,
      unnest(range(f)) AS k
    FROM ${table}
    WHERE f > 0 AND first_index >= ${fromIndex} AND first_index < ${toIndex}
  )
)`;
}

/** Per customer and campaign: impressions over all platforms and the first platform that served one. */
export function exposureSql(table: string, audienceTables: readonly string[]): string {
  const union = audienceTables
    .map((t, i) => `SELECT person, campaign_no, f, ${i + 1} AS platform FROM ${t} WHERE f > 0`)
    .join('\nUNION ALL\n');
  return `CREATE OR REPLACE TEMP TABLE ${table} AS
SELECT person, campaign_no, sum(f)::BIGINT AS frequency, min(platform) AS first_platform
FROM (${union})
WHERE is_customer(person)
GROUP BY person, campaign_no`;
}

/**
 * Conversions: organic ones for every customer, plus campaign-driven ones for exposed
 * customers (more likely with more impressions), dated after their first impression
 * and credited to the creative it showed. Holdout users never get the campaign ones.
 * `src` (0, 1 organic; 100 + campaign) keys the draws of each conversion.
 */
export function conversionsSql(exposureTable: string, population: number): string {
  const { lift, saturation } = MODEL.exposedConversion;
  const u = (salt: number): string => `rnd(${salt}, person, src, 0)`;
  const windowStartUs = epochUs(CAMPAIGN_WINDOW.start);
  const windowSeconds = (daysBetween(CAMPAIGN_WINDOW.start, CAMPAIGN_WINDOW.end) + 1 + CONVERSION_TAIL_DAYS) * 86_400;
  const delaySeconds = MODEL.conversionDelayDays * 86_400 - 60;
  const prices = sqlList(PRICE_WEIGHTS.map(([p]) => p.toFixed(2)));
  const currencies = sqlStringList(LOCATIONS.map(([l]) => l.currency));
  return `SELECT
  email(person) AS email_address,
  make_timestamp(time_us) AS date,
  creative_id,
  ${weightedStringSql(u(SALT.eventType), EVENT_TYPES)} AS event_type,
  ${weightedStringSql(u(SALT.version), VERSIONS)} AS version,
  CAST(${prices}[${weightedIndexSql(u(SALT.price), PRICE_WEIGHTS)}] AS DECIMAL(12,2)) AS price,
  ${currencies}[location_index(person)] AS currency,
  'txn-' || lpad(lower(hex(rnd_bits(${SALT.transaction}, person, src, 0))), 16, '0') AS transaction_id
FROM (
  SELECT person, 100 + campaign_no AS src,
    first_time_us(first_platform, person, campaign_no)
      + (60 + floor(rnd(${SALT.delay}, person, campaign_no, 0) * ${delaySeconds})::BIGINT) * 1000000 AS time_us,
    main_creative(person, campaign_no) AS creative_id
  FROM ${exposureTable}
  WHERE rnd(${SALT.convert}, person, campaign_no, 0) < ${lift} * (1 - exp(-frequency / ${saturation}))
  UNION ALL
  SELECT person, src,
    ${windowStartUs}::BIGINT + floor(rnd(${SALT.organicTime}, person, src, 0) * ${windowSeconds})::BIGINT * 1000000 AS time_us,
    NULL::VARCHAR AS creative_id
  FROM range(${population}) t(person), range(2) o(src)
  WHERE is_customer(person)
    AND rnd(${SALT.organic}, person, src, 0) < CASE src WHEN 0 THEN ${MODEL.organic.first} ELSE ${MODEL.organic.second} END
)
ORDER BY date, transaction_id`;
}
