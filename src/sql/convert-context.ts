import type { Query } from './ast.ts';
import { Refusal } from './diagnostic.ts';
import type { JsonObject } from './json-node.ts';

/** What the expression and relation converters need from the query converter. */
export interface ConvertContext {
  readonly sqlText: string;
  /** Converts a nested statement tree ({node, named_param_map}) or a bare query node. */
  readonly query: (node: JsonObject) => Query;
}

export function refusal(code: string, message: string, pos: number | undefined, hint?: string): Refusal {
  return new Refusal({
    code,
    rule: 'sql',
    message,
    ...(pos === undefined ? {} : { position: pos }),
    ...(hint === undefined ? {} : { hint }),
  });
}
