import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { CrawlRefusal } from './crawl-types.ts';

export interface InputFile {
  readonly path: string;
  /** Hive-style `key=value` folders between the given folder and the file, outermost first. */
  readonly partitions: ReadonlyArray<readonly [key: string, value: string | null]>;
}

/** Hive's spelling of a NULL partition value. */
const HIVE_NULL = '__HIVE_DEFAULT_PARTITION__';

/**
 * Expands the given files and folders (recursively) into a sorted list of files.
 * Hidden files and `_`-prefixed files (`_SUCCESS`, `_metadata` written by Spark) are
 * skipped inside folders. Partitions are taken only from folders below the one the
 * member named: DuckDB's own hive_partitioning reads every `k=v` segment of the
 * absolute path, so a member's `/data/env=prod/` home folder would become a column.
 */
export async function listInputFiles(paths: readonly string[]): Promise<InputFile[]> {
  if (paths.length === 0) {
    throw new CrawlRefusal({ code: 'no-input-files', message: 'No input files were given.', hint: 'Name at least one file or folder.' });
  }
  const files: InputFile[] = [];
  for (const given of paths) {
    const absolute = path.resolve(given);
    const kind = await statKind(absolute);
    if (kind === 'file') {
      files.push({ path: checkName(absolute), partitions: [] });
    } else {
      const before = files.length;
      await walk(absolute, [], files);
      if (files.length === before) {
        throw new CrawlRefusal({ code: 'no-input-files', message: `Folder ${absolute} holds no data files.`, file: absolute });
      }
    }
  }
  const seen = new Set<string>();
  return files.filter((f) => (seen.has(f.path) ? false : (seen.add(f.path), true)));
}

async function walk(dir: string, partitions: InputFile['partitions'], out: InputFile[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true }).catch((e: unknown) => unreadable(dir, e));
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (entry.name.startsWith('.') || entry.name.startsWith('_')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      await walk(full, [...partitions, ...partitionOf(entry.name)], out);
    } else if (entry.isFile()) {
      out.push({ path: checkName(full), partitions });
    }
  }
}

function partitionOf(folder: string): InputFile['partitions'] {
  const eq = folder.indexOf('=');
  if (eq <= 0) return [];
  const raw = folder.slice(eq + 1);
  let value: string;
  try {
    value = decodeURIComponent(raw);
  } catch {
    value = raw;
  }
  return [[folder.slice(0, eq), value === HIVE_NULL ? null : value]];
}

/** DuckDB expands glob characters even in a single path, so such names cannot be read safely. */
function checkName(file: string): string {
  if (/[*?[\]{}]/.test(file)) {
    throw new CrawlRefusal({
      code: 'unsupported-file-name',
      message: `File ${file} has a glob character (* ? [ ] { }) in its path.`,
      file,
      hint: 'Rename the file or folder.',
    });
  }
  return file;
}

async function statKind(file: string): Promise<'file' | 'folder'> {
  const s = await stat(file).catch((e: unknown) => unreadable(file, e));
  if (s.isFile()) return 'file';
  if (s.isDirectory()) return 'folder';
  throw new CrawlRefusal({ code: 'unreadable-file', message: `${file} is neither a file nor a folder.`, file });
}

function unreadable(file: string, e: unknown): never {
  const code = typeof e === 'object' && e !== null && 'code' in e ? e.code : undefined;
  if (code === 'ENOENT') {
    throw new CrawlRefusal({ code: 'file-not-found', message: `File ${file} does not exist.`, file, hint: 'Check the path.' });
  }
  throw new CrawlRefusal({
    code: 'unreadable-file',
    message: `File ${file} cannot be read (${typeof code === 'string' ? code : 'unknown error'}).`,
    file,
    hint: 'Check that the file exists and that Cleanroom may read it.',
  });
}
