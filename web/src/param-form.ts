/**
 * Checks what is typed in an analysis' run form before it is sent: parameter values
 * against the library's declaration (type, allowed values, range), the table chosen for
 * each role, and the receiver and delivery options. The server checks again (strictly);
 * this only says early and next to the field what is wrong.
 */
import type { AnalysisParameter, CollaborationMembership, SubmitOptions, TableMapping } from '../../src/client/index.ts';

/** One parameter as GET /v1/insights declares it. */
export type { AnalysisParameter };

export type ParamCheck = { readonly ok: true; readonly value: string | number | boolean } | { readonly ok: false; readonly message: string };

const INTEGER = /^[+-]?\d+$/;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/;

function compare(a: string, b: string, numeric: boolean): number {
  return numeric ? Number(a) - Number(b) : a < b ? -1 : a > b ? 1 : 0;
}

export function checkParam(param: AnalysisParameter, raw: string): ParamCheck {
  const text = raw.trim();
  if (text === '') return { ok: false, message: 'a value is needed' };
  let value: string | number | boolean;
  let numeric = false;
  switch (param.type) {
    case 'INTEGER':
    case 'BIGINT':
      if (!INTEGER.test(text)) return { ok: false, message: 'a whole number, e.g. 14' };
      value = text;
      numeric = true;
      break;
    case 'DOUBLE':
    case 'DECIMAL':
      if (!NUMBER.test(text)) return { ok: false, message: 'a number, e.g. 0.5' };
      value = text;
      numeric = true;
      break;
    case 'DATE':
      if (!DATE.test(text) || Number.isNaN(Date.parse(text))) return { ok: false, message: 'a date as YYYY-MM-DD' };
      value = text;
      break;
    case 'TIMESTAMP':
      if (!TIMESTAMP.test(text) || Number.isNaN(Date.parse(text.replace(' ', 'T')))) return { ok: false, message: 'a time as YYYY-MM-DD HH:MM[:SS]' };
      value = text;
      break;
    case 'BOOLEAN':
      if (text !== 'true' && text !== 'false') return { ok: false, message: 'true or false' };
      value = text === 'true';
      break;
    case 'VARCHAR':
      value = raw;
      break;
    default: {
      const unknownType: never = param.type;
      return { ok: false, message: `a parameter of type ${String(unknownType)} this page does not know` };
    }
  }
  if (param.allowed && !param.allowed.some((a) => (numeric ? Number(a) === Number(text) : a === text))) {
    return { ok: false, message: `one of ${param.allowed.join(', ')}` };
  }
  const { lo, hi } = param.range ?? {};
  if (lo !== undefined && compare(text, lo, numeric) < 0) return { ok: false, message: `at least ${lo}` };
  if (hi !== undefined && compare(text, hi, numeric) > 0) return { ok: false, message: `at most ${hi}` };
  return { ok: true, value };
}

/** Every field checked: the values to send (defaults left out when unchanged) or the problems by name. */
export function checkParams(
  params: readonly AnalysisParameter[],
  raw: Readonly<Record<string, string>>,
): { readonly values: Record<string, string | number | boolean>; readonly problems: Record<string, string> } {
  const values: Record<string, string | number | boolean> = {};
  const problems: Record<string, string> = {};
  for (const p of params) {
    const given = raw[p.name] ?? p.default ?? '';
    const checked = checkParam(p, given);
    if (!checked.ok) problems[p.name] = checked.message;
    else if (given !== p.default) values[p.name] = checked.value;
  }
  return { values, problems };
}

type TableRole = keyof TableMapping;

/** The roles the server maps (a Record, so that a role added there does not compile until it is here). */
const ROLES: Readonly<Record<TableRole, true>> = { customers: true, conversions: true, impressions: true, campaign_audience: true, impressions_b: true };

function isRole(role: string): role is TableRole {
  return Object.hasOwn(ROLES, role);
}

/** The table each role starts with: the associated table named like the role, as the server defaults; else none chosen. */
export function defaultTables(roles: readonly string[], associated: readonly string[]): Record<string, string> {
  return Object.fromEntries(roles.map((role) => [role, associated.includes(role) ? role : '']));
}

/**
 * The table chosen for each role the analysis reads: the mapping to send (only the roles
 * whose table is not named like the role, as `--tables` on the CLI) or the problems by role.
 */
export function checkTables(
  roles: readonly string[],
  chosen: Readonly<Record<string, string>>,
  associated: readonly string[],
): { readonly tables: TableMapping; readonly problems: Record<string, string> } {
  const tables: Partial<Record<TableRole, string>> = {};
  const problems: Record<string, string> = {};
  for (const role of roles) {
    const name = chosen[role] ?? '';
    if (!isRole(role)) problems[role] = `a table role this page does not know ('${role}')`;
    else if (name === '') problems[role] = `no associated table is named '${role}': choose the table that plays this role`;
    else if (!associated.includes(name)) problems[role] = `'${name}' is not associated with this collaboration`;
    else if (name !== role) tables[role] = name;
  }
  return { tables, problems };
}

/** What the run form holds besides parameters and tables. */
export interface DeliveryInput {
  readonly receiver: string;
  /** Output columns, comma-separated. */
  readonly normalize: string;
  readonly hash: string;
}

export type DeliveryField = keyof DeliveryInput;

const COLUMN = /^[A-Za-z_][A-Za-z0-9_$]*$/;
/** The API takes at most this many columns per option, each at most 128 characters. */
const MAX_COLUMNS = 64;

/** `email_address, phone` -> the names, or what is wrong with the list. */
export function checkColumnList(text: string): { readonly ok: true; readonly columns: string[] } | { readonly ok: false; readonly message: string } {
  const columns = text
    .split(',')
    .map((c) => c.trim())
    .filter((c) => c !== '');
  const bad = columns.find((c) => !COLUMN.test(c) || c.length > 128);
  if (bad !== undefined) return { ok: false, message: `'${bad}' is not a column name: output column names separated by commas, e.g. email_address` };
  const seen = new Set<string>();
  for (const c of columns) {
    if (seen.has(c.toLowerCase())) return { ok: false, message: `'${c}' is named twice` };
    seen.add(c.toLowerCase());
  }
  if (columns.length > MAX_COLUMNS) return { ok: false, message: `at most ${MAX_COLUMNS} columns` };
  return { ok: true, columns };
}

/** Members who may receive a result now: the receive ability, accepted, not left (as the server decides). */
export function receiversOf(members: readonly CollaborationMembership[]): string[] {
  return members.filter((m) => m.receive && m.accepted && !m.left).map((m) => m.member);
}

/**
 * The receiver and, for a list-rule analysis (the only results they apply to), the
 * columns to normalise and hash on delivery: the submission's options, or the problems.
 */
export function checkDelivery(
  input: DeliveryInput,
  context: { readonly runner: string; readonly receivers: readonly string[]; readonly listRule: boolean },
): { readonly options: SubmitOptions; readonly problems: Partial<Record<DeliveryField, string>> } {
  const problems: Partial<Record<DeliveryField, string>> = {};
  let options: SubmitOptions = {};
  if (!context.receivers.includes(input.receiver)) {
    problems.receiver = `'${input.receiver}' may not receive results here (no receive ability, or not an active member)`;
  } else if (input.receiver !== context.runner) {
    options = { ...options, receiver: input.receiver };
  }
  if (context.listRule) {
    for (const field of ['normalize', 'hash'] as const) {
      const checked = checkColumnList(input[field]);
      if (!checked.ok) problems[field] = checked.message;
      else if (checked.columns.length > 0) options = { ...options, [field]: checked.columns };
    }
  }
  return { options, problems };
}
