import type { Diagnostic } from '../sql/diagnostic.ts';

/** One readable paragraph: what, where (rule, table, fragment, position), what to do. */
export function formatDiagnostic(d: Diagnostic): string {
  const where: string[] = [];
  // Validators already open their messages with the rule's name; do not say it twice.
  if (d.rule && !d.message.startsWith(`${d.rule} rule`)) where.push(`${d.rule} rule`);
  if (d.table) where.push(`table ${d.table}`);
  if (d.position !== undefined) where.push(`at character ${d.position + 1}`);
  const lines = [`[${d.code}] ${d.message}${where.length > 0 ? ` (${where.join(', ')})` : ''}`];
  if (d.fragment) lines.push(`  near: ${d.fragment}`);
  if (d.hint) lines.push(`  hint: ${d.hint}`);
  return lines.join('\n');
}
