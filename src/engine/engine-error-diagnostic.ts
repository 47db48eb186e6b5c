/**
 * Engine errors as diagnostics a member may see. DuckDB's messages quote data values
 * (`Could not convert string 'alice@example.com' to INT32`), so nothing of the message
 * text is ever copied: it is only matched, against the fixed words DuckDB puts before
 * any value, to pick a kind, and its `LINE n:` context is only used to find a position
 * in the SQL we ran. The diagnostic is built from our own pieces: a fixed message and
 * hint per kind, and the fragment of the clean room's emitted SQL at that position
 * (printed from the planned AST, which the runner can see with `--dry-run`).
 */
import type { Diagnostic } from '../sql/diagnostic.ts';

/** The SQL an engine error came from. */
export interface EngineErrorSource {
  /** The statement the engine ran, exactly as sent (it may wrap the emitted SQL). */
  readonly statement: string;
  /**
   * The clean room's emitted SQL, as it appears inside `statement`. Fragments are taken
   * from here only, never from the wrapper (which names the operator's file paths).
   */
  readonly emitted?: string;
}

export type EngineErrorCode =
  | 'conversion-failed'
  | 'date-out-of-range'
  | 'numeric-overflow'
  | 'division-by-zero'
  | 'math-domain-error'
  | 'value-too-large'
  | 'subquery-returned-several-rows'
  | 'invalid-input'
  | 'out-of-memory'
  | 'engine-error';

const WORDS: Readonly<Record<EngineErrorCode, { readonly message: string; readonly hint: string }>> = {
  'conversion-failed': {
    message: 'a value could not be converted to the type this expression needs',
    hint:
      'CAST runs as TRY_CAST (NULL instead of an error); this was a conversion the engine made on its own, ' +
      'e.g. between a DATE and a TIMESTAMP: cast one side explicitly so that both have one type',
  },
  'date-out-of-range': {
    message: 'a date or time fell outside the range the engine can represent here',
    hint: 'cast dates explicitly (CAST(d AS TIMESTAMP) runs as TRY_CAST and gives NULL) and compare values of one type',
  },
  'numeric-overflow': {
    message: 'a number went out of the range of its type',
    hint: 'cast to DOUBLE (or a wider type) before the arithmetic, comparison or aggregate',
  },
  'division-by-zero': {
    message: 'a division by zero',
    hint: 'divide by NULLIF(divisor, 0)',
  },
  'math-domain-error': {
    message: 'a function got an argument outside its domain (e.g. the logarithm or square root of a negative number)',
    hint: 'guard the argument with CASE WHEN ... THEN ... END',
  },
  'value-too-large': {
    message: 'a value grew beyond the size the engine can hold',
    hint: 'aggregate fewer or shorter values',
  },
  'subquery-returned-several-rows': {
    message: 'a scalar subquery returned more than one row',
    hint: 'make the subquery return one row, e.g. with an aggregate (MAX, COUNT) or a filter on a key',
  },
  'invalid-input': {
    message: 'a function got input it cannot process',
    hint: 'see docs/functions.md for what each function accepts',
  },
  'out-of-memory': {
    message: 'the query ran out of memory',
    hint: 'hold less at once (fewer groups, fewer joined rows, shorter aggregated lists); the operator sets the memory limit',
  },
  'engine-error': {
    message: 'the query failed inside the engine; the operator can see the details in the audit log',
    hint: 'if the query looks right, ask the operator',
  },
};

/** Longest fragment shown; longer expressions are cut (they are our SQL, not data). */
const MAX_FRAGMENT = 160;

/**
 * The diagnostic for a raw DuckDB error message. Never contains any part of `raw`.
 *
 * @example
 *   engineErrorDiagnostic(
 *     "Conversion Error: Could not convert string 'a@x.com' to DATE ...\n\nLINE 1: SELECT ...\n               ^",
 *     { statement, emitted },
 *   )
 *   // { code: 'conversion-failed', message: 'the query failed in the engine: a value could not ...',
 *   //   fragment: 'COALESCE("i"."d", "i"."ts")', hint: '...' }
 */
export function engineErrorDiagnostic(raw: string, source: EngineErrorSource): Diagnostic {
  const code = classify(raw);
  const words = WORDS[code];
  const fragment = code === 'engine-error' || code === 'out-of-memory' ? undefined : fragmentAt(raw, source);
  return {
    code,
    message: code === 'engine-error' ? words.message : `the query failed in the engine: ${words.message} (values are never shown)`,
    ...(fragment === undefined ? {} : { fragment }),
    hint: words.hint,
  };
}

/**
 * The kind of failure, from DuckDB's error class (`<Class> Error: `, which opens every
 * message) and the fixed words that open its text. Matching only at the start keeps a
 * quoted value from steering the kind (and even then it could only pick another code).
 */
export function classify(raw: string): EngineErrorCode {
  const head = /^([A-Za-z][A-Za-z ]{0,40}?) Error: /.exec(raw);
  if (!head) return 'engine-error';
  const kind = head[1]!.toLowerCase();
  const body = raw.slice(head[0].length);
  const opens = (...words: string[]): boolean => words.some((w) => body.toLowerCase().startsWith(w.toLowerCase()));
  switch (kind) {
    case 'conversion':
      if (opens('Date and time not in timestamp range', 'Date out of range', 'Timestamp out of range')) return 'date-out-of-range';
      return 'conversion-failed';
    case 'out of range':
      if (opens('Overflow')) return 'numeric-overflow';
      if (opens('cannot take logarithm', 'cannot take square root')) return 'math-domain-error';
      if (opens('Cannot create a string of size')) return 'value-too-large';
      if (opens('Division by zero')) return 'division-by-zero';
      return 'numeric-overflow';
    case 'divide by zero':
      return 'division-by-zero';
    case 'invalid input':
      if (opens('More than one row returned by a subquery')) return 'subquery-returned-several-rows';
      if (opens('Type ')) return 'numeric-overflow';
      return 'invalid-input';
    case 'out of memory':
      return 'out-of-memory';
    default:
      return 'engine-error';
  }
}

/**
 * The emitted-SQL expression DuckDB's `LINE n: <context>\n<spaces>^` tail points at, or
 * undefined when the context cannot be placed in the statement with certainty.
 */
export function fragmentAt(raw: string, source: EngineErrorSource): string | undefined {
  const emitted = source.emitted;
  if (emitted === undefined || emitted === '') return undefined;
  const position = statementPosition(raw, source.statement);
  if (position === undefined) return undefined;
  const start = source.statement.indexOf(emitted);
  if (start < 0 || position < start || position >= start + emitted.length) return undefined;
  return expressionAt(emitted, position - start);
}

/** Absolute offset in `statement` of DuckDB's caret, found by matching its context line. */
function statementPosition(raw: string, statement: string): number | undefined {
  const tail = /\n\nLINE (\d+): ([^\n]*)\n( *)\^\s*$/.exec(raw);
  if (!tail) return undefined;
  const lineNumber = Number(tail[1]);
  const context = tail[2]!;
  const column = tail[3]!.length - `LINE ${lineNumber}: `.length;
  if (column < 0) return undefined;
  const lineStart = startOfLine(statement, lineNumber);
  if (lineStart === undefined) return undefined;
  const lineEnd = endOfLine(statement, lineStart);
  const line = statement.slice(lineStart, lineEnd);
  // DuckDB marks a cut context with "..." at either end; try the readings that fit.
  for (const lead of context.startsWith('...') ? [3, 0] : [0]) {
    for (const trail of context.endsWith('...') ? [3, 0] : [0]) {
      const core = context.slice(lead, context.length - trail);
      const offset = column - lead;
      if (core.length === 0 || offset < 0 || offset > core.length) continue;
      const at = line.indexOf(core);
      if (at < 0 || line.indexOf(core, at + 1) >= 0) continue;
      // The caret counts render columns; only where each character is one column do they agree.
      if (!oneColumnEach(core.slice(0, offset))) return undefined;
      return lineStart + at + offset;
    }
  }
  return undefined;
}

/** DuckDB counts every CR and every LF as a new line. */
function startOfLine(text: string, lineNumber: number): number | undefined {
  if (!Number.isInteger(lineNumber) || lineNumber < 1) return undefined;
  let line = 1;
  for (let i = 0; i < text.length && line < lineNumber; i++) {
    if (text[i] === '\n' || text[i] === '\r') {
      line++;
      if (line === lineNumber) return i + 1;
    }
  }
  return line === lineNumber ? 0 : undefined;
}

function endOfLine(text: string, from: number): number {
  for (let i = from; i < text.length; i++) if (text[i] === '\n' || text[i] === '\r') return i;
  return text.length;
}

function oneColumnEach(text: string): boolean {
  for (const ch of text) if ((ch.codePointAt(0) ?? 0) >= 0x300) return false;
  return true;
}

/** Paren pairs of `sql`, skipping quoted identifiers and string literals. */
function parenPairs(sql: string): Map<number, number> {
  const pairs = new Map<number, number>();
  const open: number[] = [];
  for (let i = 0; i < sql.length; i++) {
    const ch = sql[i];
    if (ch === "'" || ch === '"') {
      i = closingQuote(sql, i);
    } else if (ch === '(') {
      open.push(i);
    } else if (ch === ')') {
      const o = open.pop();
      if (o !== undefined) pairs.set(o, i);
    }
  }
  return pairs;
}

/** Index of the quote closing the one at `from` (a doubled quote is an escaped one). */
function closingQuote(sql: string, from: number): number {
  const q = sql[from];
  for (let i = from + 1; i < sql.length; i++) {
    if (sql[i] !== q) continue;
    if (sql[i + 1] === q) {
      i++;
      continue;
    }
    return i;
  }
  return sql.length - 1;
}

/** Words after which a parenthesis opens a grouped expression (not a call). */
const KEYWORDS = new Set([
  'AND', 'OR', 'NOT', 'AS', 'ON', 'FROM', 'JOIN', 'WHERE', 'SELECT', 'HAVING', 'BY', 'THEN', 'ELSE', 'WHEN', 'CASE',
  'END', 'IS', 'LIKE', 'ILIKE', 'BETWEEN', 'UNION', 'EXCEPT', 'INTERSECT', 'LIMIT', 'OFFSET', 'WITH', 'DISTINCT',
  'ANY', 'ALL', 'EXISTS', 'IN', 'OVER', 'VALUES', 'FILTER', 'USING',
]);
/** Words after which a parenthesis opens a list or clause, not an expression: look further out. */
const LIST_OPENERS = new Set(['IN', 'OVER', 'VALUES', 'FILTER', 'USING', 'ANY', 'ALL', 'EXISTS']);

const WORD = /[A-Za-z0-9_$]/;

/**
 * The expression of `sql` at `pos`: a call or parenthesised group that starts there, or
 * else the innermost function call or parenthesised expression around it (a bare column
 * alone says little: the engine points at the operand it failed to convert).
 */
function expressionAt(sql: string, pos: number): string | undefined {
  const pairs = parenPairs(sql);
  const own = primaryAt(sql, pos, pairs);
  if (own !== undefined && own.call) return clip(sql.slice(pos, own.end + 1));
  // Enclosing groups, from the inside out.
  const around = [...pairs.entries()].filter(([o, c]) => o < pos && c >= pos).sort((a, b) => b[0] - a[0]);
  for (const [o, c] of around) {
    if (/^\s*(SELECT|WITH)\b/i.test(sql.slice(o + 1, c))) break;
    const before = wordBefore(sql, o);
    const keyword = before !== undefined && KEYWORDS.has(before.word.toUpperCase());
    if (keyword && LIST_OPENERS.has(before.word.toUpperCase())) continue;
    const from = before !== undefined && !keyword ? before.start : o;
    if (c + 1 - from > MAX_FRAGMENT * 2) break;
    return clip(sql.slice(from, c + 1));
  }
  return own === undefined ? undefined : clip(sql.slice(pos, own.end + 1));
}

/** The primary expression starting at `pos` (`call`: a function call or a group). */
function primaryAt(sql: string, pos: number, pairs: Map<number, number>): { end: number; call: boolean } | undefined {
  if (sql[pos] === '(') {
    const c = pairs.get(pos);
    return c === undefined ? undefined : { end: c, call: true };
  }
  if (sql[pos] === "'") return { end: closingQuote(sql, pos), call: false };
  // A name, qualified or not: i.d, "i"."d", sum.
  let end = nameEnd(sql, pos);
  if (end === undefined) return undefined;
  while (sql[end + 1] === '.') {
    const next = nameEnd(sql, end + 2);
    if (next === undefined) break;
    end = next;
  }
  const word = sql.slice(pos, end + 1);
  let open = end + 1;
  while (sql[open] === ' ') open++;
  if (sql[open] !== '(' || KEYWORDS.has(word.toUpperCase())) return { end, call: false };
  const close = pairs.get(open);
  if (close === undefined) return { end, call: false };
  // A window call keeps its OVER (...).
  const over = /^\s*OVER\s*\(/i.exec(sql.slice(close + 1));
  const windowClose = over ? pairs.get(close + over[0].length) : undefined;
  return { end: windowClose ?? close, call: true };
}

/** Last index of the identifier (quoted or bare) starting at `at`. */
function nameEnd(sql: string, at: number): number | undefined {
  if (sql[at] === '"') return closingQuote(sql, at);
  if (!WORD.test(sql[at] ?? '')) return undefined;
  let end = at;
  while (end + 1 < sql.length && WORD.test(sql[end + 1]!)) end++;
  return end;
}

function wordBefore(sql: string, at: number): { word: string; start: number } | undefined {
  let end = at - 1;
  while (end >= 0 && sql[end] === ' ') end--;
  let start = end;
  while (start >= 0 && WORD.test(sql[start]!)) start--;
  if (start === end) return undefined;
  return { word: sql.slice(start + 1, end + 1), start: start + 1 };
}

function clip(text: string): string {
  return text.length <= MAX_FRAGMENT ? text : `${text.slice(0, MAX_FRAGMENT - 1)}…`;
}
