import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbParser } from '../engine/duckdb-parser.ts';
import { convertParsed } from '../sql/convert.ts';
import { translateParameters } from '../sql/template-text.ts';
import { customContext, customRule } from './custom-test-fixtures.ts';
import { dpTemplateRefusal } from './dp-template-check.ts';

let parser: DuckDbParser;
beforeAll(async () => {
  parser = await DuckDbParser.create();
});
afterAll(() => parser.close());

const ctx = customContext({ impressions: customRule({ differentialPrivacy: { columns: [{ name: 'email_address' }] } }) });

async function check(template: string): Promise<string | undefined> {
  const translated = translateParameters(template);
  if (!translated.ok) throw new Error(translated.error.message);
  const sql = translated.value.sql;
  const converted = convertParsed(await parser.serialize(sql), sql);
  if (!converted.ok) throw new Error(converted.error.message);
  return dpTemplateRefusal(converted.value, ctx, sql, ctx.tables)?.code;
}

describe('dpTemplateRefusal', () => {
  it('accepts a template the DP planner can rewrite, with parameters as bounds and LIMIT', async () => {
    expect(await check('SELECT i.campaign_id, SUM(LEAST(GREATEST(i.cost, :lo), :hi)) AS spend FROM impressions i GROUP BY i.campaign_id LIMIT :n')).toBeUndefined();
  });
  it('refuses at creation what could never be private', async () => {
    expect(await check('SELECT i.campaign_id, SUM(i.cost) AS spend FROM impressions i GROUP BY i.campaign_id')).toBe('dp-unbounded');
    expect(await check('SELECT MAX(i.cost) AS m FROM impressions i')).toBe('dp-aggregate');
  });
  it('has nothing to say about templates over tables without DP', async () => {
    expect(dpTemplateRefusal({ kind: 'query', with: [], body: { kind: 'select', distinct: false, items: [], groupBy: [], orderBy: [] } }, ctx, '', ctx.tables.filter((t) => t.sqlName === 'customers'))).toBeUndefined();
  });
});
