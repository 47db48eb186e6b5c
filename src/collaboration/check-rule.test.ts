/**
 * A table owner tests sample queries against its own rule. Expected outcomes are worked
 * out by hand from RULES.md for the rules below; the SQL of an allowed query is compared
 * with a real dry run in a collaboration where the table is alone with its owner.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { associate } from './associations.ts';
import { checkRule, type RuleCheck } from './check-rule.ts';
import { createCollaboration } from './collaborations.ts';
import { createDataset } from './datasets.ts';
import { CleanroomError } from './errors.ts';
import { createMember } from './members.ts';
import { listOwnQueries } from './query-logs.ts';
import { runQuery } from './run-query.ts';
import { createTable } from './tables.ts';
import { Workspace } from './workspace.ts';

const COLUMNS = ['email_address', 'campaign_id', 'device_type', 'cost'];
/** Join on email; group by campaign or device; COUNT(DISTINCT email), SUM(cost); 2 users a row. */
const AGGREGATION = {
  v1: {
    aggregation: {
      aggregateColumns: [
        { columnNames: ['email_address'], function: 'COUNT_DISTINCT' },
        { columnNames: ['cost'], function: 'SUM' },
      ],
      joinColumns: ['email_address'],
      joinRequired: 'QUERY_RUNNER',
      dimensionColumns: ['campaign_id', 'device_type'],
      scalarFunctions: [],
      outputConstraints: [{ columnName: 'email_address', minimum: 2, type: 'COUNT_DISTINCT' }],
    },
  },
};
const LIST = { v1: { list: { joinColumns: ['email_address'], listColumns: ['campaign_id', 'device_type'] } } };
/** Any query by its owner, but never the email addresses in the output. */
const CUSTOM = { v1: { custom: { allowedAnalyses: ['ANY_QUERY'], allowedAnalysisProviders: ['platform'], disallowedOutputColumns: ['email_address'] } } };
/** Ad-hoc queries by brand only: its owner cannot run ad-hoc SQL on it either. */
const CUSTOM_FOR_BRAND = { v1: { custom: { allowedAnalyses: ['ANY_QUERY'], allowedAnalysisProviders: ['brand'] } } };

function refusal(check: RuleCheck): Record<string, unknown> {
  if (check.allowed) throw new Error(`expected a refusal, got the SQL ${check.sql}`);
  return { ...check.error };
}

describe('checking a sample query against one table rule', () => {
  let dir: string;
  let ws: Workspace;
  const check = (table: string, sql: string, sqlName?: string): Promise<RuleCheck> =>
    checkRule(ws, 'platform', table, sql, sqlName === undefined ? {} : { sqlName });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cr-check-rule-'));
    const csv = join(dir, 'impressions.csv');
    writeFileSync(csv, 'email_address,campaign_id,device_type,cost\na@x.io,c1,mobile,1.5\nb@x.io,c1,desktop,2\nc@x.io,c2,mobile,4\n');
    ws = await Workspace.open(join(dir, 'home'), { threads: 1, memoryLimit: '1GB' });
    await createMember(ws.db, 'platform');
    await createMember(ws.db, 'brand');
    await createDataset(ws, 'platform', 'impressions', [csv]);
    await createTable(ws.db, 'platform', 'impressions', 'impressions', undefined, AGGREGATION);
    await createTable(ws.db, 'platform', 'segments', 'impressions', undefined, LIST);
    await createTable(ws.db, 'platform', 'events', 'impressions', COLUMNS, CUSTOM);
    await createTable(ws.db, 'platform', 'events-brand', 'impressions', COLUMNS, CUSTOM_FOR_BRAND);
  }, 120_000);
  afterAll(async () => {
    await ws.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('aggregation rule', () => {
    const allowed = 'SELECT campaign_id, COUNT(DISTINCT email_address) AS users, SUM(cost) AS spend FROM impressions GROUP BY campaign_id';

    it('allows a grouped aggregate and shows the SQL that would run, with the output constraint as HAVING', async () => {
      const answer = await check('impressions', allowed);
      // RULES.md: every output row must reach COUNT(DISTINCT email_address) >= 2 (the constraint), whether selected or not.
      expect(answer).toEqual({
        allowed: true,
        sql:
          'SELECT "impressions"."campaign_id" AS "campaign_id", count(DISTINCT "impressions"."email_address") AS "users", ' +
          'sum("impressions"."cost") AS "spend" FROM "impressions" GROUP BY "impressions"."campaign_id" ' +
          'HAVING (count(DISTINCT "impressions"."email_address") >= 2)',
      });
    });

    it('gives the SQL a real dry run gives with the table alone in a collaboration', async () => {
      await createCollaboration(ws.db, 'platform', 'solo', [{ member: 'platform', query: true, receive: true }], true);
      await associate(ws.db, 'solo', 'platform', 'impressions', undefined, undefined);
      const dry = await runQuery(ws, 'solo', 'platform', allowed, { dryRun: true });
      const answer = await check('impressions', allowed);
      expect(dry.status).toBe('accepted');
      expect(answer).toEqual({ allowed: true, sql: dry.status === 'accepted' ? dry.sql : '' });
      const refused = 'SELECT email_address, SUM(cost) AS spend FROM impressions GROUP BY email_address';
      const dryRefused = await runQuery(ws, 'solo', 'platform', refused, { dryRun: true });
      expect(dryRefused.status === 'refused' ? dryRefused.error : undefined).toEqual(refusal(await check('impressions', refused)));
    });

    it('refuses a join column in the output, pointing at it', async () => {
      // RULES.md: join columns appear only in ON and inside COUNT/COUNT(DISTINCT), never in SELECT.
      expect(refusal(await check('impressions', 'SELECT email_address, SUM(cost) AS spend FROM impressions GROUP BY email_address'))).toMatchObject({
        code: 'join-column-in-output',
        rule: 'aggregation',
        table: 'impressions',
        fragment: 'email_address',
        position: 7,
      });
    });

    it('refuses an aggregate the rule does not grant', async () => {
      // The rule grants SUM on cost only; AVG(cost) starts at character 20.
      expect(refusal(await check('impressions', 'SELECT campaign_id, AVG(cost) AS c FROM impressions GROUP BY campaign_id'))).toMatchObject({
        code: 'aggregate-not-allowed',
        table: 'impressions',
        fragment: 'AVG(cost)',
        position: 20,
      });
    });

    it('names the table as the owner gives it, and refuses any other table name', async () => {
      expect((await check('impressions', 'SELECT COUNT(DISTINCT i.email_address) AS n FROM imp i', 'imp')).allowed).toBe(true);
      expect(refusal(await check('impressions', 'SELECT COUNT(DISTINCT email_address) AS n FROM impressions', 'imp'))).toMatchObject({
        code: 'unknown-table',
        fragment: 'impressions',
      });
      expect(refusal(await check('impressions', 'SELECT COUNT(DISTINCT c.email_address) AS n FROM customers c'))).toMatchObject({ code: 'unknown-table' });
    });

    it('refuses text that does not parse, with its position', async () => {
      expect(refusal(await check('impressions', 'SELEC 1'))).toMatchObject({ code: 'syntax-error', position: 0 });
    });
  });

  describe('list rule', () => {
    it('allows DISTINCT list columns over a join to a table of the runner (here the owner itself)', async () => {
      const answer = await check('segments', 'SELECT DISTINCT a.campaign_id, a.device_type FROM segments a INNER JOIN segments b ON a.email_address = b.email_address');
      expect(answer).toEqual({
        allowed: true,
        sql:
          'SELECT DISTINCT "a"."campaign_id" AS "campaign_id", "a"."device_type" AS "device_type" ' +
          'FROM "segments" AS "a" INNER JOIN "segments" AS "b" ON ("a"."email_address" = "b"."email_address")',
      });
    });

    it('refuses a list query without DISTINCT', async () => {
      expect(refusal(await check('segments', 'SELECT a.campaign_id FROM segments a INNER JOIN segments b ON a.email_address = b.email_address'))).toMatchObject({
        code: 'distinct-required',
        rule: 'list',
      });
    });

    it('refuses a list query that joins no table of the runner', async () => {
      // RULES.md: an inner join to a table of the query runner is always required.
      expect(refusal(await check('segments', 'SELECT DISTINCT campaign_id FROM segments'))).toMatchObject({ code: 'join-required', rule: 'list', table: 'segments' });
    });
  });

  describe('custom rule', () => {
    it('allows ad-hoc SQL by an allowed analysis provider', async () => {
      expect(await check('events', 'SELECT campaign_id, COUNT(*) AS n FROM events GROUP BY campaign_id')).toEqual({
        allowed: true,
        sql: 'SELECT "campaign_id", count(*) AS "n" FROM "events" GROUP BY "campaign_id"',
      });
    });

    it('refuses a disallowed output column, also through a value-carrying aggregate', async () => {
      expect(refusal(await check('events', 'SELECT email_address, campaign_id FROM events'))).toMatchObject({
        code: 'disallowed-output-column',
        rule: 'custom',
        table: 'events',
        position: 7,
      });
      expect(refusal(await check('events', 'SELECT device_type, MAX(email_address) AS top FROM events GROUP BY device_type'))).toMatchObject({
        code: 'disallowed-output-column',
        fragment: 'MAX(email_address)',
      });
    });

    it('refuses ad-hoc SQL when the owner is not an analysis provider of its own table', async () => {
      // RULES.md: ANY_QUERY lets the listed providers run any query, and nobody else; the owner is no exception.
      expect(refusal(await check('events-brand', 'SELECT campaign_id, COUNT(*) AS n FROM events_brand GROUP BY campaign_id', 'events_brand'))).toMatchObject({
        code: 'analysis-not-allowed',
        table: 'events_brand',
      });
    });
  });

  it('needs an SQL name for a table whose name is not one', async () => {
    const error = await check('events-brand', 'SELECT 1').then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(CleanroomError);
    expect((error as CleanroomError).diagnostic.code).toBe('invalid-name');
  });

  it('does not know tables of other members, nor records anything', async () => {
    const error = await checkRule(ws, 'brand', 'impressions', 'SELECT 1').then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(CleanroomError);
    expect((error as CleanroomError).diagnostic.code).toBe('unknown-table');
    expect(await listOwnQueries(ws.db, 'solo', 'platform')).toEqual([]);
    expect(await ws.db.selectFrom('queries').select('id').execute()).toEqual([]);
  });
});
