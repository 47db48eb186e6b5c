import type { FastifyInstance } from 'fastify';
import { checkRule } from '../../collaboration/check-rule.ts';
import { describeTable } from '../../collaboration/describe-table.ts';
import { createTable, deleteTable, listTables, proposeTable, showTable, updateTable } from '../../collaboration/tables.ts';
import { CleanroomError } from '../../collaboration/errors.ts';
import { setBudget } from '../../collaboration/privacy-budgets.ts';
import { validateBudgetSettings } from '../../privacy/budget.ts';
import { requireSelfPath } from '../principal.ts';
import type { ApiContext } from './context.ts';
import { memberParams, nameSchema, stringList } from './schemas.ts';

const tableParams = {
  type: 'object',
  required: ['member', 'table'],
  properties: { member: nameSchema, table: nameSchema },
} as const;

const ruleSchema = { type: 'object', description: 'the analysis rule document (JSON as AWS Clean Rooms writes it; docs/rules.md)' } as const;

/** `?dryRun=true`: check the definition as saving would, and save nothing. */
const dryRunQuery = { type: 'object', additionalProperties: false, properties: { dryRun: { type: 'boolean', default: false } } } as const;

/** Configured tables: a member's datasets exposed under one analysis rule. */
export function registerTableRoutes(app: FastifyInstance, { workspace }: ApiContext): void {
  const { db } = workspace;

  app.post<{ Params: { member: string }; Querystring: { dryRun?: boolean }; Body: { name: string; dataset: string; rule: unknown; columns?: string[] } }>(
    '/v1/members/:member/tables',
    {
      schema: {
        tags: ['tables'],
        summary: 'expose one of your datasets under an analysis rule (`dryRun=true`: check it, save nothing)',
        params: memberParams,
        querystring: dryRunQuery,
        body: {
          type: 'object',
          required: ['name', 'dataset', 'rule'],
          additionalProperties: false,
          properties: { name: nameSchema, dataset: nameSchema, rule: ruleSchema, columns: stringList },
        },
      },
    },
    async (request, reply) => {
      const member = requireSelfPath(request, request.params.member);
      const { name, dataset, rule, columns } = request.body;
      if (request.query.dryRun === true) {
        return { dryRun: true, ...(await proposeTable(db, member, { table: name, dataset, rule, ...(columns !== undefined ? { columns } : {}) })) };
      }
      return reply.code(201).send(describeTable(await createTable(db, member, name, dataset, columns, rule)));
    },
  );

  app.get<{ Params: { member: string } }>(
    '/v1/members/:member/tables',
    { schema: { tags: ['tables'], summary: 'your configured tables', params: memberParams } },
    async (request) => (await listTables(db, requireSelfPath(request, request.params.member))).map(describeTable),
  );

  app.get<{ Params: { member: string; table: string } }>(
    '/v1/members/:member/tables/:table',
    { schema: { tags: ['tables'], summary: 'one of your configured tables', params: tableParams } },
    async (request) => describeTable(await showTable(db, requireSelfPath(request, request.params.member), request.params.table)),
  );

  app.patch<{ Params: { member: string; table: string }; Querystring: { dryRun?: boolean }; Body: { rule?: unknown; columns?: string[] } }>(
    '/v1/members/:member/tables/:table',
    {
      schema: {
        tags: ['tables'],
        summary: 'replace the rule and/or the allowed columns (a new rule version; `dryRun=true`: check it, save nothing)',
        params: tableParams,
        querystring: dryRunQuery,
        body: { type: 'object', additionalProperties: false, minProperties: 1, properties: { rule: ruleSchema, columns: stringList } },
      },
    },
    async (request) => {
      const member = requireSelfPath(request, request.params.member);
      const { columns, rule } = request.body;
      if (request.query.dryRun === true) {
        return { dryRun: true, ...(await proposeTable(db, member, { table: request.params.table, ...(columns !== undefined ? { columns } : {}), ...(rule !== undefined ? { rule } : {}) })) };
      }
      return describeTable(await updateTable(db, member, request.params.table, columns, rule));
    },
  );

  app.delete<{ Params: { member: string; table: string } }>(
    '/v1/members/:member/tables/:table',
    { schema: { tags: ['tables'], summary: 'delete a configured table; refused while it is associated', params: tableParams } },
    async (request) => {
      const member = requireSelfPath(request, request.params.member);
      await deleteTable(db, member, request.params.table);
      return { deleted: `${member}/${request.params.table}` };
    },
  );

  app.post<{ Params: { member: string; table: string }; Body: { sql: string; name?: string } }>(
    '/v1/members/:member/tables/:table/check',
    {
      schema: {
        tags: ['tables'],
        summary: 'test a sample query against the rule of your table: allowed (with the SQL that would run) or the refusal; nothing runs',
        description:
          'The table is checked alone, associated under `name` (default: its own name) in a collaboration whose only member is you, ' +
          "with the query and receive abilities. Other members' tables and the collaboration's settings can add refusals. " +
          'Example body: `{"sql": "SELECT campaign_id, COUNT(DISTINCT email_address) AS users FROM impressions GROUP BY campaign_id"}`; ' +
          'answers `{"allowed": true, "sql": "..."}` or `{"allowed": false, "error": {"code", "message", "rule", "table", "fragment", "position", "hint"}}`.',
        params: tableParams,
        body: {
          type: 'object',
          required: ['sql'],
          additionalProperties: false,
          properties: {
            sql: { type: 'string', minLength: 1, maxLength: 100_000, description: 'one SELECT over the table (as long as a query may be)' },
            name: { ...nameSchema, description: "the table's name in the SQL (default: the table's name)" },
          },
        },
      },
    },
    async (request) => {
      const member = requireSelfPath(request, request.params.member);
      const { sql, name } = request.body;
      return checkRule(workspace, member, request.params.table, sql, name === undefined ? {} : { sqlName: name });
    },
  );

  app.put<{
    Params: { member: string; table: string };
    Body: { epsilon: number; delta?: number; usersNoisePerQuery?: number; refresh?: 'none' | 'monthly' };
  }>(
    '/v1/members/:member/tables/:table/privacy-budget',
    {
      schema: {
        tags: ['privacy'],
        summary: 'set the differential-privacy budget of your table (across all its collaborations)',
        params: tableParams,
        body: {
          type: 'object',
          required: ['epsilon'],
          additionalProperties: false,
          properties: {
            epsilon: { type: 'number' },
            delta: { type: 'number' },
            usersNoisePerQuery: { type: 'number' },
            refresh: { type: 'string', enum: ['none', 'monthly'] },
          },
        },
      },
    },
    async (request) => {
      const member = requireSelfPath(request, request.params.member);
      const checked = validateBudgetSettings(request.body);
      if (!checked.ok) throw new CleanroomError('invalid', checked.error);
      return setBudget(workspace, member, request.params.table, checked.value);
    },
  );
}
