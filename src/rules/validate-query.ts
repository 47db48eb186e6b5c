import type { Query, Select } from '../sql/ast.ts';
import { catchRefusal } from '../sql/diagnostic.ts';
import type { Result } from '../sql/diagnostic.ts';
import type { QueryContext, QueryTable, RuleKind } from './rule-types.ts';
import type { AnyValidatedQuery, ValidatedQuery } from './validated-query.ts';
import { normalizeSelect } from './normalize-select.ts';
import { Refuser } from './refuser.ts';
import { collectTableRefs, findTable, resolveFrom, unknownTable } from './resolve-tables.ts';
import { Scope } from './scope.ts';
import { refuseAggregationShape, validateAggregation } from './validate-aggregation.ts';
import { aggregationNoise } from './aggregation-noise.ts';
import { validateCustom } from './validate-custom.ts';
import { refuseListShape, validateList } from './validate-list.ts';

/** How a query over custom-rule tables runs: as an approved template, or ad hoc. */
export interface QueryInvocation {
  /** The approved template's id; undefined for ad-hoc SQL (allowed analysis providers only). */
  readonly templateId?: string;
}

/**
 * Checks a converted query against the rules of every table it references and returns
 * it in the planner's normal form, or the first refusal.
 *
 * Order: tables (unknown, without rule, mixed rule kinds), then the statement shape
 * the rule kind forbids, then columns, then the rule's clauses.
 *
 * @example
 * validateQuery(convertParsed(tree, sql).value, ctx, sql)
 * // => { ok: true, value: { kind: 'aggregation', query, aliases: [{ alias: 'i', table }], runner } }
 * // or { ok: false, error: { code: 'join-column-in-output', rule: 'aggregation', table: 'impressions', ... } }
 *
 * Custom-rule tables are validated only when the caller passes `invocation` (whether
 * the query runs as a template or ad hoc); the result is then a ValidatedCustomQuery
 * (validate-custom.ts). Without it they are refused, as before templates existed.
 */
export function validateQuery(query: Query, ctx: QueryContext, sqlText: string): Result<ValidatedQuery>;
export function validateQuery(query: Query, ctx: QueryContext, sqlText: string, invocation: QueryInvocation): Result<AnyValidatedQuery>;
export function validateQuery(query: Query, ctx: QueryContext, sqlText: string, invocation?: QueryInvocation): Result<AnyValidatedQuery> {
  return catchRefusal((): AnyValidatedQuery => {
    const sql = new Refuser(sqlText, 'sql');
    const kind = ruleKindOf(query, ctx, sql);
    if (kind === 'custom' && invocation !== undefined) return validateCustom(query, ctx, sqlText, invocation.templateId);
    if (kind === 'custom') {
      return sql.fail('rule-not-supported', 'queries on tables with a custom rule run through analysis templates, which are not available yet', undefined, {
        hint: 'query tables with aggregation or list rules',
      });
    }
    const refuser = sql.withRule(kind);
    const select = singleSelect(query, refuser);
    if (select.from === undefined) {
      // The tables are named only inside subqueries of a FROM-less SELECT.
      return refuser.fail('subquery-not-allowed', 'subqueries are not allowed', undefined, {
        hint: 'name the associated tables in FROM',
      });
    }
    if (kind === 'aggregation') refuseAggregationShape(select, { refuser });
    else refuseListShape(select, { refuser });
    const aliases = resolveFrom(select.from, ctx, refuser);
    const scope = new Scope(aliases, refuser);
    const normal = normalizeSelect(select, scope, refuser);
    const cx = { refuser, scope, runner: ctx.runner };
    if (kind === 'aggregation') validateAggregation(normal, aliases, cx);
    else validateList(normal, aliases, cx);
    // Noise mode: a table whose aggregation rule asks for differential privacy never answers exactly.
    const dp = kind === 'aggregation' ? aggregationNoise(normal, aliases, ctx, refuser) : undefined;
    return {
      kind,
      query: { kind: 'query', with: [], body: normal, ...(query.pos !== undefined ? { pos: query.pos } : {}) },
      aliases,
      runner: ctx.runner,
      ...(dp !== undefined ? { dp } : {}),
    };
  });
}

/** Every referenced table needs a rule, and all rules must be of one kind. */
function ruleKindOf(query: Query, ctx: QueryContext, sql: Refuser): RuleKind {
  const refs = collectTableRefs(query);
  if (refs.length === 0) {
    return sql.fail('no-table', 'the query reads no associated table', undefined, {
      hint: 'name an associated table in FROM',
    });
  }
  const tables: QueryTable[] = [];
  for (const ref of refs) {
    const t = findTable(ctx, ref.name) ?? unknownTable(ref, ctx, sql);
    if (t.rule === undefined) {
      sql.fail('table-not-queryable', `${t.sqlName} has no analysis rule and cannot be queried`, ref, {
        table: t.sqlName,
        hint: 'its owner must add an analysis rule to the configured table',
      });
    }
    if (!tables.includes(t)) tables.push(t);
  }
  const kinds = new Set(tables.map((t) => t.rule?.kind));
  const first = tables[0]?.rule?.kind;
  if (first === undefined) throw new Error('Internal error: no rule kind');
  if (kinds.size > 1) {
    const odd = tables.find((t) => t.rule?.kind !== first);
    sql.fail('mixed-rule-types', `all tables of a query need rules of one type (${tables.map((t) => `${t.sqlName}: ${t.rule?.kind ?? 'none'}`).join(', ')})`, undefined, {
      ...(odd !== undefined ? { table: odd.sqlName } : {}),
      hint: 'query tables with aggregation rules and tables with list rules separately',
    });
  }
  return first;
}

/** Aggregation and list queries are one plain SELECT: no CTE, no set operation. */
function singleSelect(query: Query, refuser: Refuser): Select {
  const cte = query.with[0];
  if (cte !== undefined) {
    refuser.fail('cte-not-allowed', `WITH (common table expressions) is not allowed by the ${refuser.rule} rule`, undefined, {
      hint: 'write one SELECT over the associated tables',
    });
  }
  if (query.body.kind === 'set-operation') {
    const op = query.body.op.replace('-', ' ').toUpperCase();
    return refuser.fail('set-operation-not-allowed', `${op} is not allowed`, undefined, {
      hint: 'run the queries separately',
    });
  }
  return query.body;
}
