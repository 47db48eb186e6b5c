import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { CleanroomClient } from '../../client/cleanroom-client.ts';
import type { ResultsSqlAnswer, ResultsSqlTable, SavedResultsQuery } from '../../client/results-sql-api.ts';
import { saveDownload } from '../../client/node-download.ts';
import type { Workspace } from '../../collaboration/workspace.ts';
import { nameResult, resultTables, type CatalogTable } from '../../results-sql/catalog.ts';
import { exportAllResults, type ExportAllFormat } from '../../results-sql/export.ts';
import { queryResults } from '../../results-sql/run.ts';
import { deleteSaved, listSaved, saveQuery, showSaved, type SaveInput } from '../../results-sql/saved.ts';

/** Results SQL for the CLI: the same operations embedded and over the API. */
export interface ResultsSqlBackend {
  query(actor: string, source: { readonly sql: string } | { readonly saved: string }, page: { readonly offset?: number; readonly limit?: number }): Promise<ResultsSqlAnswer>;
  catalog(actor: string): Promise<{ tables: ResultsSqlTable[]; saved: SavedResultsQuery[] }>;
  name(actor: string, resultId: string, name: string | null): Promise<ResultsSqlTable>;
  save(actor: string, input: SaveInput): Promise<SavedResultsQuery>;
  show(actor: string, name: string): Promise<SavedResultsQuery>;
  delete(actor: string, name: string): Promise<void>;
  /** `duckdb`: one database file; `parquet`: a folder of Parquet files. */
  exportAll(actor: string, destination: string, format: ExportAllFormat): Promise<void>;
}

function view(t: CatalogTable): ResultsSqlTable {
  const { storeKey: _storeKey, ...rest } = t;
  return rest;
}

export function embeddedResultsSql(ws: () => Promise<Workspace>): ResultsSqlBackend {
  return {
    query: async (who, source, page) => queryResults(await ws(), who, source, page),
    catalog: async (who) => ({ tables: (await resultTables(await ws(), who)).map(view), saved: await listSaved(await ws(), who) }),
    name: async (who, id, name) => view(await nameResult(await ws(), who, id, name)),
    save: async (who, input) => saveQuery(await ws(), who, input),
    show: async (who, name) => showSaved(await ws(), who, name),
    delete: async (who, name) => deleteSaved(await ws(), who, name),
    exportAll: async (who, destination, format) => void (await exportAllResults(await ws(), who, destination, format)),
  };
}

export function remoteResultsSql(client: CleanroomClient): ResultsSqlBackend {
  return {
    query: (_who, source, page) => client.resultsSql.query({ ...source, ...page }),
    catalog: () => client.resultsSql.catalog(),
    name: (_who, id, name) => client.resultsSql.name(id, name),
    save: (_who, input) =>
      client.resultsSql.save(input.name, {
        kind: input.kind,
        sql: input.sql,
        ...(input.description !== undefined ? { description: input.description } : {}),
        ...(input.replace !== undefined ? { replace: input.replace } : {}),
      }),
    show: (_who, name) => client.resultsSql.showSaved(name),
    delete: async (_who, name) => void (await client.resultsSql.deleteSaved(name)),
    exportAll: async (_who, destination, format) => {
      if (format === 'duckdb') {
        await saveDownload(await client.resultsSql.exportDuckDb(), destination);
        return;
      }
      // Over the API, a Parquet export holds the result tables (one download each).
      await mkdir(destination, { recursive: true });
      for (const t of (await client.resultsSql.catalog()).tables) {
        await saveDownload(await client.resultsSql.tableParquet(t.id), join(destination, `${t.name}.parquet`));
      }
    },
  };
}
