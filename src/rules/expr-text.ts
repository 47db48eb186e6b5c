import { assertNever } from '../sql/ast.ts';
import type { Expr, LiteralValue, Relation } from '../sql/ast.ts';

/**
 * A short SQL-like rendering of a node, for diagnostics only (never executed). Used
 * when the node has no position or the text at its position is not its own spelling.
 */
export function exprText(e: Expr): string {
  switch (e.kind) {
    case 'column':
      return e.table !== undefined ? `${e.table}.${e.name}` : e.name;
    case 'literal':
      return literalText(e.value);
    case 'parameter':
      return `$${e.name}`;
    case 'star':
      return e.table !== undefined ? `${e.table}.*` : '*';
    case 'function':
      return `${e.name.toUpperCase()}(${e.star === true ? '*' : `${e.distinct ? 'DISTINCT ' : ''}${e.args.map(exprText).join(', ')}`})`;
    case 'binary':
      return `${exprText(e.left)} ${e.op} ${exprText(e.right)}`;
    case 'unary':
      return e.op === 'NOT' ? `NOT ${exprText(e.operand)}` : `${e.op}${exprText(e.operand)}`;
    case 'is-null':
      return `${exprText(e.operand)} IS ${e.negated ? 'NOT ' : ''}NULL`;
    case 'in-list':
      return `${exprText(e.operand)} ${e.negated ? 'NOT ' : ''}IN (${e.list.map(exprText).join(', ')})`;
    case 'between':
      return `${exprText(e.operand)} ${e.negated ? 'NOT ' : ''}BETWEEN ${exprText(e.low)} AND ${exprText(e.high)}`;
    case 'case':
      return 'CASE ...';
    case 'cast':
      return `CAST(${exprText(e.operand)} AS ${e.type.name})`;
    case 'window':
      return `${exprText(e.fn)} OVER (...)`;
    case 'subquery':
      return '(SELECT ...)';
    case 'exists':
      return `${e.negated ? 'NOT ' : ''}EXISTS (SELECT ...)`;
    case 'in-subquery':
      return `${exprText(e.operand)} ${e.negated ? 'NOT ' : ''}IN (SELECT ...)`;
    default:
      return assertNever(e);
  }
}

function literalText(v: LiteralValue): string {
  switch (v.type) {
    case 'null':
      return 'NULL';
    case 'boolean':
      return v.value ? 'TRUE' : 'FALSE';
    case 'integer':
    case 'decimal':
      return v.value;
    case 'double':
      return String(v.value);
    case 'string':
      return `'${v.value.replaceAll("'", "''")}'`;
    case 'date':
      return `DATE '${v.value}'`;
    case 'timestamp':
      return `TIMESTAMP '${v.value}'`;
    case 'interval':
      return `INTERVAL '${v.value}' ${v.unit.toUpperCase()}`;
    default:
      return assertNever(v);
  }
}

export function relationText(r: Relation): string {
  switch (r.kind) {
    case 'table':
      return r.alias !== undefined && r.alias !== r.name ? `${r.name} AS ${r.alias}` : r.name;
    case 'join':
      return `${relationText(r.left)} ${r.type.toUpperCase()} JOIN ${relationText(r.right)}`;
    case 'subquery-relation':
      return `(SELECT ...) AS ${r.alias}`;
    default:
      return assertNever(r);
  }
}

const MAX_FRAGMENT = 120;

/**
 * The node's own text from the query when its position points at a name we can
 * recognise (a column, function or table), else the rendering above. Positions of
 * operators differ between parser versions, so those are always rendered.
 */
export function fragmentOf(node: Expr | Relation, sqlText: string): string {
  const rendered = node.kind === 'table' || node.kind === 'join' || node.kind === 'subquery-relation'
    ? relationText(node)
    : exprText(node);
  const pos = node.pos;
  const name = node.kind === 'column' || node.kind === 'function' || node.kind === 'table' ? node.name : undefined;
  if (pos === undefined || name === undefined || pos < 0 || pos >= sqlText.length) return clip(rendered);
  const raw = scanTerm(sqlText, pos);
  if (!raw.toLowerCase().replaceAll('"', '').includes(name.toLowerCase())) return clip(rendered);
  return clip(raw);
}

function clip(s: string): string {
  return s.length <= MAX_FRAGMENT ? s : `${s.slice(0, MAX_FRAGMENT - 3)}...`;
}

/** A qualified name, plus its balanced parenthesised argument list when one follows. */
function scanTerm(text: string, start: number): string {
  let i = start;
  while (i < text.length) {
    const ch = text[i] ?? '';
    if (ch === '"') {
      const close = text.indexOf('"', i + 1);
      i = close < 0 ? text.length : close + 1;
    } else if (/[A-Za-z0-9_.$\u0080-\uffff]/.test(ch)) {
      i++;
    } else break;
  }
  let j = i;
  while (j < text.length && /\s/.test(text[j] ?? '')) j++;
  if (text[j] !== '(') return text.slice(start, i);
  let depth = 0;
  let quote: string | undefined;
  for (let k = j; k < text.length; k++) {
    const ch = text[k];
    if (quote !== undefined) {
      if (ch === quote) quote = undefined;
    } else if (ch === "'" || ch === '"') quote = ch;
    else if (ch === '(') depth++;
    else if (ch === ')') {
      depth--;
      if (depth === 0) return text.slice(start, k + 1);
    }
  }
  return text.slice(start, i);
}
