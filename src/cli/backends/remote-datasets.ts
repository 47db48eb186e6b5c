import { openAsBlob } from 'node:fs';
import type { CleanroomClient } from '../../client/cleanroom-client.ts';
import { filesToUpload } from '../../client/node-upload.ts';
import type { DatasetRegistration } from '../../collaboration/datasets.ts';
import type { DatasetBackend } from './backend.ts';

/** The server takes plain names only; it reads just the extension (the format) from them. */
export function uploadName(filename: string): string {
  const safe = filename.replace(/[^A-Za-z0-9._-]/g, '_');
  return safe.length <= 128 ? safe : safe.slice(-128);
}

/** Datasets over the API: one file as a raw upload; several files or folders as one multipart upload. */
export function remoteDatasets(client: CleanroomClient): DatasetBackend {
  return {
    async create(member, name, paths, options) {
      const files = await filesToUpload(paths);
      const shared = {
        ...(options.normalize ? { normalize: options.normalize } : {}),
        ...(options.hash ? { hash: Object.keys(options.hash) } : {}),
      };
      const only = files[0];
      if (files.length === 1 && only !== undefined && !only.relative.includes('/')) {
        return [await client.datasets.upload(member, name, only.open(), { filename: uploadName(only.filename), ...shared })];
      }
      // Several files, or folders: one multipart upload, one version, folders kept (partitions).
      const blobs = await Promise.all(files.map(async (f) => ({ name: f.relative, body: await openAsBlob(f.path) })));
      return [await client.datasets.uploadFiles(member, name, blobs, shared)];
    },
    show: (member, name) => client.datasets.show(member, name),
    list: (member) => client.datasets.list(member),
    delete: async (member, name, version) => void (await client.datasets.delete(member, name, version)),
  };
}
