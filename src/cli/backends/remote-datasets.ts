import type { CleanroomClient } from '../../client/cleanroom-client.ts';
import { filesToUpload } from '../../client/node-upload.ts';
import type { DatasetRegistration } from '../../collaboration/datasets.ts';
import type { DatasetBackend } from './backend.ts';

/** The server takes plain names only; it reads just the extension (the format) from them. */
export function uploadName(filename: string): string {
  const safe = filename.replace(/[^A-Za-z0-9._-]/g, '_');
  return safe.length <= 128 ? safe : safe.slice(-128);
}

/** Datasets over the API: each file (a folder: each file in it) is one upload. */
export function remoteDatasets(client: CleanroomClient): DatasetBackend {
  return {
    async create(member, name, paths, options) {
      const files = await filesToUpload(paths);
      if (files.length > 1) {
        // The API registers one file per request; several files cannot (yet) make one version.
        process.stderr.write(
          `note: with --server each of the ${files.length} files is uploaded as its own version of ${member}/${name}; the last version holds only ${files.at(-1)?.filename ?? ''}\n`,
        );
      }
      const registered: DatasetRegistration[] = [];
      for (const file of files) {
        registered.push(
          await client.datasets.upload(member, name, file.open(), {
            filename: uploadName(file.filename),
            ...(options.normalize ? { normalize: options.normalize } : {}),
            ...(options.hash ? { hash: Object.keys(options.hash) } : {}),
          }),
        );
      }
      return registered;
    },
    show: (member, name) => client.datasets.show(member, name),
    list: (member) => client.datasets.list(member),
    delete: async (member, name, version) => void (await client.datasets.delete(member, name, version)),
  };
}
