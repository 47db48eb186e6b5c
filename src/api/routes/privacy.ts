import type { FastifyInstance } from 'fastify';
import { CleanroomError } from '../../collaboration/errors.ts';
import { budgetReport, previewForCollaboration } from '../../collaboration/privacy-budget-report.ts';
import { validateBudgetSettings } from '../../privacy/budget.ts';
import { memberOf } from '../principal.ts';
import type { ApiContext } from './context.ts';
import { collaborationParams } from './schemas.ts';

/** Privacy budgets as members see them (owners set them on their tables: tables.ts). */
export function registerPrivacyRoutes(app: FastifyInstance, { workspace }: ApiContext): void {
  app.get<{ Params: { collaboration: string } }>(
    '/v1/collaborations/:collaboration/privacy-budget',
    {
      schema: {
        tags: ['privacy'],
        summary: 'budgets of the collaboration\'s differentially private tables: owners see settings and ledger, others what remains',
        params: collaborationParams,
      },
    },
    async (request) => budgetReport(workspace, request.params.collaboration, memberOf(request)),
  );

  app.post<{ Params: { collaboration: string }; Body: { epsilon: number; usersNoisePerQuery: number; delta?: number } }>(
    '/v1/collaborations/:collaboration/privacy-preview',
    {
      schema: {
        tags: ['privacy'],
        summary: 'how many queries of each kind a budget would allow; spends nothing',
        params: collaborationParams,
        body: {
          type: 'object',
          required: ['epsilon', 'usersNoisePerQuery'],
          additionalProperties: false,
          properties: { epsilon: { type: 'number' }, usersNoisePerQuery: { type: 'number' }, delta: { type: 'number' } },
        },
      },
    },
    async (request) => {
      const checked = validateBudgetSettings(request.body);
      if (!checked.ok) throw new CleanroomError('invalid', checked.error);
      return previewForCollaboration(workspace, request.params.collaboration, memberOf(request), checked.value);
    },
  );
}
