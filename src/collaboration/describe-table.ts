import { ruleToDocument } from '../rules/rule-document.ts';
import type { RuleKind } from '../rules/rule-types.ts';
import type { ConfiguredTableInfo } from './tables.ts';

/** A configured table as its owner sees it, in the API and in both CLI backends. */
export interface TableDescription {
  readonly member: string;
  readonly table: string;
  readonly dataset: string;
  readonly version: number;
  readonly kind: RuleKind;
  readonly columns: readonly { readonly name: string; readonly type: string }[];
  /** The rule document (JSON as AWS Clean Rooms writes it). */
  readonly rule: unknown;
}

/** The same fields `GET /v1/members/{m}/tables/{t}` answers and `table show --format json` prints. */
export function describeTable(table: ConfiguredTableInfo): TableDescription {
  return {
    member: table.member,
    table: table.name,
    dataset: table.dataset,
    version: table.version,
    kind: table.rule.kind,
    columns: table.columns.map((c) => ({ name: c.name, type: c.type })),
    rule: ruleToDocument(table.rule),
  };
}
