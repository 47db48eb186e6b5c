import type { Compression, FileFormat } from './crawl-types.ts';
import { quoteString } from './sql-text.ts';

/**
 * The DuckDB table function that reads one input file. CSV is read strictly: a row
 * with too many or too few fields is an error (not silently padded or merged), the
 * dialect is fixed to RFC 4180 and a header row is required, so the sniffer only
 * infers types. Hive partitioning is always off: DuckDB would turn every `k=v`
 * segment of the absolute path into a column; list-input-files.ts does it instead.
 */
export function sourceSql(file: string, format: FileFormat, compression: Compression): string {
  const f = quoteString(file);
  const c = compressionOption(compression);
  switch (format) {
    case 'csv':
    case 'tsv':
      return `read_csv(${f}, ${csvOptions(format, compression)})`;
    case 'parquet':
      return `read_parquet(${f}, hive_partitioning = false)`;
    case 'json':
      // 'auto' accepts one top-level array of objects or one object per line.
      return `read_json(${f}, format = 'auto', records = 'true', hive_partitioning = false, compression = ${c})`;
    case 'ndjson':
      return `read_json(${f}, format = 'newline_delimited', records = 'true', hive_partitioning = false, compression = ${c})`;
    default:
      return assertNever(format);
  }
}

function csvOptions(format: 'csv' | 'tsv', compression: Compression): string {
  const delim = format === 'tsv' ? `E'\\t'` : `','`;
  return `delim = ${delim}, quote = '"', escape = '"', header = true, strict_mode = true, null_padding = false, hive_partitioning = false, compression = ${compressionOption(compression)}`;
}

/**
 * Reads every field as text with the column count given, skipping type sniffing. Used
 * when the sniffer gives up (it does on a ragged row within its sample, without a line
 * number): this strict read fails on the ragged row and names its line.
 */
export function strictTextCsvSql(file: string, format: 'csv' | 'tsv', compression: Compression, columnCount: number): string {
  const columns = Array.from({ length: columnCount }, (_, i) => `'c${i}': 'VARCHAR'`).join(', ');
  return `read_csv(${quoteString(file)}, ${csvOptions(format, compression)}, auto_detect = false, columns = {${columns}})`;
}

/** The first physical line of a (possibly compressed) text file, without CSV parsing. */
export function firstLineSql(file: string, compression: Compression): string {
  return `SELECT line FROM read_csv(${quoteString(file)}, header = false, auto_detect = false, columns = {'line': 'VARCHAR'}, delim = chr(1), quote = '', escape = '', strict_mode = false, hive_partitioning = false, compression = ${compressionOption(compression)}) LIMIT 1`;
}

/** Splits one CSV header line (RFC 4180 quoting) into raw column names. */
export function splitHeader(line: string, format: 'csv' | 'tsv'): string[] {
  const delim = format === 'tsv' ? '\t' : ',';
  const text = line.startsWith('\uFEFF') ? line.slice(1) : line;
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (ch === '"') {
        quoted = false;
      } else {
        field += ch;
      }
    } else if (ch === '"') {
      quoted = true;
    } else if (ch === delim) {
      fields.push(field);
      field = '';
    } else if (ch !== '\r') {
      field += ch;
    }
  }
  fields.push(field);
  return fields;
}

/** Every top-level JSON value (array elements, or one per line), objects or not. */
export function jsonValuesSql(file: string, detected: { format: FileFormat; compression: Compression }): string {
  const format = detected.format === 'ndjson' ? 'newline_delimited' : 'auto';
  return `read_json_objects(${quoteString(file)}, format = '${format}', hive_partitioning = false, compression = ${compressionOption(detected.compression)})`;
}

/** Explicit, so a file's name never decides how DuckDB decompresses it behind our back. */
function compressionOption(compression: Compression): string {
  return compression === 'none' ? `'uncompressed'` : quoteString(compression);
}

function assertNever(x: never): never {
  throw new Error(`Internal error: unhandled format ${String(x)}`);
}
