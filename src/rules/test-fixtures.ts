import { DuckDbParser } from '../engine/duckdb-parser.ts';
import { convertParsed } from '../sql/convert.ts';
import type { Result } from '../sql/diagnostic.ts';
import type { AnalysisRule, ColumnInfo, QueryContext, QueryTable } from './rule-types.ts';
import type { ValidatedQuery } from './validated-query.ts';
import { validateQuery } from './validate-query.ts';

/**
 * Realistic test tables for the validator tests (brand and platform, email_address as
 * the join column) and a helper that runs SQL through the real parser and converter.
 * Test support only.
 */

const v = (name: string, type = 'VARCHAR'): ColumnInfo => ({ name, type });

export const CUSTOMER_COLUMNS = [
  v('email_address'), v('date_created', 'DATE'), v('state'), v('city'), v('country'), v('zip'),
  v('first_name'), v('last_name'), v('status'), v('birth_country'),
];
export const CONVERSION_COLUMNS = [
  v('email_address'), v('date', 'DATE'), v('creative_id'), v('event_type'), v('version', 'INTEGER'),
  v('price', 'DECIMAL(10,2)'), v('currency'), v('transaction_id'),
];
export const IMPRESSION_COLUMNS = [
  v('email_address'), v('date', 'DATE'), v('creative_id'), v('campaign_id'), v('placement'),
  v('device_type'), v('cost', 'DOUBLE'),
];

const constraint = [{ columnName: 'email_address', minimum: 100, type: 'COUNT_DISTINCT' as const }];

export const customersAgg: AnalysisRule = {
  kind: 'aggregation',
  aggregateColumns: [{ columnNames: ['email_address'], function: 'COUNT_DISTINCT' }, { columnNames: ['email_address'], function: 'COUNT' }],
  joinColumns: ['email_address'],
  allowedJoinOperators: ['AND'],
  dimensionColumns: ['date_created', 'state', 'city', 'country', 'zip', 'status', 'birth_country'],
  scalarFunctions: ['LOWER', 'UPPER', 'EXTRACT', 'CAST', 'COALESCE', 'TRUNC', 'SUBSTRING'],
  outputConstraints: constraint,
};
export const conversionsAgg: AnalysisRule = {
  kind: 'aggregation',
  aggregateColumns: [
    { columnNames: ['email_address'], function: 'COUNT_DISTINCT' },
    { columnNames: ['email_address', 'transaction_id'], function: 'COUNT' },
    { columnNames: ['price'], function: 'SUM' },
    { columnNames: ['price'], function: 'AVG' },
  ],
  joinColumns: ['email_address'],
  allowedJoinOperators: ['AND', 'OR'],
  dimensionColumns: ['date', 'creative_id', 'event_type', 'version', 'currency'],
  scalarFunctions: ['LOWER', 'UPPER', 'EXTRACT', 'CAST', 'COALESCE', 'SUBSTRING'],
  outputConstraints: constraint,
};
export const impressionsAgg: AnalysisRule = {
  kind: 'aggregation',
  aggregateColumns: [
    { columnNames: ['email_address'], function: 'COUNT_DISTINCT' },
    { columnNames: ['email_address', 'campaign_id'], function: 'COUNT' },
    { columnNames: ['cost'], function: 'SUM' },
  ],
  joinColumns: ['email_address'],
  joinRequired: 'QUERY_RUNNER',
  allowedJoinOperators: ['AND'],
  dimensionColumns: ['date', 'creative_id', 'placement', 'device_type'],
  scalarFunctions: ['LOWER', 'EXTRACT', 'CAST', 'COALESCE'],
  outputConstraints: [{ columnName: 'email_address', minimum: 50, type: 'COUNT_DISTINCT' }],
};

export function table(sqlName: string, owner: string, columns: readonly ColumnInfo[], rule?: AnalysisRule): QueryTable {
  return { sqlName, owner, columns, ...(rule !== undefined ? { rule } : {}) };
}

/** brand runs; brand owns customers and conversions, platform owns impressions. */
export function aggregationContext(overrides: Partial<Record<string, AnalysisRule | undefined>> = {}, runner = 'brand'): QueryContext {
  const pick = (name: string, rule: AnalysisRule): AnalysisRule | undefined => (name in overrides ? overrides[name] : rule);
  return {
    runner,
    tables: [
      table('customers', 'brand', CUSTOMER_COLUMNS, pick('customers', customersAgg)),
      table('conversions', 'brand', CONVERSION_COLUMNS, pick('conversions', conversionsAgg)),
      table('impressions', 'platform', IMPRESSION_COLUMNS, pick('impressions', impressionsAgg)),
      table('audiences', 'platform', [v('email_address'), v('segment')]),
    ],
  };
}

export const customersList: AnalysisRule = {
  kind: 'list', joinColumns: ['email_address'], listColumns: ['email_address', 'state', 'zip', 'status'],
  allowedJoinOperators: ['AND'], minimumListSize: 0,
};
export const impressionsList: AnalysisRule = {
  kind: 'list', joinColumns: ['email_address'], listColumns: ['creative_id', 'placement', 'device_type', 'cost'],
  allowedJoinOperators: ['AND'], minimumListSize: 0,
};
export const conversionsList: AnalysisRule = {
  kind: 'list', joinColumns: ['email_address'], listColumns: ['creative_id', 'price', 'version'],
  allowedJoinOperators: ['AND', 'OR'], minimumListSize: 0,
};

export function listContext(runner = 'brand'): QueryContext {
  return {
    runner,
    tables: [
      table('customers', 'brand', CUSTOMER_COLUMNS, customersList),
      table('conversions', 'brand', CONVERSION_COLUMNS, conversionsList),
      table('impressions', 'platform', IMPRESSION_COLUMNS, impressionsList),
    ],
  };
}

/** SQL -> DuckDB parser -> converter -> validateQuery. */
export class QueryChecker {
  private constructor(private readonly parser: DuckDbParser) {}

  static async create(): Promise<QueryChecker> {
    return new QueryChecker(await DuckDbParser.create());
  }

  async check(sql: string, ctx: QueryContext): Promise<Result<ValidatedQuery>> {
    const converted = convertParsed(await this.parser.serialize(sql), sql);
    if (!converted.ok) throw new Error(`test query does not convert: ${converted.error.code} ${converted.error.message}`);
    return validateQuery(converted.value, ctx, sql);
  }

  close(): void {
    this.parser.close();
  }
}
