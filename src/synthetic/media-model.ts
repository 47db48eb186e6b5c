/**
 * The shape of the synthetic media world: campaigns, weighted value sets and the
 * rates that make measurement questions have visible answers. Pure data, so the SQL
 * builders and the tests read the same numbers.
 */

export interface Campaign {
  readonly id: string;
  /** Inclusive UTC dates; impressions fall in [start 00:00, end + 1 day). */
  readonly start: string;
  readonly end: string;
  /** Share of a platform's users that the campaign targets. */
  readonly reach: number;
  readonly creatives: readonly string[];
}

function creatives(campaign: number, count: number): string[] {
  const c = String(campaign).padStart(3, '0');
  return Array.from({ length: count }, (_, i) => `cr-${c}-${String(i + 1).padStart(2, '0')}`);
}

export const CAMPAIGNS: readonly Campaign[] = [
  { id: 'cmp-001', start: '2024-03-01', end: '2024-03-31', reach: 0.5, creatives: creatives(1, 4) },
  { id: 'cmp-002', start: '2024-03-11', end: '2024-04-14', reach: 0.4, creatives: creatives(2, 3) },
  { id: 'cmp-003', start: '2024-04-01', end: '2024-04-30', reach: 0.35, creatives: creatives(3, 3) },
  { id: 'cmp-004', start: '2024-03-01', end: '2024-04-30', reach: 0.3, creatives: creatives(4, 4) },
  { id: 'cmp-005', start: '2024-04-15', end: '2024-04-30', reach: 0.25, creatives: creatives(5, 2) },
];

/** The whole flight; conversions run until two weeks after it. */
export const CAMPAIGN_WINDOW = { start: '2024-03-01', end: '2024-04-30' } as const;
export const CONVERSION_TAIL_DAYS = 14;
export const CUSTOMER_CREATED = { start: '2018-01-01', end: '2024-02-29' } as const;

export const PRICES: readonly number[] = [9.99, 19.99, 49.99, 99.0];

/** A value set where each value is drawn with probability weight / sum(weights). */
export type Weighted<T> = readonly (readonly [T, number])[];

export const PRICE_WEIGHTS: Weighted<number> = [[9.99, 40], [19.99, 30], [49.99, 20], [99.0, 10]];
export const EVENT_TYPES: Weighted<string> = [['purchase', 70], ['subscription', 20], ['upgrade', 10]];
export const VERSIONS: Weighted<string> = [['web-3.2', 45], ['web-3.1', 10], ['ios-7.4', 25], ['android-7.3', 20]];
export const STATUSES: Weighted<string> = [['active', 75], ['inactive', 15], ['churned', 7], ['pending', 3]];
export const EMAIL_DOMAINS: Weighted<string> = [['example.com', 60], ['example.net', 25], ['example.org', 15]];

export const BIRTH_COUNTRIES: Weighted<string> = [
  ['US', 70], ['MX', 8], ['IN', 5], ['CN', 4], ['PH', 3], ['CA', 2], ['GB', 2], ['DE', 2], ['VN', 2], ['BR', 2],
];

export interface Location {
  readonly country: string;
  readonly state: string;
  readonly city: string;
  /** First part of the code; the rest is drawn per customer. */
  readonly zipPrefix: string;
  readonly currency: string;
}

export const LOCATIONS: Weighted<Location> = [
  [{ country: 'US', state: 'CA', city: 'Los Angeles', zipPrefix: '900', currency: 'USD' }, 14],
  [{ country: 'US', state: 'CA', city: 'San Francisco', zipPrefix: '941', currency: 'USD' }, 6],
  [{ country: 'US', state: 'NY', city: 'New York', zipPrefix: '100', currency: 'USD' }, 14],
  [{ country: 'US', state: 'TX', city: 'Houston', zipPrefix: '770', currency: 'USD' }, 8],
  [{ country: 'US', state: 'TX', city: 'Austin', zipPrefix: '787', currency: 'USD' }, 4],
  [{ country: 'US', state: 'IL', city: 'Chicago', zipPrefix: '606', currency: 'USD' }, 8],
  [{ country: 'US', state: 'FL', city: 'Miami', zipPrefix: '331', currency: 'USD' }, 7],
  [{ country: 'US', state: 'WA', city: 'Seattle', zipPrefix: '981', currency: 'USD' }, 6],
  [{ country: 'US', state: 'MA', city: 'Boston', zipPrefix: '021', currency: 'USD' }, 5],
  [{ country: 'US', state: 'GA', city: 'Atlanta', zipPrefix: '303', currency: 'USD' }, 5],
  [{ country: 'US', state: 'AZ', city: 'Phoenix', zipPrefix: '850', currency: 'USD' }, 5],
  [{ country: 'US', state: 'CO', city: 'Denver', zipPrefix: '802', currency: 'USD' }, 4],
  [{ country: 'US', state: 'OH', city: 'Columbus', zipPrefix: '432', currency: 'USD' }, 4],
  [{ country: 'CA', state: 'ON', city: 'Toronto', zipPrefix: 'M5V', currency: 'CAD' }, 6],
  [{ country: 'CA', state: 'BC', city: 'Vancouver', zipPrefix: 'V6B', currency: 'CAD' }, 4],
];

export const FIRST_NAMES: readonly string[] = [
  'James', 'Mary', 'Robert', 'Patricia', 'John', 'Jennifer', 'Michael', 'Linda', 'David', 'Elizabeth',
  'William', 'Barbara', 'Richard', 'Susan', 'Joseph', 'Jessica', 'Thomas', 'Sarah', 'Carlos', 'Maria',
  'Wei', 'Priya', 'Ahmed', 'Sofia', 'Luis', 'Aisha', 'Noah', 'Emma', 'Liam', 'Olivia',
];

export const LAST_NAMES: readonly string[] = [
  'Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez', 'Martinez',
  'Hernandez', 'Lopez', 'Gonzalez', 'Wilson', 'Anderson', 'Thomas', 'Taylor', 'Moore', 'Jackson', 'Martin',
  'Lee', 'Nguyen', 'Patel', 'Kim', 'Chen', "O'Brien", 'Singh', 'Walker', 'Young', 'Allen',
];

/** Placements with the CPM (cost per thousand impressions) a platform charges for them. */
export const PLACEMENTS: Weighted<{ readonly name: string; readonly cpm: number }> = [
  [{ name: 'feed', cpm: 8 }, 40],
  [{ name: 'stories', cpm: 10 }, 20],
  [{ name: 'video', cpm: 22 }, 20],
  [{ name: 'search', cpm: 5 }, 10],
  [{ name: 'display', cpm: 3 }, 10],
];

export const DEVICE_TYPES: Weighted<string> = [['mobile', 60], ['desktop', 25], ['tablet', 8], ['ctv', 7]];

/**
 * The population model. Sizes are derived from the impressions each platform must
 * serve, so the number of people grows linearly with scale.
 */
export const MODEL = {
  /**
   * Average impressions per platform user (those in no campaign included). Matches what
   * the frequency distribution below yields on average, so the exact-total rescaling in
   * the generator changes frequencies only slightly.
   */
  impressionsPerPlatformUser: 7,
  /** Each person is a user of each platform independently with this probability, so platforms overlap. */
  platformShare: 0.6,
  /** Each person is a brand customer independently with this probability (~50% of each platform audience). */
  customerShare: 0.5,
  minimumPopulation: 200,
  /** Share of each campaign audience held out as control, per (user, campaign, platform). */
  controlShare: 0.1,
  /** Share of the test group the platform actually reaches (the rest gets no impression). */
  reachedShare: 0.85,
  /** Impressions per reached (user, campaign): Pareto, floor(min * u^(-1/alpha)), capped. */
  frequency: { min: 1.6, alpha: 1.3, cap: 300 },
  /** Person-level device: the user's main device is used this often. */
  mainDeviceShare: 0.8,
  /** Creatives after the first: the user's main creative for the campaign is shown this often. */
  mainCreativeShare: 0.6,
  /** Organic conversions: two independent chances per customer with these probabilities. */
  organic: { first: 0.06, second: 0.015 },
  /** P(an exposed customer converts on a campaign) = lift * (1 - exp(-frequency / saturation)). */
  exposedConversion: { lift: 0.25, saturation: 4 },
  /** Conversions follow the first impression by 1 minute to this many days. */
  conversionDelayDays: 14,
} as const;
