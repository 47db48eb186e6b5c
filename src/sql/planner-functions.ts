import type { FunctionCall } from './ast.ts';

/**
 * Functions only the planner writes (their names start with `__cr_`, which the
 * converter never produces: user SQL can only call the allowlist in functions.ts).
 */
export const PLANNER_FUNCTION_PREFIX = '__cr_';

/**
 * `__cr_keyed_hash(secret, a, b, ...)`: the MD5 of the secret and the values joined by
 * `|` (NULL as empty text). With a per-query random secret it orders each user's groups
 * unpredictably (DP contribution bounding picks the first few), unlike SQL random().
 */
export const KEYED_HASH = '__cr_keyed_hash';

/** `__cr_unnest(a, b, ...)`: one row per value (`unnest([a, b, ...])`), for lists written in a query. */
export const UNNEST_VALUES = '__cr_unnest';

export function printPlannerFunction(call: FunctionCall, expr: (e: FunctionCall['args'][number]) => string): string | undefined {
  if (call.name === UNNEST_VALUES) return `unnest([${call.args.map(expr).join(', ')}])`;
  if (call.name !== KEYED_HASH) return undefined;
  const parts = call.args.map((a) => `COALESCE(CAST(${expr(a)} AS VARCHAR), '')`);
  return `md5(concat_ws('|', ${parts.join(', ')}))`;
}
