/**
 * Per-engine hooks of the one printer. Engine differences are named capabilities,
 * never `if (engine === ...)` in the printer.
 */
import type { SqlType } from './ast.ts';

export interface Dialect {
  readonly name: string;
  /** Always quotes, so keywords and hostile names stay identifiers. */
  quoteIdentifier(name: string): string;
  quoteString(text: string): string;
  /** A bound parameter (`$name` for DuckDB). */
  parameter(name: string): string;
  typeName(type: SqlType): string;
  /** The non-failing cast (`TRY_CAST`). */
  readonly tryCastSpelling: string;
  /** A wrapper that turns runtime errors of a scalar expression into NULL, if any. */
  readonly trySpelling: string;
  /** Whether TRY(...) may contain aggregates, windows and subqueries. */
  readonly tryWrapsAggregates: boolean;
  /** `/` between integers truncates (Trino); DuckDB's `/` is true division. */
  readonly integerDivision: boolean;
  readonly supportsQualify: boolean;
}

function quoteIdentifier(name: string): string {
  if (name.includes('\u0000')) throw new Error('Internal error: NUL byte in an identifier');
  return `"${name.replaceAll('"', '""')}"`;
}

/** Standard SQL string literal; a NUL byte (which the literal syntax cannot hold) becomes chr(0). */
function quoteString(text: string): string {
  const parts = text.split('\u0000').map((p) => `'${p.replaceAll("'", "''")}'`);
  return parts.length === 1 ? (parts[0] ?? "''") : `(${parts.join(' || chr(0) || ')})`;
}

const PARAMETER_NAME = /^(?:[A-Za-z_][A-Za-z0-9_]*|[0-9]+)$/;

function checkedParameter(prefix: string, name: string): string {
  if (!PARAMETER_NAME.test(name)) throw new Error('Internal error: bad parameter name');
  return `${prefix}${name}`;
}

function duckdbType(type: SqlType): string {
  switch (type.name) {
    case 'DECIMAL': return `DECIMAL(${type.width}, ${type.scale})`;
    case 'TIMESTAMPTZ': return 'TIMESTAMP WITH TIME ZONE';
    default: return type.name;
  }
}

export const duckdbDialect: Dialect = {
  name: 'duckdb',
  quoteIdentifier,
  quoteString,
  parameter: (name) => checkedParameter('$', name),
  typeName: duckdbType,
  tryCastSpelling: 'TRY_CAST',
  trySpelling: 'TRY',
  tryWrapsAggregates: false,
  integerDivision: false,
  supportsQualify: true,
};

function trinoType(type: SqlType): string {
  switch (type.name) {
    case 'DECIMAL': return `DECIMAL(${type.width}, ${type.scale})`;
    case 'TIMESTAMPTZ': return 'TIMESTAMP WITH TIME ZONE';
    case 'FLOAT': return 'REAL';
    case 'HUGEINT': return 'DECIMAL(38, 0)';
    case 'INTERVAL': return 'INTERVAL DAY TO SECOND';
    default: return type.name;
  }
}

/** A first Trino dialect: quoting, parameters and types (functions still print DuckDB names). */
export const trinoDialect: Dialect = {
  name: 'trino',
  quoteIdentifier,
  quoteString,
  // Trino binds parameters positionally; the engine maps names to positions.
  parameter: (name) => checkedParameter(':', name),
  typeName: trinoType,
  tryCastSpelling: 'TRY_CAST',
  trySpelling: 'TRY',
  tryWrapsAggregates: true,
  integerDivision: true,
  supportsQualify: false,
};
