import type { CrawlDiagnostic } from './crawl-types.ts';

/**
 * Turns a DuckDB reader error about one input file into a diagnostic. The message may
 * quote a line of the file: that is the member's own data, shown only to that member.
 */
export function translateReadError(error: unknown, file: string): CrawlDiagnostic {
  const text = error instanceof Error ? error.message : String(error);
  const lines = text.split('\n');
  const first = stripPrefix(lines[0] ?? '');

  const csvLine = /CSV Error on Line: (\d+)/.exec(text);
  if (csvLine !== null) {
    const line = Number(csvLine[1]);
    const reason = stripPrefix(lines[2] ?? '');
    if (/Invalid unicode/i.test(text)) return invalidUtf8(file, line);
    const ragged = /Expected Number of Columns: (\d+) Found: (\d+)/.exec(text);
    if (ragged !== null) {
      return {
        code: 'ragged-row',
        message: `File ${file}, line ${line}: the row has ${ragged[2]} fields where the header has ${ragged[1]}.`,
        file,
        line,
        hint: 'Every row must have as many fields as the header. Quote fields that contain the delimiter.',
      };
    }
    const conversion = /Error when converting column "((?:[^"]|"")*)"/.exec(text);
    if (conversion !== null) {
      const column = (conversion[1] ?? '').replace(/""/g, '"');
      return {
        code: 'value-does-not-match-type',
        message: `File ${file}, line ${line}, column "${column}": ${reason}`,
        file,
        line,
        column,
        hint: "The column's type was inferred from the first rows of the file; fix the value or make the column consistently typed.",
      };
    }
    return { code: 'malformed-csv', message: `File ${file}, line ${line}: ${reason}`, file, line };
  }

  const json = /in line (\d+): (.*)$/m.exec(text);
  if (/JSON/.test(first) && json !== null) {
    const line = Number(json[1]);
    const reason = json[2] ?? '';
    if (/UTF-8/i.test(reason)) return invalidUtf8(file, line);
    const duplicate = /has duplicate key "((?:[^"\\]|\\.)*)"/.exec(reason);
    if (duplicate !== null) {
      return {
        code: 'duplicate-column',
        message: `File ${file}, line ${line}: an object has the key "${duplicate[1] ?? ''}" more than once.`,
        file,
        line,
        column: duplicate[1] ?? '',
        hint: 'Every key of an object must be unique.',
      };
    }
    return {
      code: 'malformed-json',
      message: `File ${file}, line ${line}: ${reason.trim()}`,
      file,
      line,
      hint: 'Give one JSON array of objects, or one JSON object per line.',
    };
  }

  if (/parquet/i.test(text) || /magic bytes/i.test(text)) {
    return { code: 'unreadable-file', message: `File ${file} is not a readable Parquet file: ${first}`, file };
  }
  if (/not utf-8|invalid UTF-8|Invalid unicode/i.test(text)) return invalidUtf8(file, undefined);
  return { code: 'unreadable-file', message: `File ${file} cannot be read: ${first}`, file };
}

export function invalidUtf8(file: string, line: number | undefined, character?: number): CrawlDiagnostic {
  const where = line === undefined ? '' : `, line ${line}${character === undefined ? '' : `, byte ${character}`}`;
  return {
    code: 'invalid-utf8',
    message: `File ${file}${where}: the text is not valid UTF-8.`,
    file,
    ...(line === undefined ? {} : { line }),
    ...(character === undefined ? {} : { character }),
    hint: 'Save the file as UTF-8 (for example with iconv -f latin1 -t utf-8).',
  };
}

/** "Invalid Input Error: X" -> "X" */
function stripPrefix(line: string): string {
  return line.replace(/^[A-Za-z ]*Error: /, '').trim();
}
