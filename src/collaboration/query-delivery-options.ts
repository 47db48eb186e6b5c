/**
 * Delivery options for list results (normalise, hash): which output columns they apply
 * to, checked against the accepted query.
 */
import { join } from 'node:path';
import type { ColumnDelivery } from '../engine/engine.ts';
import { columnTypes } from '../rules/plan/numeric-safety.ts';
import type { PlannedQuery } from '../rules/plan/plan-query.ts';
import { selectOf } from '../rules/plan/planned-query.ts';
import type { AnyValidatedQuery } from '../rules/validated-query.ts';
import { ok, refuse, type Result } from '../sql/diagnostic.ts';
import { inferType } from '../sql/types.ts';
import { requirePlan, type Verdict } from './query-verdict.ts';
import type { DeliveryOptions } from './run-query.ts';

/**
 * The delivery options as one entry per column, in the order first named; column
 * names lower-cased (SQL names are case-insensitive).
 */
export function requestedDelivery(options: DeliveryOptions | undefined): ColumnDelivery[] {
  const entries = new Map<string, { normalize: boolean; hash?: 'sha256' }>();
  const entry = (name: string): { normalize: boolean; hash?: 'sha256' } => {
    const key = name.toLowerCase();
    const found = entries.get(key) ?? { normalize: false };
    entries.set(key, found);
    return found;
  };
  for (const name of options?.normalize ?? []) entry(name).normalize = true;
  for (const [name, algorithm] of Object.entries(options?.hash ?? {})) entry(name).hash = algorithm;
  return [...entries].map(([column, e]) => ({ column, normalize: e.normalize, ...(e.hash ? { hash: e.hash } : {}) }));
}

/**
 * Checks the delivery options against an accepted query: only a list-rule result
 * (hashing an aggregate is meaningless), only its output columns, only text ones.
 * A refusal depends on the query text alone, never on data.
 */
export function withDelivery(verdict: Verdict, asked: readonly ColumnDelivery[]): Verdict {
  if (asked.length === 0 || verdict.error !== undefined) return verdict;
  const resolved = resolveDelivery(requirePlan(verdict), verdict.validated, asked);
  return resolved.ok ? { ...verdict, delivery: resolved.value } : { ...verdict, error: resolved.error };
}

export function resolveDelivery(
  planned: PlannedQuery,
  validated: AnyValidatedQuery | undefined,
  asked: readonly ColumnDelivery[],
): Result<ColumnDelivery[]> {
  const options = optionNames(asked);
  if (validated?.kind !== 'list') {
    return refuse({
      code: 'delivery-option-not-allowed',
      message: `${options} apply to list-rule results only (identifiers delivered for activation); this is ${validated?.kind === 'custom' ? 'a custom' : 'an aggregation'}-rule query`,
      hint: 'drop the delivery options: normalising or hashing an aggregate or analysis output is meaningless',
    });
  }
  const items = selectOf(validated.query).items;
  const typeOf = columnTypes(validated.aliases);
  const resolved: ColumnDelivery[] = [];
  for (const d of asked) {
    const index = planned.outputColumns.findIndex((c) => c.toLowerCase() === d.column);
    const item = items[index];
    const column = planned.outputColumns[index];
    if (item === undefined || column === undefined) {
      return refuse({
        code: 'unknown-column',
        message: `the result has no column '${d.column}' to ${d.hash ? 'hash' : 'normalise'}; its columns are ${planned.outputColumns.join(', ')}`,
        fragment: d.column,
        hint: 'name an output column of the list (its alias, if it has one)',
      });
    }
    const category = inferType(item.expr, typeOf);
    if (category !== 'text') {
      return refuse({
        code: 'delivery-option-not-allowed',
        message: `column '${column}' is not text (${category}); ${optionNames([d])} apply to text identifiers only`,
        fragment: column,
        hint: 'normalise and hash identifier columns such as email addresses',
      });
    }
    resolved.push({ ...d, column });
  }
  return ok(resolved);
}

function optionNames(asked: readonly ColumnDelivery[]): string {
  const normalize = asked.some((d) => d.normalize);
  const hash = asked.some((d) => d.hash !== undefined);
  return normalize && hash ? '--normalize and --hash' : hash ? '--hash' : '--normalize';
}
