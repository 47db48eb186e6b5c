import { invalid } from './errors.ts';

/**
 * Names of members, datasets, tables, collaborations and associations: they appear in
 * store keys, SQL and URLs, so they are kept to a safe, case-insensitive alphabet.
 */
const NAME = /^[a-z][a-z0-9_-]{0,62}$/;

export function checkName(what: string, name: string): string {
  if (!NAME.test(name)) {
    throw invalid(
      'invalid-name',
      `${what} name '${name}' is not valid`,
      'use 1-63 lower-case letters, digits, `_` or `-`, starting with a letter',
    );
  }
  return name;
}

/** Association names are SQL table names: no `-`, so they need no quoting in queries. */
export function checkSqlName(name: string): string {
  const lower = name.toLowerCase();
  // `__cr_` names are the planner's own (row ids, CTEs); a table must never shadow them.
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(lower) || lower.startsWith('__cr_')) {
    throw invalid(
      'invalid-name',
      `table name '${name}' is not a valid SQL name`,
      'use letters, digits and `_`, starting with a letter or `_`',
    );
  }
  return lower;
}
