import { DuckDbParser } from '../engine/duckdb-parser.ts';
import { convertParsed } from '../sql/convert.ts';
import type { Diagnostic, Result } from '../sql/diagnostic.ts';
import type { CustomRule, QueryContext } from './rule-types.ts';
import { CONVERSION_COLUMNS, CUSTOMER_COLUMNS, IMPRESSION_COLUMNS, table } from './test-fixtures.ts';
import type { AnyValidatedQuery, ValidatedCustomQuery } from './validated-query.ts';
import { validateQuery, type QueryInvocation } from './validate-query.ts';

/**
 * Custom-rule collaborations for the custom validator tests: brand owns customers and
 * conversions, platform owns impressions, platform_b owns impressions_b. Identifiers
 * and personal columns are disallowed output columns. Test support only.
 */

export function customRule(overrides: Partial<CustomRule> = {}): CustomRule {
  return {
    kind: 'custom', allowedAnalyses: ['ANY_QUERY'], allowedAnalysisProviders: ['brand'],
    disallowedOutputColumns: ['email_address'], outputConstraints: [], ...overrides,
  };
}

export interface CustomRules {
  customers?: CustomRule;
  conversions?: CustomRule;
  impressions?: CustomRule;
  impressions_b?: CustomRule;
}

export function customContext(rules: CustomRules = {}, runner = 'brand'): QueryContext {
  return {
    runner,
    tables: [
      table('customers', 'brand', CUSTOMER_COLUMNS,
        rules.customers ?? customRule({ disallowedOutputColumns: ['email_address', 'first_name', 'last_name', 'zip'] })),
      table('conversions', 'brand', CONVERSION_COLUMNS,
        rules.conversions ?? customRule({ disallowedOutputColumns: ['email_address', 'transaction_id', 'version'] })),
      table('impressions', 'platform', IMPRESSION_COLUMNS, rules.impressions ?? customRule()),
      table('impressions_b', 'platform_b', IMPRESSION_COLUMNS, rules.impressions_b ?? customRule()),
    ],
  };
}

/** SQL -> DuckDB parser -> converter -> validateQuery with an invocation. */
export class CustomChecker {
  private constructor(private readonly parser: DuckDbParser) {}

  static async create(): Promise<CustomChecker> {
    return new CustomChecker(await DuckDbParser.create());
  }

  async check(sql: string, ctx: QueryContext = customContext(), invocation: QueryInvocation = {}): Promise<Result<AnyValidatedQuery>> {
    const converted = convertParsed(await this.parser.serialize(sql), sql);
    if (!converted.ok) throw new Error(`test query does not convert: ${converted.error.code} ${converted.error.message}`);
    return validateQuery(converted.value, ctx, sql, invocation);
  }

  async accepted(sql: string, ctx?: QueryContext, invocation?: QueryInvocation): Promise<ValidatedCustomQuery> {
    const r = await this.check(sql, ctx, invocation);
    if (!r.ok) throw new Error(`refused: ${r.error.code}: ${r.error.message}`);
    if (r.value.kind !== 'custom') throw new Error(`not a custom query: ${r.value.kind}`);
    return r.value;
  }

  async refused(sql: string, ctx?: QueryContext, invocation?: QueryInvocation): Promise<Diagnostic> {
    const r = await this.check(sql, ctx, invocation);
    if (r.ok) throw new Error(`accepted: ${sql}`);
    return r.error;
  }

  close(): void {
    this.parser.close();
  }
}
