/**
 * DuckDB quoting for the few statements the engine writes itself (view definitions,
 * COPY targets). Query SQL is printed by src/sql.
 */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export function quoteString(text: string): string {
  if (text.includes('\u0000')) throw new Error('Internal error: NUL byte in a SQL string');
  return `'${text.replaceAll("'", "''")}'`;
}
