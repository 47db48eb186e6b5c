import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbParser } from './duckdb-parser.ts';

describe('DuckDbParser', () => {
  let parser: DuckDbParser;
  beforeAll(async () => {
    parser = await DuckDbParser.create();
  });
  afterAll(() => parser.close());

  it('returns the statement tree of a SELECT', async () => {
    const tree = (await parser.serialize('SELECT a FROM t')) as { error: boolean; statements: unknown[] };
    expect(tree.error).toBe(false);
    expect(tree.statements).toHaveLength(1);
  });

  it('reports a syntax error as a tree with error set, not an exception', async () => {
    const tree = (await parser.serialize('SELEC a FROM')) as { error: boolean; error_message: string };
    expect(tree.error).toBe(true);
    expect(tree.error_message).toMatch(/syntax error/i);
  });

  it('turns an unrepresentable literal into an error tree instead of throwing', async () => {
    const tree = (await parser.serialize('SELECT 1e999')) as { error: boolean; error_message: string };
    expect(tree.error).toBe(true);
    expect(tree.error_message).toMatch(/out of range/);
  });
});
