import { CrawlRefusal } from './crawl-types.ts';
import type { InspectedFile } from './inspect-file.ts';
import { normalizeColumnName, normalizeColumns } from './normalize-names.ts';
import { reconcileTypes } from './reconcile-types.ts';

export type Transform = 'none' | 'normalize' | 'hash' | 'normalize-hash';

export interface PlannedColumn {
  readonly name: string;
  readonly originalName: string;
  /** Type every file's value is cast to before any transform. */
  readonly readType: string;
  /** Type in the written dataset (VARCHAR for hashed columns). */
  readonly type: string;
  readonly transform: Transform;
  readonly partition: boolean;
}

export interface FileBinding {
  readonly file: InspectedFile;
  /** Normalised column name -> the reader's column name in this file. */
  readonly readerNames: ReadonlyMap<string, string>;
  /** Normalised partition column name -> value from the folder name. */
  readonly partitionValues: ReadonlyMap<string, string | null>;
}

export interface SchemaPlan {
  readonly columns: readonly PlannedColumn[];
  readonly files: readonly FileBinding[];
  readonly mapping: Readonly<Record<string, string>>;
}

/**
 * One schema for all files of a dataset: names normalised per file, the same set of
 * columns in every file (order may differ), types reconciled, Hive partitions typed,
 * and the --normalize / --hash options resolved against the result.
 */
export function planSchema(files: readonly InspectedFile[], normalize: readonly string[], hash: readonly string[]): SchemaPlan {
  const first = files[0];
  if (first === undefined) throw new Error('Internal error: planSchema needs at least one file');
  const mapping: Record<string, string> = {};
  const types = new Map<string, string>();
  const originals = new Map<string, string>();
  const bindings: FileBinding[] = [];
  const partitionKeys = first.input.partitions.map(([key]) => key);

  for (const file of files) {
    const path = file.input.path;
    const names = normalizeColumns(file.columns.map((c) => c.original), path);
    const readerNames = new Map<string, string>();
    for (const column of file.columns) {
      const name = names.get(column.original) ?? '';
      mapping[column.original] = name;
      readerNames.set(name, column.readerName);
      if (file === first) {
        types.set(name, column.type);
        originals.set(name, column.original);
        continue;
      }
      const previous = types.get(name);
      if (previous === undefined) throw mismatch(path, `has the column "${column.original}", which ${first.input.path} does not have`);
      const reconciled = reconcileTypes(previous, column.type);
      if (reconciled === undefined) {
        throw new CrawlRefusal({
          code: 'type-mismatch',
          message: `File ${path} has the column "${column.original}" as ${column.type}, but earlier files have it as ${previous}.`,
          file: path,
          column: column.original,
          hint: 'Make the column hold the same kind of value in every file.',
        });
      }
      types.set(name, reconciled);
    }
    for (const name of types.keys()) {
      if (!readerNames.has(name)) throw mismatch(path, `lacks the column "${originals.get(name) ?? name}" that ${first.input.path} has`);
    }
    const keys = file.input.partitions.map(([key]) => key);
    if (keys.join('/') !== partitionKeys.join('/')) {
      throw mismatch(path, `sits in partition folders (${keys.join('/') || 'none'}) that differ from ${first.input.path} (${partitionKeys.join('/') || 'none'})`);
    }
    const partitionValues = new Map<string, string | null>();
    for (const [key, value] of file.input.partitions) partitionValues.set(normalizeColumnName(key), value);
    bindings.push({ file, readerNames, partitionValues });
  }

  const dataColumns = [...types].map(([name, type]) => ({ name, type, originalName: originals.get(name) ?? name, partition: false }));
  const partitionColumns = planPartitions(partitionKeys, bindings, first.input.path, new Set(types.keys()));
  for (const p of partitionColumns) mapping[p.originalName] = p.name;
  const all = [...dataColumns, ...partitionColumns];
  const columns = applyOptions(all, normalize, hash);
  return { columns, files: bindings, mapping };
}

function planPartitions(keys: readonly string[], bindings: readonly FileBinding[], file: string, taken: ReadonlySet<string>) {
  const names = normalizeColumns(keys, `${file} (partition folders)`);
  return keys.map((key) => {
    const name = names.get(key) ?? '';
    if (taken.has(name)) {
      throw new CrawlRefusal({
        code: 'column-name-collision',
        message: `The partition folder key "${key}" and a column of ${file} both normalise to "${name}".`,
        file,
        column: key,
        hint: 'Rename the partition folders or the column.',
      });
    }
    const values = bindings.map((b) => b.partitionValues.get(name)).filter((v): v is string => typeof v === 'string');
    return { name, type: partitionType(values), originalName: key, partition: true };
  });
}

/** Folder names are text; whole numbers and ISO dates are typed so they compare as such. */
function partitionType(values: readonly string[]): string {
  if (values.length > 0 && values.every((v) => /^-?\d{1,18}$/.test(v))) return 'BIGINT';
  if (values.length > 0 && values.every((v) => /^\d{4}-\d{2}-\d{2}$/.test(v))) return 'DATE';
  return 'VARCHAR';
}

function applyOptions(
  columns: ReadonlyArray<{ name: string; type: string; originalName: string; partition: boolean }>,
  normalize: readonly string[],
  hash: readonly string[],
): PlannedColumn[] {
  const find = (option: string, wanted: string) => {
    const column = columns.find((c) => c.name === wanted) ?? columns.find((c) => c.originalName === wanted);
    if (column === undefined) {
      throw new CrawlRefusal({
        code: 'unknown-column',
        message: `The ${option} column "${wanted}" does not exist. Available columns: ${columns.map((c) => c.name).join(', ')}.`,
        column: wanted,
        hint: `Name one of the available columns in ${option}.`,
      });
    }
    return column.name;
  };
  const toNormalize = new Set(normalize.map((n) => find('--normalize', n)));
  const toHash = new Set(hash.map((n) => find('--hash', n)));
  return columns.map((c) => {
    const n = toNormalize.has(c.name);
    const h = toHash.has(c.name);
    if (n && c.type !== 'VARCHAR') {
      throw new CrawlRefusal({
        code: 'normalize-not-text',
        message: `The --normalize column "${c.name}" holds ${c.type}, not text; trimming and lower-casing apply to text only.`,
        column: c.name,
        hint: 'Leave the column out of --normalize.',
      });
    }
    const transform: Transform = n && h ? 'normalize-hash' : n ? 'normalize' : h ? 'hash' : 'none';
    return { name: c.name, originalName: c.originalName, readType: c.type, type: h ? 'VARCHAR' : c.type, transform, partition: c.partition };
  });
}

function mismatch(file: string, what: string): CrawlRefusal {
  return new CrawlRefusal({
    code: 'schema-mismatch',
    message: `File ${file} ${what}; all files of a dataset must have the same columns.`,
    file,
    hint: 'Crawl files with different columns as separate datasets.',
  });
}
