/**
 * The analysis rules the demo gives each table, in the AWS Clean Rooms JSON shape.
 * They are what a privacy officer would write for this data: identifiers only as join
 * keys, a few descriptive dimensions, at least 100 distinct people behind every row.
 */
const threshold = [{ columnName: 'email_address', minimum: 100, type: 'COUNT_DISTINCT' }];

export const DEMO_RULES: Readonly<Record<'customers' | 'conversions' | 'impressions' | 'campaign_audience', unknown>> = {
  customers: {
    v1: {
      aggregation: {
        aggregateColumns: [{ columnNames: ['email_address'], function: 'COUNT_DISTINCT' }],
        joinColumns: ['email_address'],
        dimensionColumns: ['state', 'country', 'status', 'birth_country'],
        scalarFunctions: ['LOWER', 'UPPER', 'TRIM', 'COALESCE'],
        outputConstraints: threshold,
      },
    },
  },
  conversions: {
    v1: {
      aggregation: {
        aggregateColumns: [
          { columnNames: ['email_address'], function: 'COUNT_DISTINCT' },
          { columnNames: ['transaction_id'], function: 'COUNT' },
        ],
        joinColumns: ['email_address'],
        dimensionColumns: ['creative_id', 'event_type', 'price', 'currency'],
        scalarFunctions: ['COALESCE', 'ROUND'],
        outputConstraints: threshold,
      },
    },
  },
  impressions: {
    v1: {
      aggregation: {
        aggregateColumns: [
          { columnNames: ['email_address'], function: 'COUNT_DISTINCT' },
          { columnNames: ['creative_id'], function: 'COUNT' },
          { columnNames: ['cost'], function: 'SUM' },
        ],
        joinColumns: ['email_address'],
        joinRequired: 'QUERY_RUNNER',
        dimensionColumns: ['campaign_id', 'placement', 'device_type'],
        scalarFunctions: ['LOWER', 'UPPER'],
        outputConstraints: threshold,
      },
    },
  },
  campaign_audience: {
    v1: {
      aggregation: {
        aggregateColumns: [{ columnNames: ['email_address'], function: 'COUNT_DISTINCT' }],
        joinColumns: ['email_address'],
        joinRequired: 'QUERY_RUNNER',
        dimensionColumns: ['campaign_id', 'test_group'],
        scalarFunctions: [],
        outputConstraints: threshold,
      },
    },
  },
};

/** The questions the demo asks, as a brand analyst would write them. */
export const DEMO_QUERIES: readonly { readonly title: string; readonly sql: string }[] = [
  {
    title: 'Overlap: customers reached by the platform',
    sql: 'SELECT COUNT(DISTINCT i.email_address) AS overlap FROM impressions i INNER JOIN customers c ON i.email_address = c.email_address',
  },
  {
    title: 'Overlap by creative: exposed converters per creative',
    sql:
      'SELECT c.creative_id, COUNT(DISTINCT i.email_address) AS exposed_converters FROM impressions i ' +
      'INNER JOIN conversions c ON i.email_address = c.email_address GROUP BY c.creative_id ORDER BY c.creative_id',
  },
  {
    title: 'Overlap by price point',
    sql:
      'SELECT c.price, COUNT(DISTINCT i.email_address) AS exposed_converters, COUNT(c.transaction_id) AS purchases ' +
      'FROM impressions i INNER JOIN conversions c ON i.email_address = c.email_address GROUP BY c.price ORDER BY c.price',
  },
  {
    title: 'Reached audience by birth country',
    sql:
      'SELECT cu.birth_country, COUNT(DISTINCT i.email_address) AS reached FROM impressions i ' +
      'INNER JOIN customers cu ON i.email_address = cu.email_address GROUP BY cu.birth_country ORDER BY reached DESC',
  },
  {
    title: 'Reach and average frequency per campaign (customers only)',
    sql:
      'SELECT i.campaign_id, COUNT(DISTINCT i.email_address) AS reach, COUNT(i.creative_id) AS impressions, ' +
      'COUNT(i.creative_id) / COUNT(DISTINCT i.email_address) AS avg_frequency FROM impressions i ' +
      'INNER JOIN customers c ON i.email_address = c.email_address GROUP BY i.campaign_id ORDER BY i.campaign_id',
  },
];

/** A query the rules refuse: it would output the join column (people's identifiers). */
export const DEMO_REFUSED_QUERY =
  'SELECT i.email_address, COUNT(DISTINCT i.campaign_id) AS campaigns FROM impressions i ' +
  'INNER JOIN customers c ON i.email_address = c.email_address GROUP BY i.email_address';
