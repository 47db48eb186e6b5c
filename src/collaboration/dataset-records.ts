import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../metadata/schema.ts';
import { notFound } from './errors.ts';

type Db = Kysely<Database> | Transaction<Database>;

export interface DatasetColumn {
  readonly name: string;
  readonly type: string;
  readonly originalName: string;
}

export interface DatasetVersionRecord {
  readonly datasetId: number;
  readonly version: number;
  readonly files: readonly string[];
  readonly columns: readonly DatasetColumn[];
  /** Column statistics (min/max are data values), sealed with the owner's key: open with `workspace.fields`. */
  readonly sealedStats: string;
  readonly sources: unknown;
  readonly rowCount: number;
  readonly bytes: number;
  readonly createdAt: string;
}

export async function findDatasetId(db: Db, member: string, name: string): Promise<number> {
  const row = await db
    .selectFrom('datasets')
    .select('id')
    .where('member', '=', member)
    .where('name', '=', name)
    .executeTakeFirst();
  if (!row) {
    throw notFound('unknown-dataset', `member '${member}' has no dataset '${name}'`, `register it with: cleanroom dataset create ${member} ${name} <path>`);
  }
  return row.id;
}

export async function datasetVersions(db: Db, datasetId: number): Promise<DatasetVersionRecord[]> {
  const rows = await db
    .selectFrom('dataset_versions')
    .selectAll()
    .where('dataset_id', '=', datasetId)
    .orderBy('version')
    .execute();
  return rows.map((r) => ({
    datasetId: r.dataset_id,
    version: r.version,
    files: JSON.parse(r.files_json) as string[],
    columns: JSON.parse(r.columns_json) as DatasetColumn[],
    sealedStats: r.stats_json,
    sources: JSON.parse(r.sources_json) as unknown,
    rowCount: r.row_count,
    bytes: r.bytes,
    createdAt: r.created_at,
  }));
}

/** A configured table follows the latest version of its dataset. */
export async function latestVersion(db: Db, datasetId: number): Promise<DatasetVersionRecord> {
  const versions = await datasetVersions(db, datasetId);
  const last = versions.at(-1);
  if (!last) throw notFound('dataset-empty', 'the dataset has no versions left');
  return last;
}
