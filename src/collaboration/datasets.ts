import { statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { crawlDataset } from '../catalog/crawl.ts';
import type { ColumnStats, CrawlReport } from '../catalog/crawl-types.ts';
import { diffSchemas, type SchemaDrift } from '../catalog/schema-drift.ts';
import { datasetFileKey, datasetVersionPrefix } from '../storage/layout.ts';
import { nowIso } from './clock.ts';
import { datasetVersions, findDatasetId, type DatasetColumn, type DatasetVersionRecord } from './dataset-records.ts';
import { CleanroomError, conflict, invalid, notFound } from './errors.ts';
import { logEvent } from './events.ts';
import { requireMember } from './members.ts';
import { fieldContext } from './member-keys.ts';
import { checkName } from './names.ts';
import { crashPoint } from './crash-points.ts';
import type { Workspace } from './workspace.ts';

export interface IngestOptions {
  readonly normalize?: readonly string[];
  readonly hash?: Readonly<Record<string, 'sha256'>>;
}


export interface DatasetRegistration {
  readonly member: string;
  readonly dataset: string;
  readonly version: number;
  readonly rowCount: number;
  readonly columns: readonly DatasetColumn[];
  readonly mapping: Readonly<Record<string, string>>;
  readonly drift?: SchemaDrift;
}

/**
 * Registers files as a new version of a member's dataset. Atomic: the crawler writes
 * Parquet in a private scratch folder (memory-backed where possible, so the plaintext
 * never reaches a disk), the store encrypts it with the member's data key under the
 * version's key, and only then one metadata transaction makes the version exist. A
 * crash at any point leaves either no trace in metadata or the whole version.
 */
export async function createDataset(
  workspace: Workspace,
  member: string,
  dataset: string,
  paths: readonly string[],
  options: IngestOptions = {},
): Promise<DatasetRegistration> {
  const { db, store } = workspace;
  checkName('dataset', dataset);
  await requireMember(db, member);
  if (paths.length === 0) throw invalid('no-input', 'give at least one file or folder to register');
  const workDir = await workspace.scratch.create('ingest');
  try {
    const outputFile = join(workDir, 'data.parquet');
    const crawled = await crawlDataset({
      paths: [...paths],
      ...(options.normalize ? { normalize: [...options.normalize] } : {}),
      ...(options.hash ? { hash: { ...options.hash } } : {}),
      outputFile,
      tempDir: workDir,
    });
    if (!crawled.ok) throw new CleanroomError('invalid', crawled.error);
    const report = crawled.value;
    crashPoint('ingest:crawled');
    const existingId = await db
      .selectFrom('datasets')
      .select('id')
      .where('member', '=', member)
      .where('name', '=', dataset)
      .executeTakeFirst();
    const previous = existingId ? (await datasetVersions(db, existingId.id)).at(-1) : undefined;
    const drift = previous ? diffSchemas(previous.columns, report.columns) : undefined;
    if (existingId && drift) await refuseBreakingDrift(workspace, existingId.id, drift);
    const version = (previous?.version ?? 0) + 1;
    const key = unwrap(datasetFileKey(member, dataset, version, 'part-0'));
    const bytes = statSync(outputFile).size;
    // Min/max are data values: sealed with the owner's key (before the transaction, as a
    // member's first key is a write of its own).
    const stats = await workspace.fields.seal(member, fieldContext.datasetStats(member, dataset, version), JSON.stringify(report.stats));
    await store.putFile(key, outputFile);
    await rm(outputFile, { force: true });
    crashPoint('ingest:stored');
    try {
      await db.transaction().execute(async (trx) => {
        const datasetId =
          existingId?.id ??
          (
            await trx
              .insertInto('datasets')
              .values({ member, name: dataset, created_at: nowIso() })
              .returning('id')
              .executeTakeFirstOrThrow()
          ).id;
        await trx
          .insertInto('dataset_versions')
          .values({
            dataset_id: datasetId,
            version,
            files_json: JSON.stringify([key]),
            columns_json: JSON.stringify(report.columns),
            stats_json: stats,
            sources_json: JSON.stringify(report.files),
            row_count: report.rowCount,
            bytes,
            created_at: nowIso(),
          })
          .execute();
        await logEvent(trx, member, 'dataset.create', `${member}/${dataset}`, { version, rows: report.rowCount, drift });
      });
    } catch (e) {
      await store.delete(key);
      throw e;
    }
    crashPoint('ingest:committed');
    return {
      member,
      dataset,
      version,
      rowCount: report.rowCount,
      columns: report.columns,
      mapping: report.mapping,
      ...(drift && hasDrift(drift) ? { drift } : {}),
    };
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

function hasDrift(drift: SchemaDrift): boolean {
  return drift.added.length + drift.removed.length + drift.retyped.length > 0;
}

/** A new version that drops or retypes a column a configured table allows is refused while that table is in use. */
async function refuseBreakingDrift(workspace: Workspace, datasetId: number, drift: SchemaDrift): Promise<void> {
  const broken = new Set([...drift.removed.map((c) => c.name), ...drift.retyped.map((r) => r.name)]);
  if (broken.size === 0) return;
  const tables = await workspace.db
    .selectFrom('configured_tables')
    .innerJoin('table_versions', 'table_versions.table_id', 'configured_tables.id')
    .innerJoin('associations', 'associations.table_id', 'configured_tables.id')
    .select(['configured_tables.name as name', 'table_versions.columns_json as columns', 'table_versions.version as version'])
    .where('configured_tables.dataset_id', '=', datasetId)
    .execute();
  for (const t of tables) {
    const hit = (JSON.parse(t.columns) as string[]).find((c) => broken.has(c));
    if (hit) {
      throw conflict(
        'schema-drift-breaks-table',
        `the new version drops or retypes column '${hit}', which table '${t.name}' allows and which is associated into a collaboration`,
        'keep the column and its type, or update the table first',
      );
    }
  }
}

export interface DatasetDescription {
  readonly member: string;
  readonly dataset: string;
  readonly versions: readonly {
    readonly version: number;
    readonly rowCount: number;
    readonly bytes: number;
    readonly createdAt: string;
    readonly columns: readonly DatasetColumn[];
    /** Owner-only: null counts, min/max, approximate distinct counts. */
    readonly stats: Readonly<Record<string, ColumnStats>>;
    readonly sources: unknown;
  }[];
}

/** Statistics are the owner's only; `dataset show` is always the owner acting. */
export async function showDataset(workspace: Workspace, member: string, dataset: string): Promise<DatasetDescription> {
  const id = await findDatasetId(workspace.db, member, dataset);
  const versions = await datasetVersions(workspace.db, id);
  return {
    member,
    dataset,
    versions: await Promise.all(versions.map(async (v: DatasetVersionRecord) => ({
      version: v.version,
      rowCount: v.rowCount,
      bytes: v.bytes,
      createdAt: v.createdAt,
      columns: v.columns,
      stats: JSON.parse(await workspace.fields.open(member, fieldContext.datasetStats(member, dataset, v.version), v.sealedStats)) as Record<string, ColumnStats>,
      sources: v.sources,
    }))),
  };
}

export async function listDatasets(workspace: Workspace, member: string): Promise<{ name: string; versions: number; rows: number }[]> {
  const rows = await workspace.db.selectFrom('datasets').select(['id', 'name']).where('member', '=', member).orderBy('name').execute();
  const out = [];
  for (const r of rows) {
    const versions = await datasetVersions(workspace.db, r.id);
    out.push({ name: r.name, versions: versions.length, rows: versions.at(-1)?.rowCount ?? 0 });
  }
  return out;
}

/**
 * Deletes one version or the whole dataset. Refused while a configured table uses the
 * dataset (deleting the latest version would change what the table exposes). Metadata
 * goes first, then the files: a crash in between leaves orphans the next sweep removes.
 */
export async function deleteDataset(workspace: Workspace, member: string, dataset: string, version?: number): Promise<void> {
  const { db, store } = workspace;
  const id = await findDatasetId(db, member, dataset);
  const versions = await datasetVersions(db, id);
  const doomed = version === undefined ? versions : versions.filter((v) => v.version === version);
  if (doomed.length === 0) throw notFound('unknown-version', `dataset '${dataset}' has no version ${version}`);
  const removesLatest = doomed.some((v) => v.version === versions.at(-1)?.version);
  if (removesLatest || version === undefined) {
    const tables = await db.selectFrom('configured_tables').select('name').where('dataset_id', '=', id).execute();
    if (tables.length > 0) {
      throw conflict(
        'dataset-in-use',
        `dataset '${dataset}' is used by configured table(s) ${tables.map((t) => `'${t.name}'`).join(', ')}`,
        'delete those tables first with `cleanroom table delete`',
      );
    }
  }
  await db.transaction().execute(async (trx) => {
    for (const v of doomed) {
      await trx.deleteFrom('dataset_versions').where('dataset_id', '=', id).where('version', '=', v.version).execute();
    }
    if (doomed.length === versions.length) await trx.deleteFrom('datasets').where('id', '=', id).execute();
    await logEvent(trx, member, 'dataset.delete', `${member}/${dataset}`, { versions: doomed.map((v) => v.version) });
  });
  for (const v of doomed) await store.deletePrefix(unwrap(datasetVersionPrefix(member, dataset, v.version)));
}

function unwrap(result: { ok: true; value: string } | { ok: false; error: { message: string } }): string {
  if (!result.ok) throw new Error(`Internal error: ${result.error.message}`);
  return result.value;
}
