/** Quoting for the few SQL statements the crawler writes itself (it has no AST printer). */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function quoteString(text: string): string {
  if (text.includes('\u0000')) throw new Error('Internal error: NUL byte in a SQL string literal');
  return `'${text.replace(/'/g, "''")}'`;
}
