import type { Expr, Relation } from '../sql/ast.ts';
import { Refusal } from '../sql/diagnostic.ts';
import type { Diagnostic } from '../sql/diagnostic.ts';
import { fragmentOf } from './expr-text.ts';

export type RuleLabel = 'aggregation' | 'list' | 'sql';

export interface RefusalDetails {
  /** Association name of the table whose rule refuses. */
  readonly table?: string;
  readonly hint?: string;
}

/**
 * Builds query diagnostics with the fragment and position taken from the query text,
 * so that every validator refuses the same way. `fail` throws; validators run inside
 * catchRefusal.
 */
export class Refuser {
  constructor(
    readonly sqlText: string,
    readonly rule: RuleLabel,
  ) {}

  withRule(rule: RuleLabel): Refuser {
    return new Refuser(this.sqlText, rule);
  }

  diagnostic(code: string, message: string, at: Expr | Relation | undefined, details: RefusalDetails = {}): Diagnostic {
    const prefix = this.rule === 'sql' ? '' : `${this.rule} rule: `;
    return {
      code,
      message: `${prefix}${message}`,
      rule: this.rule,
      ...(details.table !== undefined ? { table: details.table } : {}),
      ...(at !== undefined ? { fragment: fragmentOf(at, this.sqlText) } : {}),
      ...(at?.pos !== undefined ? { position: at.pos } : {}),
      ...(details.hint !== undefined ? { hint: details.hint } : {}),
    };
  }

  fail(code: string, message: string, at: Expr | Relation | undefined, details: RefusalDetails = {}): never {
    throw new Refusal(this.diagnostic(code, message, at, details));
  }
}
