import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyRequest } from 'fastify';
import { badRequest, HttpProblem } from '../http-problem.ts';

/** What an upload request brought: the files written under `dir`, and the options it named. */
export interface ReceivedUpload {
  /** Relative paths of the files, as sent (`customers.csv`, `year=2024/part-1.csv`). */
  readonly files: readonly string[];
  readonly bytes: number;
  readonly normalize: readonly string[];
  readonly hash: readonly string[];
}

/** One path segment: the crawler reads formats from extensions and partitions from `key=value`. */
const SEGMENT = /^[A-Za-z0-9_=-][A-Za-z0-9._=-]{0,127}$/;
const MAX_DEPTH = 8;
const MAX_FILES = 10_000;

/**
 * A relative upload path that stays inside the upload folder: plain segments only (no
 * `..`, no absolute path, no backslash), at most 8 deep.
 */
export function checkUploadPath(name: string): string {
  const segments = name.split('/');
  const ok = segments.length <= MAX_DEPTH && segments.every((s) => SEGMENT.test(s) && s !== '..' && !/^\.+$/.test(s));
  if (!ok) {
    throw badRequest(
      'invalid-filename',
      `'${name.slice(0, 200)}' is not a plain file name or relative path`,
      'use letters, digits, dot, dash, underscore and = in each part, e.g. customers.csv or year=2024/part-1.csv',
    );
  }
  return segments.join('/');
}

export function commaList(text: string | undefined): string[] {
  return (text ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
}

/** Counts bytes across all files of one request and fails past the limit (413). */
function byteLimit(limit: number, counted: { bytes: number }): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      counted.bytes += chunk.length;
      if (counted.bytes > limit) {
        done(new HttpProblem(413, { code: 'upload-too-large', message: `the upload is larger than the server's limit of ${limit} bytes` }));
        return;
      }
      done(null, chunk);
    },
  });
}

async function writeFile(dir: string, relative: string, source: Readable, limit: number, counted: { bytes: number }): Promise<void> {
  const path = join(dir, relative);
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await pipeline(source, byteLimit(limit, counted), createWriteStream(path, { mode: 0o600, flags: 'wx' }));
}

/**
 * Streams the request's file(s) into `dir`: either the raw body as one file named by
 * `?filename=`, or a multipart form with several files (their names may carry folders,
 * `year=2024/part-1.csv`, that become partition columns) and optional `normalize` and
 * `hash` fields. The byte limit covers the whole request.
 */
export async function receiveUpload(
  request: FastifyRequest,
  dir: string,
  query: { readonly filename?: string; readonly normalize?: string; readonly hash?: string },
  limit: number,
): Promise<ReceivedUpload> {
  const counted = { bytes: 0 };
  const normalize = commaList(query.normalize);
  const hash = commaList(query.hash);
  const files: string[] = [];
  if (request.isMultipart()) {
    for await (const part of request.parts()) {
      if (part.type === 'field') {
        const value = typeof part.value === 'string' ? part.value : '';
        if (part.fieldname === 'normalize') normalize.push(...commaList(value));
        else if (part.fieldname === 'hash') hash.push(...commaList(value));
        else throw badRequest('unknown-field', `the upload form has no field '${part.fieldname}'`, 'send files, and optionally normalize and hash');
        continue;
      }
      const relative = checkUploadPath(part.filename);
      if (files.includes(relative)) throw badRequest('duplicate-file', `the upload names '${relative}' twice`);
      if (files.length >= MAX_FILES) throw badRequest('too-many-files', `an upload holds at most ${MAX_FILES} files`);
      await writeFile(dir, relative, part.file, limit, counted);
      files.push(relative);
    }
    if (files.length === 0) throw badRequest('no-input', 'the upload form holds no file');
  } else {
    if (query.filename === undefined) throw badRequest('invalid-filename', 'say the file\'s name with ?filename=', 'e.g. ?filename=customers.csv');
    const relative = checkUploadPath(query.filename);
    if (relative.includes('/')) throw badRequest('invalid-filename', `'${relative}' is not a plain file name`, 'send folders as a multipart form');
    const body = request.body as Readable | undefined;
    if (body === undefined || typeof (body as { pipe?: unknown }).pipe !== 'function') {
      throw new HttpProblem(415, {
        code: 'unsupported-media-type',
        message: 'send the file as the request body with Content-Type application/octet-stream, or several as multipart/form-data',
      });
    }
    await writeFile(dir, relative, body, limit, counted);
    files.push(relative);
  }
  return { files, bytes: counted.bytes, normalize, hash };
}
