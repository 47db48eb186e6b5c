import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { Diagnostic } from '../sql/diagnostic.ts';
import type { UploadBody } from './upload-body.ts';

/** One file to upload: its plain name (the server infers the format from it) and its bytes. */
export interface FileUpload {
  readonly path: string;
  readonly filename: string;
  /** The name within its upload: the file's name, or its path below the folder given (`year=2024/a.csv`). */
  readonly relative: string;
  readonly bytes: number;
  /** Opened when called, so that files are read one at a time. */
  open(): UploadBody;
}

/** A local file that cannot be uploaded; the diagnostic reads like the crawler's. */
export class UploadFileError extends Error {
  override readonly name = 'UploadFileError';
  constructor(readonly diagnostic: Diagnostic) {
    super(diagnostic.message);
  }
}

async function statOrExplain(path: string): Promise<Awaited<ReturnType<typeof stat>>> {
  try {
    return await stat(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UploadFileError({ code: 'file-not-found', message: `File ${path} does not exist.`, hint: 'Check the path.' });
    throw new UploadFileError({ code: 'unreadable-file', message: `File ${path} cannot be read (${code ?? 'unknown error'}).` });
  }
}

/**
 * The files under `paths` in upload order, walked as the crawler walks them: a file as
 * given, a folder as the files below it (sorted; hidden and `_`-prefixed names skipped).
 */
export async function filesToUpload(paths: readonly string[]): Promise<FileUpload[]> {
  const out: FileUpload[] = [];
  const visit = async (path: string, top: boolean, under: string): Promise<void> => {
    const info = await statOrExplain(path);
    if (info.isDirectory()) {
      const before = out.length;
      const entries = (await readdir(path)).filter((name) => !name.startsWith('.') && !name.startsWith('_')).sort();
      for (const name of entries) await visit(join(path, name), false, top ? '' : `${under}${basename(path)}/`);
      if (top && out.length === before) throw new UploadFileError({ code: 'no-input-files', message: `Folder ${path} holds no data files.` });
      return;
    }
    if (!info.isFile()) {
      if (top) throw new UploadFileError({ code: 'unreadable-file', message: `${path} is neither a file nor a folder.` });
      return;
    }
    out.push({ path, filename: basename(path), relative: `${under}${basename(path)}`, bytes: Number(info.size), open: () => createReadStream(path) });
  };
  for (const path of paths) await visit(resolve(path), true, '');
  return out;
}
