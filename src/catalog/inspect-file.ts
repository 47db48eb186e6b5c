import { stat } from 'node:fs/promises';
import type { DuckDBConnection } from '@duckdb/node-api';
import { CrawlRefusal } from './crawl-types.ts';
import type { CrawlDiagnostic } from './crawl-types.ts';
import { detectFormat } from './detect-format.ts';
import type { DetectedFormat } from './detect-format.ts';
import { invalidUtf8, translateReadError } from './duckdb-errors.ts';
import type { InputFile } from './list-input-files.ts';
import { firstLineSql, jsonValuesSql, sourceSql, splitHeader, strictTextCsvSql } from './read-source.ts';
import { findInvalidUtf8 } from './utf8-scan.ts';

export interface FileColumn {
  /** The name DuckDB gives the column (it renames duplicates and blanks, so not shown to members). */
  readonly readerName: string;
  /** The name as written in the file. */
  readonly original: string;
  readonly type: string;
}

export interface InspectedFile extends DetectedFormat {
  readonly input: InputFile;
  readonly columns: readonly FileColumn[];
  readonly rows: number;
}

/**
 * Reads one file far enough to know its columns, their types and its row count, and
 * refuses it with a diagnostic naming the file (and line, where DuckDB knows it).
 * Counting reads the whole file, so ragged rows beyond the type sniffer's sample and
 * malformed JSON anywhere are found here, per file.
 */
export async function inspectFile(connection: DuckDBConnection, input: InputFile): Promise<InspectedFile> {
  const file = input.path;
  const detected = await detectFormat(file);
  if ((await stat(file)).size === 0) throw new CrawlRefusal(emptyFile(file));
  const source = sourceSql(file, detected.format, detected.compression);
  const columns = await withReadErrors(file, detected, async () => {
    if (detected.format === 'csv' || detected.format === 'tsv') return csvColumns(connection, file, detected.format, detected);
    const described = await describe(connection, source).catch(async (e: unknown) => {
      if (detected.format !== 'parquet' && /expected records/.test(e instanceof Error ? e.message : '')) {
        throw new CrawlRefusal(await notRecords(connection, file, detected));
      }
      throw e;
    });
    return described.map((c) => ({ readerName: c.name, original: c.name, type: c.type }));
  });
  const rows = await withReadErrors(file, detected, async () => {
    const reader = await connection.runAndReadAll(`SELECT count(*)::BIGINT AS n FROM ${source}`);
    return Number(reader.getRowsJS()[0]?.[0] ?? 0);
  });
  if (rows === 0) throw new CrawlRefusal(emptyFile(file));
  return { ...detected, input, columns, rows };
}

async function csvColumns(
  connection: DuckDBConnection,
  file: string,
  format: 'csv' | 'tsv',
  detected: DetectedFormat,
): Promise<FileColumn[]> {
  // DuckDB renames duplicate and blank header names (a, a_1, column1); the raw header
  // line is the only way to see what the member wrote.
  const first = await connection.runAndReadAll(firstLineSql(file, detected.compression));
  const line = first.getRowsJS()[0]?.[0];
  if (typeof line !== 'string') throw new CrawlRefusal(emptyFile(file));
  const header = splitHeader(line, format);
  let described: Array<{ name: string; type: string }>;
  try {
    described = await describe(connection, sourceSql(file, format, detected.compression));
  } catch (e) {
    if (!/Error when sniffing file/.test(e instanceof Error ? e.message : '')) throw e;
    // The sniffer gives up on a ragged row without saying where; a strict untyped
    // read does say where.
    await connection.runAndReadAll(`SELECT count(*) FROM ${strictTextCsvSql(file, format, detected.compression, header.length)}`);
    throw e;
  }
  if (described.length !== header.length) {
    throw new CrawlRefusal({
      code: 'malformed-csv',
      message: `File ${file}: the header has ${header.length} fields but the rows have ${described.length}.`,
      file,
      line: 1,
      hint: 'Every row must have as many fields as the header.',
    });
  }
  return described.map((c, i) => ({ readerName: c.name, original: header[i] ?? '', type: c.type }));
}

async function describe(connection: DuckDBConnection, source: string): Promise<Array<{ name: string; type: string }>> {
  const reader = await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`);
  return reader.getRowObjectsJS().map((row) => ({ name: String(row['column_name']), type: String(row['column_type']) }));
}

/** Runs a read and turns DuckDB's error into a refusal, with an exact line for bad UTF-8. */
async function withReadErrors<T>(file: string, detected: DetectedFormat, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (e instanceof CrawlRefusal) throw e;
    throw new CrawlRefusal(await refine(translateReadError(e, file), file, detected));
  }
}

export async function refine(diagnostic: CrawlDiagnostic, file: string, detected: DetectedFormat): Promise<CrawlDiagnostic> {
  if (diagnostic.code !== 'invalid-utf8' || detected.format === 'parquet') return diagnostic;
  const found = await findInvalidUtf8(file, detected.compression);
  return found === undefined ? diagnostic : invalidUtf8(file, found.line, found.character);
}

/** `[]`, a blank file and `[1, 2]` all fail as "not records"; only the last is not empty. */
async function notRecords(connection: DuckDBConnection, file: string, detected: DetectedFormat): Promise<CrawlDiagnostic> {
  const values = await connection.runAndReadAll(`SELECT count(*)::BIGINT FROM ${jsonValuesSql(file, detected)}`);
  if (Number(values.getRowsJS()[0]?.[0] ?? 0) === 0) return emptyFile(file);
  return {
    code: 'not-records',
    message: `File ${file} holds JSON values that are not objects.`,
    file,
    hint: 'Give one JSON array of objects, or one JSON object per line.',
  };
}

function emptyFile(file: string): CrawlDiagnostic {
  return {
    code: 'empty-file',
    message: `File ${file} has no rows.`,
    file,
    hint: 'Remove the empty file or add its data; a CSV file needs a header row and at least one data row.',
  };
}
