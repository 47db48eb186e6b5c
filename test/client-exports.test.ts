/**
 * What a user of the client imports from `src/client/index.ts` alone: the insights
 * parameter description and the results-SQL answers. Mostly a type-level test (tsc
 * checks the `expectTypeOf` lines, `npm test` runs tsc); the calls go to a stub fetch.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  CleanroomClient,
  type AnalysisParameter,
  type InsightSummary,
  type ResultsSqlAnswer,
  type ResultsSqlColumn,
  type ResultsSqlTable,
  type SavedResultsQuery,
} from '../src/client/index.ts';

/** A client whose fetch answers `body` as JSON to any request. */
function stubbed(body: unknown): CleanroomClient {
  const fetch = async (): Promise<Response> => new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
  return new CleanroomClient({ baseUrl: 'http://cleanroom.invalid', token: 'crk_x_y', fetch });
}

describe('the client index exports the types its methods answer with', () => {
  it('AnalysisParameter is what GET /v1/insights declares per parameter', async () => {
    expectTypeOf<InsightSummary['parameters'][number]>().toEqualTypeOf<AnalysisParameter>();
    const lookback: AnalysisParameter = { name: 'lookback_days', type: 'INTEGER', default: '14', range: { lo: '1', hi: '90' }, description: 'days' };
    const [analysis] = await stubbed([{ name: 'attribution', category: 'measurement', rule: 'custom', tables: ['impressions'], parameters: [lookback], question: '?' }]).insights.list();
    const parameters: readonly AnalysisParameter[] = analysis!.parameters;
    expect(parameters[0]?.range?.hi).toBe('90');
  });

  it('the results-SQL types are the answers of client.resultsSql', async () => {
    const client = stubbed({});
    expectTypeOf(client.resultsSql.query).returns.resolves.toEqualTypeOf<ResultsSqlAnswer>();
    expectTypeOf(client.resultsSql.catalog).returns.resolves.toEqualTypeOf<{ tables: ResultsSqlTable[]; saved: SavedResultsQuery[] }>();
    expectTypeOf(client.resultsSql.name).returns.resolves.toEqualTypeOf<ResultsSqlTable>();
    expectTypeOf(client.resultsSql.showSaved).returns.resolves.toEqualTypeOf<SavedResultsQuery>();
    expectTypeOf<ResultsSqlAnswer['columns'][number]>().toEqualTypeOf<ResultsSqlColumn>();

    const column: ResultsSqlColumn = { name: 'reach', type: 'BIGINT' };
    const answer: ResultsSqlAnswer = { columns: [column], rows: [[3]], offset: 0, limit: 100, hasMore: false, executed: 'SELECT reach FROM q3', tables: ['q3'] };
    const got = await stubbed(answer).resultsSql.query({ sql: 'SELECT reach FROM q3' });
    expect(got).toEqual(answer);
    const table: ResultsSqlTable = { name: 'q3', named: true, id: 'r1', queryId: 'q1', analysis: null, columns: [column], rowCount: 1, createdAt: '2025-01-01T00:00:00Z', format: 'parquet' };
    const saved: SavedResultsQuery = { name: 'top', kind: 'view', sql: 'SELECT 1', description: '', createdAt: table.createdAt, updatedAt: table.createdAt };
    expect(await stubbed({ tables: [table], saved: [saved] }).resultsSql.catalog()).toEqual({ tables: [table], saved: [saved] });
  });
});
