import { createHash } from 'node:crypto';
import type { ParameterDeclaration } from '../sql/template-params.ts';

/**
 * A template's id: a hash of everything that decides what it does, so that an approval
 * (which names the id) can never carry over to changed SQL, parameters, associations
 * or another collaboration (shared/RULES.md: approval names the template id).
 */
export function templateId(input: {
  readonly collaborationId: number;
  readonly name: string;
  readonly sql: string;
  readonly parameters: readonly ParameterDeclaration[];
  /** Association name and configured-table id of every table the SQL reads. */
  readonly tables: readonly { readonly sqlName: string; readonly tableId: number }[];
}): string {
  const canonical = JSON.stringify({
    collaboration: input.collaborationId,
    name: input.name,
    sql: input.sql,
    parameters: input.parameters,
    tables: [...input.tables].sort((a, b) => a.sqlName.localeCompare(b.sqlName)),
  });
  return `tpl-${createHash('sha256').update(canonical).digest('hex').slice(0, 32)}`;
}
