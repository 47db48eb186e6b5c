import { describe, expect, it } from 'vitest';
import { CrawlRefusal } from './crawl-types.ts';
import { normalizeColumnName, normalizeColumns } from './normalize-names.ts';

describe('normalizeColumnName', () => {
  it.each([
    ['Email Address', 'email_address'],
    ['dateCreated', 'date_created'],
    ['userID', 'user_id'],
    ['HTTPStatus', 'http_status'],
    ['  Revenue (EUR) ', 'revenue_eur'],
    ['already_snake', 'already_snake'],
    ['a--b..c', 'a_b_c'],
    ['Q1 2024', 'q1_2024'],
    ['Café Crème', 'café_crème'],
    ['__CR_RowId', '__cr_row_id'],
    ['_private', '_private'],
    ['!!!', ''],
    ['', ''],
  ])('%j -> %j', (input, expected) => {
    expect(normalizeColumnName(input)).toBe(expected);
  });
});

function refusalCode(run: () => unknown): string | undefined {
  try {
    run();
    return undefined;
  } catch (e) {
    if (e instanceof CrawlRefusal) return e.diagnostic.code;
    throw e;
  }
}

describe('normalizeColumns', () => {
  it('maps originals to normalised names in order', () => {
    expect([...normalizeColumns(['Email Address', 'dateCreated'], 'f.csv')]).toEqual([
      ['Email Address', 'email_address'],
      ['dateCreated', 'date_created'],
    ]);
  });
  it('refuses duplicates, collisions, empty and reserved names', () => {
    expect(refusalCode(() => normalizeColumns(['a', 'a'], 'f.csv'))).toBe('duplicate-column');
    expect(refusalCode(() => normalizeColumns(['Email Address', 'email_address'], 'f.csv'))).toBe('column-name-collision');
    expect(refusalCode(() => normalizeColumns(['a', ''], 'f.csv'))).toBe('empty-column-name');
    expect(refusalCode(() => normalizeColumns(['a', '__cr_rowid'], 'f.csv'))).toBe('reserved-column-name');
    expect(refusalCode(() => normalizeColumns(['__CR_X'], 'f.csv'))).toBe('reserved-column-name');
  });
});
