import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { S3Client } from '@aws-sdk/client-s3';

/** A real S3-protocol server (s3rver) on loopback, for tests only. */
export interface S3TestServer {
  readonly endpoint: string;
  readonly bucket: string;
  /** s3rver's built-in account; it checks SigV4 signatures against these. */
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  close(): Promise<void>;
}

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../..');

/**
 * Starts s3rver on 127.0.0.1 with a random free port, a fresh folder and one bucket, in
 * a child process (s3rver-process.ts says why).
 */
export async function startS3TestServer(bucket = 'cleanroom-test'): Promise<S3TestServer> {
  const directory = await mkdtemp(path.join(tmpdir(), 'cr-s3rver-'));
  const child = spawn(
    process.execPath,
    ['--openssl-legacy-provider', '--import', 'tsx', path.join(here, 's3rver-process.ts'), directory, bucket],
    { cwd: repoRoot, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const line = out.split('\n', 1)[0];
        if (out.includes('\n') && line !== undefined) {
          const parsed: unknown = JSON.parse(line);
          if (typeof parsed === 'object' && parsed !== null && 'port' in parsed && typeof parsed.port === 'number') resolve(parsed.port);
          else reject(new Error(`s3rver test server said: ${line}`));
        }
      });
      child.once('exit', (code) => reject(new Error(`s3rver test server exited (${String(code)}): ${stderr.slice(0, 2000)}`)));
      child.once('error', reject);
    });
    return {
      endpoint: `http://127.0.0.1:${port}`,
      bucket,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      close: async () => {
        if (child.exitCode === null) child.kill('SIGTERM');
        await exited;
        await rm(directory, { recursive: true, force: true });
      },
    };
  } catch (e) {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
    await rm(directory, { recursive: true, force: true });
    throw e;
  }
}

/**
 * s3rver signs a bucket-level request (HeadBucket, ListObjectsV2, DeleteObjects) over
 * the path `/bucket`, while the SDK sends and signs `/bucket/`, so every such request
 * fails with SignatureDoesNotMatch. This middleware drops that trailing slash before
 * signing, so that the test server still checks every signature. Real S3 needs nothing.
 */
export function s3rverCompatible(client: S3Client): void {
  client.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { path?: unknown };
      if (typeof request.path === 'string' && /^\/[^/]+\/$/.test(request.path)) request.path = request.path.slice(0, -1);
      return next(args);
    },
    { step: 'build', name: 's3rverBucketPath' },
  );
}
