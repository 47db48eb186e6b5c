/**
 * The tables of the synthetic media data set, for documentation and for code that
 * registers the generated files (the names are the contract; keep them exact).
 */

/** `brand` owns customers and conversions; every ad platform `platformN` (N >= 1) owns its own impressions and campaign audiences. */
export type MediaRole = 'brand' | `platform${number}`;

export type MediaTableName = 'customers' | 'conversions' | 'impressions' | 'campaign_audience';

export interface MediaColumn {
  readonly name: string;
  /** The DuckDB type written to Parquet (CSV carries the same values as text). */
  readonly type: string;
  readonly description: string;
}

export interface MediaTable {
  readonly name: MediaTableName;
  /** `platform` stands for each of platform1, platform2, ... */
  readonly role: 'brand' | 'platform';
  readonly description: string;
  readonly columns: readonly MediaColumn[];
}

const email: MediaColumn = {
  name: 'email_address',
  type: 'VARCHAR',
  description: 'Person identifier shared by all parties, e.g. user048213977@example.com (not sequential)',
};

export const MEDIA_TABLES: readonly MediaTable[] = [
  {
    name: 'customers',
    role: 'brand',
    description: "The brand's customer file, about half of the population.",
    columns: [
      email,
      { name: 'date_created', type: 'DATE', description: 'Account creation, 2018-01-01..2024-02-29' },
      { name: 'state', type: 'VARCHAR', description: 'State or province code, weighted small set' },
      { name: 'city', type: 'VARCHAR', description: 'City within the state' },
      { name: 'country', type: 'VARCHAR', description: 'ISO 3166 alpha-2 (US or CA)' },
      { name: 'zip', type: 'VARCHAR', description: 'ZIP or postal code' },
      { name: 'first_name', type: 'VARCHAR', description: 'Given name' },
      { name: 'last_name', type: 'VARCHAR', description: 'Family name' },
      { name: 'status', type: 'VARCHAR', description: 'active | inactive | churned | pending' },
      { name: 'birth_country', type: 'VARCHAR', description: 'ISO 3166 alpha-2, weighted small set' },
    ],
  },
  {
    name: 'conversions',
    role: 'brand',
    description:
      'Purchases reported by the brand. Exposed customers convert more (rising with frequency); ' +
      'unexposed and holdout customers only convert organically (creative_id NULL).',
    columns: [
      email,
      { name: 'date', type: 'TIMESTAMP', description: 'UTC; 2024-03-01 up to two weeks after the campaigns end' },
      { name: 'creative_id', type: 'VARCHAR', description: 'Creative the customer saw first (same ids as impressions), NULL if organic' },
      { name: 'event_type', type: 'VARCHAR', description: 'purchase | subscription | upgrade' },
      { name: 'version', type: 'VARCHAR', description: 'Version of the site or app that reported the event' },
      { name: 'price', type: 'DECIMAL(12,2)', description: 'One of 9.99, 19.99, 49.99, 99.00' },
      { name: 'currency', type: 'VARCHAR', description: 'ISO 4217, from the customer country (USD or CAD)' },
      { name: 'transaction_id', type: 'VARCHAR', description: 'Unique per conversion' },
    ],
  },
  {
    name: 'impressions',
    role: 'platform',
    description:
      'Ad impressions served by one platform; long-tailed frequency per user; ' +
      'holdout (control) users of a campaign get none for that campaign.',
    columns: [
      email,
      { name: 'date', type: 'TIMESTAMP', description: 'UTC, inside the campaign window (2024-03-01..2024-04-30)' },
      { name: 'creative_id', type: 'VARCHAR', description: 'e.g. cr-003-02; belongs to campaign_id' },
      { name: 'campaign_id', type: 'VARCHAR', description: 'e.g. cmp-003; the same campaigns run on every platform' },
      { name: 'placement', type: 'VARCHAR', description: 'feed | stories | video | search | display' },
      { name: 'device_type', type: 'VARCHAR', description: 'mobile | desktop | tablet | ctv' },
      { name: 'cost', type: 'DECIMAL(12,6)', description: 'Media cost of the impression (CPM / 1000); 6 decimals so sums stay exact' },
    ],
  },
  {
    name: 'campaign_audience',
    role: 'platform',
    description:
      'Who each campaign targeted on one platform, with a randomised holdout: about 10% of each ' +
      'campaign audience is control and gets no impressions of that campaign.',
    columns: [
      email,
      { name: 'campaign_id', type: 'VARCHAR', description: 'e.g. cmp-001' },
      { name: 'test_group', type: 'VARCHAR', description: "'test' or 'control'" },
    ],
  },
];

/** One file written by the generator. */
export interface GeneratedFile {
  readonly table: MediaTableName;
  readonly role: MediaRole;
  /** Absolute path. */
  readonly path: string;
  /** Path relative to outDir, `<role>/<table>/part-NNNNN.<ext>`. */
  readonly relativePath: string;
  readonly rows: number;
}

export interface GeneratedFiles {
  readonly outDir: string;
  readonly format: 'parquet' | 'csv';
  readonly seed: number;
  readonly scale: number;
  readonly platforms: number;
  /** In the order written: brand customers, then per platform its audience and impressions, then conversions. */
  readonly files: readonly GeneratedFile[];
}
