import type { Diagnostic } from '../sql/diagnostic.ts';
import type { QueryTable } from './rule-types.ts';

/**
 * RULES.md "Custom rule": a query runs only if every referenced table's rule allows
 * it. Read per table, as the cloud service does: a table allows a template run when
 * its `allowedAnalyses` lists the template id, and any query (template or ad hoc)
 * when it is `ANY_QUERY` and the runner is one of its `allowedAnalysisProviders`.
 * The runner's own tables are no exception. Who may run at all (a member who can
 * query, the approved template a name resolves to) is the caller's decision.
 *
 * @example
 * checkCustomAuthorization([customers], 'platform', undefined)
 * // => { code: 'analysis-not-allowed', table: 'customers',
 * //      message: 'custom rule: customers does not allow ad-hoc queries by platform ...' }
 * checkCustomAuthorization([customers], 'platform', 'tpl_3f2a') // => undefined when approved
 */
export function checkCustomAuthorization(
  tables: readonly QueryTable[], runner: string, templateId: string | undefined,
): Diagnostic | undefined {
  for (const t of tables) {
    const rule = t.rule;
    if (rule?.kind !== 'custom') {
      throw new Error(`Internal error: ${t.sqlName} has no custom rule`);
    }
    const anyQuery = rule.allowedAnalyses.includes('ANY_QUERY') && rule.allowedAnalysisProviders.includes(runner);
    if (anyQuery || (templateId !== undefined && rule.allowedAnalyses.includes(templateId))) continue;
    const what = templateId !== undefined ? `the analysis template ${templateId}` : `ad-hoc queries by ${runner}`;
    const allows = rule.allowedAnalyses.includes('ANY_QUERY')
      ? `any query by ${rule.allowedAnalysisProviders.join(', ')}`
      : rule.allowedAnalyses.length > 0 ? `the templates ${rule.allowedAnalyses.join(', ')}` : 'no analysis yet';
    return {
      code: 'analysis-not-allowed',
      rule: 'custom',
      table: t.sqlName,
      message: `custom rule: ${t.sqlName} does not allow ${what} (its rule allows ${allows})`,
      hint: templateId !== undefined
        ? `ask the owner of ${t.sqlName} (${t.owner}) to approve the template`
        : `run an analysis template that ${t.sqlName} approves, or ask its owner (${t.owner}) to add you to allowedAnalysisProviders`,
    };
  }
  return undefined;
}
