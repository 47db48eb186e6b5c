import type { Http } from './http.ts';
import { seg } from './http.ts';
import type { TableView } from './types.ts';
import type { RuleCheck } from '../collaboration/check-rule.ts';
import type { TableProposal } from '../collaboration/tables.ts';

export type { RuleCheck, TableProposal };

export interface NewTable {
  readonly name: string;
  readonly dataset: string;
  /** The analysis rule document. */
  readonly rule: unknown;
  /** Allowed columns (default: the columns the rule names). */
  readonly columns?: readonly string[];
}

/** Configured tables: a member's datasets exposed under one analysis rule. */
export class TablesApi {
  constructor(private readonly http: Http) {}

  /** POST /v1/members/{member}/tables */
  create(member: string, table: NewTable): Promise<TableView> {
    return this.http.json('POST', `/v1/members/${seg(member)}/tables`, { json: table });
  }

  /** GET /v1/members/{member}/tables */
  list(member: string): Promise<TableView[]> {
    return this.http.json('GET', `/v1/members/${seg(member)}/tables`);
  }

  /** GET /v1/members/{member}/tables/{table} */
  show(member: string, table: string): Promise<TableView> {
    return this.http.json('GET', `/v1/members/${seg(member)}/tables/${seg(table)}`);
  }

  /** PATCH /v1/members/{member}/tables/{table}: a new rule version. */
  update(member: string, table: string, change: { readonly rule?: unknown; readonly columns?: readonly string[] }): Promise<TableView> {
    return this.http.json('PATCH', `/v1/members/${seg(member)}/tables/${seg(table)}`, { json: change });
  }

  /**
   * POST /v1/members/{member}/tables/{table}/check: would the table's rule allow this
   * query? The table alone, named `name` in the SQL (default: its own name); nothing runs.
   *
   * @example
   *   await client.tables.check('platform', 'impressions', 'SELECT email_address FROM impressions')
   *   // => { allowed: false, error: { code: 'join-column-in-output', position: 7, ... } }
   */
  check(member: string, table: string, sql: string, name?: string): Promise<RuleCheck> {
    return this.http.json('POST', `/v1/members/${seg(member)}/tables/${seg(table)}/check`, { json: { sql, ...(name !== undefined ? { name } : {}) } });
  }

  /**
   * Checks a new table (`dataset` given: POST …/tables?dryRun=true) or a change to an
   * existing one (PATCH …/tables/{name}?dryRun=true) as saving would, and saves nothing:
   * the columns and rule that would be stored and their version, or the diagnostic.
   */
  propose(member: string, change: { readonly name: string; readonly dataset?: string; readonly rule?: unknown; readonly columns?: readonly string[] }): Promise<TableProposal & { dryRun: true }> {
    const { name, dataset, ...rest } = change;
    return dataset === undefined
      ? this.http.json('PATCH', `/v1/members/${seg(member)}/tables/${seg(name)}`, { json: rest, query: { dryRun: true } })
      : this.http.json('POST', `/v1/members/${seg(member)}/tables`, { json: { name, dataset, ...rest }, query: { dryRun: true } });
  }

  /** DELETE /v1/members/{member}/tables/{table} */
  delete(member: string, table: string): Promise<{ deleted: string }> {
    return this.http.json('DELETE', `/v1/members/${seg(member)}/tables/${seg(table)}`);
  }
}
