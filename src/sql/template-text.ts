/**
 * Template text: `:name` parameters -> DuckDB's `$name`, outside literals and comments.
 *
 * A small lexer that agrees with DuckDB's (Postgres-derived) one on everything that can
 * hide a `:`: '...' strings with '' escapes, E'...' strings with backslash escapes,
 * "..." identifiers, $$...$$ and $tag$...$tag$ strings, -- comments (to \n or \r) and
 * nested /* ... *\/ comments. Each translation replaces one character (`:` -> `$`) and
 * lower-cases the ASCII name, so every position in the result is the same position in
 * the template.
 *
 * A `:name` is a parameter only where an expression may start: at the beginning, after
 * `(` `,` an operator, `:=`, a lone `:` (slice bound, struct value, lambda body, prefix
 * alias) or a keyword that introduces an expression (SELECT, WHERE, AND, THEN, ...).
 * After an operand (`a:b`, `x[1:n]`, `'k':v`, `(x):y`), after `[` of a subscript
 * (`x[:n]`), after `::` or `.`, DuckDB gives `:` its own meanings (prefix alias, slice,
 * struct key), so a `:name` there is refused as ambiguous rather than guessed; a space
 * after the colon (`x[1: n]`) or parentheses around the parameter (`x[1:(:n)]`) say
 * which is meant. Existing `$name`, `$1` and `?` parameters are refused: a template
 * spells its parameters one way.
 *
 * @example
 *   translateParameters("SELECT * FROM t WHERE d >= :Start AND note <> ':x' AND n::INT > :n")
 *   // ok: { sql: "SELECT * FROM t WHERE d >= $start AND note <> ':x' AND n::INT > $n",
 *   //       parameters: [{ name: 'start', positions: [27] }, { name: 'n', positions: [64] }] }
 */
import { type Diagnostic, type Result, ok, refuse } from './diagnostic.ts';

export interface TranslatedTemplate {
  /** The template with `$name` parameters, for DuckDB's parser. Same length as the input. */
  readonly sql: string;
  /** Parameters in order of first use; positions of each `:` (0-based, UTF-16 offsets). */
  readonly parameters: readonly { readonly name: string; readonly positions: readonly number[] }[];
}

/** Keywords after which an expression starts, so a following `:name` is a parameter. */
const EXPRESSION_KEYWORDS = new Set([
  'select', 'where', 'having', 'qualify', 'on', 'and', 'or', 'not', 'case', 'when', 'then', 'else',
  'between', 'in', 'like', 'ilike', 'glob', 'to', 'escape', 'is', 'from', 'for', 'by', 'distinct', 'all',
  'any', 'some', 'limit', 'offset', 'interval', 'rows', 'range', 'groups', 'zone', 'return',
]);

/** What the previous significant token allows a following `:name` to be. */
type Before =
  | 'expression-start' // a parameter
  | 'operand' // DuckDB's `:` (prefix alias, slice, struct key): ambiguous
  | 'subscript' // `x[` : a slice `x[:n]`: ambiguous
  | 'other'; // after `::`, `.`, `{`: not a place for a value

/** ASCII spaces, plus the Unicode spaces DuckDB turns into spaces before lexing (not \v). */
const WHITESPACE = new Set([
  ' ', '\t', '\n', '\r', '\f',
  '\u00a0', '\u2000', '\u2001', '\u2002', '\u2003', '\u2004', '\u2005', '\u2006', '\u2007', '\u2008', '\u2009', '\u200a', '\u200b',
  '\u202f', '\u205f', '\u2060', '\u3000', '\ufeff',
]);
const nonAsciiWord = (c: string): boolean => c.charCodeAt(0) >= 0x80 && !WHITESPACE.has(c);
const isWordStart = (c: string): boolean => /[A-Za-z_]/.test(c) || nonAsciiWord(c);
const isWordChar = (c: string): boolean => /[A-Za-z0-9_$]/.test(c) || nonAsciiWord(c);
const isTagChar = (c: string): boolean => /[A-Za-z0-9_]/.test(c) || nonAsciiWord(c);
const OPERATOR_CHARS = new Set(['+', '-', '*', '/', '%', '<', '>', '=', '!', '~', '^', '&', '|', '@', '#', '(', ',', ';']);

function diagnostic(code: string, message: string, position: number, hint?: string): Diagnostic {
  return { code, rule: 'custom', message, position, ...(hint === undefined ? {} : { hint }) };
}

class TemplateLexer {
  private i = 0;
  private before: Before = 'expression-start';
  private lastWord = '';
  private readonly out: string[];
  private readonly found = new Map<string, number[]>();

  constructor(private readonly text: string) {
    this.out = text.split('');
  }

  run(): Result<TranslatedTemplate> {
    const t = this.text;
    while (this.i < t.length) {
      const c = t[this.i] ?? '';
      const next = t[this.i + 1] ?? '';
      const problem =
        WHITESPACE.has(c) ? this.skip(1, undefined)
        : c === '-' && next === '-' ? this.lineComment()
        : c === '/' && next === '*' ? this.blockComment()
        : c === "'" ? this.quoted(this.i, "'", false)
        : c === '"' ? this.quoted(this.i, '"', false)
        : c === '$' ? this.dollar()
        : c === '?' ? diagnostic('template-parameter-syntax', 'A template writes its parameters as :name; `?` is not allowed.', this.i, 'Name the parameter, e.g. `:days`, and declare it.')
        : c === ':' ? this.colon()
        : /[0-9]/.test(c) || (c === '.' && /[0-9]/.test(next)) ? this.number()
        : isWordStart(c) ? this.word()
        : c === '[' ? this.skip(1, this.before === 'operand' && this.lastWord !== 'array' ? 'subscript' : 'expression-start')
        : c === ')' || c === ']' || c === '}' ? this.skip(1, 'operand')
        : OPERATOR_CHARS.has(c) ? this.skip(1, 'expression-start')
        : this.skip(1, 'other'); // `.`, `{`, and anything DuckDB itself will judge
      if (problem !== undefined) return refuse(problem);
    }
    return ok({
      sql: this.out.join(''),
      parameters: [...this.found].map(([name, positions]) => ({ name, positions })),
    });
  }

  private skip(n: number, before: Before | undefined): undefined {
    this.i += n;
    if (before !== undefined) {
      this.before = before;
      this.lastWord = '';
    }
    return undefined;
  }

  private lineComment(): undefined {
    while (this.i < this.text.length && this.text[this.i] !== '\n' && this.text[this.i] !== '\r') this.i += 1;
    return undefined;
  }

  /** DuckDB nests block comments: `/* a /* b *\/ still a comment *\/`. */
  private blockComment(): Diagnostic | undefined {
    const start = this.i;
    let depth = 0;
    const t = this.text;
    while (this.i < t.length) {
      if (t[this.i] === '/' && t[this.i + 1] === '*') { depth += 1; this.i += 2; continue; }
      if (t[this.i] === '*' && t[this.i + 1] === '/') {
        depth -= 1; this.i += 2;
        if (depth === 0) return undefined;
        continue;
      }
      this.i += 1;
    }
    return diagnostic('syntax-error', `The template has an unterminated comment starting at position ${start}.`, start, 'Close it with */.');
  }

  /** '...' (or E'...' with backslash escapes) and "...": a doubled quote stays inside. */
  private quoted(start: number, quote: string, backslashes: boolean): Diagnostic | undefined {
    const t = this.text;
    this.i = start + (t[start] === quote ? 1 : 2);
    while (this.i < t.length) {
      const c = t[this.i];
      if (backslashes && c === '\\') { this.i += 2; continue; }
      if (c === quote) {
        if (t[this.i + 1] === quote) { this.i += 2; continue; }
        this.i += 1;
        this.before = 'operand';
        this.lastWord = '';
        return undefined;
      }
      this.i += 1;
    }
    const what = quote === '"' ? 'quoted identifier' : 'string literal';
    return diagnostic('syntax-error', `The template has an unterminated ${what} starting at position ${start}.`, start, `Close it with ${quote}.`);
  }

  /** `$$...$$`, `$tag$...$tag$`, or a `$name`/`$1` parameter (refused). */
  private dollar(): Diagnostic | undefined {
    const t = this.text;
    const start = this.i;
    let j = start + 1;
    if (/[0-9]/.test(t[j] ?? '')) {
      return diagnostic('template-parameter-syntax', 'A template writes its parameters as :name; positional `$1` parameters are not allowed.', start, 'Name the parameter, e.g. `:days`, and declare it.');
    }
    if (t[j] !== '$' && !isWordStart(t[j] ?? '')) {
      return diagnostic('template-parameter-syntax', 'A lone `$` is not valid in a template.', start);
    }
    while (j < t.length && isTagChar(t[j] ?? '')) j += 1;
    if (t[j] !== '$') {
      return diagnostic('template-parameter-syntax', `A template writes its parameters as :name, not ${t.slice(start, j)}.`, start, `Write :${t.slice(start + 1, j)}.`);
    }
    const delimiter = t.slice(start, j + 1);
    const end = t.indexOf(delimiter, j + 1);
    if (end < 0) {
      return diagnostic('syntax-error', `The template has an unterminated dollar-quoted string starting at position ${start}.`, start, `Close it with ${delimiter}.`);
    }
    this.i = end + delimiter.length;
    this.before = 'operand';
    this.lastWord = '';
    return undefined;
  }

  private colon(): Diagnostic | undefined {
    const t = this.text;
    const start = this.i;
    const next = t[start + 1] ?? '';
    if (next === ':') return this.skip(2, 'other'); // `x::INTEGER`: a type follows
    if (next === '=') return this.skip(2, 'expression-start'); // `name := value`
    if (!isWordStart(next)) return this.skip(1, 'expression-start'); // DuckDB's own `:`
    let j = start + 1;
    while (j < t.length && isWordChar(t[j] ?? '')) j += 1;
    // A non-ASCII character right after the name, even a Unicode space (DuckDB does not
    // always turn those into spaces), could become part of the name DuckDB reads.
    while (j < t.length && (t.charCodeAt(j) >= 0x80)) j += 1;
    const written = t.slice(start + 1, j);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(written)) {
      return diagnostic('template-parameter-syntax', `Parameter names use ASCII letters, digits and _ (got :${written}).`, start,
        'Rename the parameter (e.g. :start_date) and put an ASCII space or operator right after it.');
    }
    const touchesWord = start > 0 && isWordChar(t[start - 1] ?? '');
    if (this.before !== 'expression-start' || touchesWord) {
      const place = this.before === 'subscript' ? 'right after `[` of a subscript (a slice)'
        : this.before === 'other' ? 'after `::`, `.` or `{`'
        : this.before === 'operand' ? 'right after a value or name' : 'directly after a keyword';
      return diagnostic(
        'template-parameter-syntax',
        `:${written} is ambiguous ${place}: DuckDB reads a colon there as a slice, struct key or alias.`,
        start,
        `For a parameter, put a space before it or wrap it in parentheses (\`x[1:(:${written})]\`); for DuckDB's colon, put a space after it (\`x[1: ${written}]\`).`,
      );
    }
    const name = written.toLowerCase();
    this.out[start] = '$';
    for (let k = 0; k < name.length; k += 1) this.out[start + 1 + k] = name[k] ?? '';
    const positions = this.found.get(name) ?? [];
    positions.push(start);
    this.found.set(name, positions);
    this.i = j;
    this.before = 'operand';
    this.lastWord = '';
    return undefined;
  }

  /** Digits, `.`, exponent and `_` separators; what follows a number is an operand's follower. */
  private number(): undefined {
    const t = this.text;
    while (this.i < t.length) {
      const c = t[this.i] ?? '';
      if ((c === 'e' || c === 'E') && /[+-]/.test(t[this.i + 1] ?? '') && /[0-9]/.test(t[this.i + 2] ?? '')) { this.i += 2; continue; }
      if (!/[0-9A-Za-z_.]/.test(c)) break;
      this.i += 1;
    }
    this.before = 'operand';
    this.lastWord = '';
    return undefined;
  }

  private word(): Diagnostic | undefined {
    const t = this.text;
    const start = this.i;
    // E'...' (not tablE'...'): the prefix must be the whole word.
    if ((t[start] === 'e' || t[start] === 'E') && t[start + 1] === "'") return this.quoted(start, "'", true);
    let j = start;
    while (j < t.length && isWordChar(t[j] ?? '')) j += 1;
    const word = t.slice(start, j).toLowerCase();
    this.i = j;
    this.before = EXPRESSION_KEYWORDS.has(word) ? 'expression-start' : 'operand';
    this.lastWord = word;
    return undefined;
  }
}

/** `:name` -> `$name` for DuckDB's parser; see the file comment for the grammar. */
export function translateParameters(sql: string): Result<TranslatedTemplate> {
  return new TemplateLexer(sql).run();
}
