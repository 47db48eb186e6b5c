/**
 * Several files in one upload (multipart): one dataset version, partition folders kept
 * as in embedded mode; hostile part names and oversize forms refused, nothing registered.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CleanroomClient } from '../src/client/index.ts';
import { createDataset, showDataset } from '../src/collaboration/datasets.ts';
import { createMember } from '../src/collaboration/members.ts';
import { Workspace } from '../src/collaboration/workspace.ts';
import { ApiWorld } from './support/api-world.ts';
import { runCliAsync } from './support/run-cli-async.ts';

const A = 'email_address,segment\na@x.io,gold\nb@x.io,silver\nc@x.io,gold\n';
const B = 'email_address,segment\nd@x.io,gold\ne@x.io,silver\n';

describe('multipart dataset uploads', () => {
  let world: ApiWorld;
  let base: string;
  let token: string;
  let dir: string;
  beforeAll(async () => {
    world = await ApiWorld.start({ maxUploadBytes: 4096 });
    base = await world.server.app.listen({ host: '127.0.0.1', port: 0 });
    token = await world.member('brand');
    dir = mkdtempSync(join(tmpdir(), 'cr-upload-'));
    mkdirSync(join(dir, 'customers', 'year=2024'), { recursive: true });
    mkdirSync(join(dir, 'customers', 'year=2025'), { recursive: true });
    writeFileSync(join(dir, 'customers', 'year=2024', 'a.csv'), A);
    writeFileSync(join(dir, 'customers', 'year=2025', 'b.csv'), B);
  }, 60_000);
  afterAll(async () => {
    await world.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('registers a folder of partitioned files as one version, like embedded mode', async () => {
    // Async: the server answering it runs in this process.
    const r = await runCliAsync(dir, ['--server', base, '--token', token, 'dataset', 'create', 'brand', 'customers', join(dir, 'customers'), '--format', 'json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const remote = (await new CleanroomClient({ baseUrl: base, token }).datasets.show('brand', 'customers')) as unknown as {
      versions: { version: number; rowCount: number; columns: { name: string; type: string }[] }[];
    };
    // 3 + 2 rows, one version, a `year` column from the folder names.
    expect(remote.versions.map((v) => [v.version, v.rowCount])).toEqual([[1, 5]]);
    expect(remote.versions[0]!.columns.map((c) => c.name)).toContain('year');
    // The same folder registered embedded gives the same columns.
    const home = mkdtempSync(join(tmpdir(), 'cr-upload-embedded-'));
    try {
      const ws = await Workspace.open(home);
      await createMember(ws.db, 'brand');
      await createDataset(ws, 'brand', 'customers', [join(dir, 'customers')]);
      const local = await showDataset(ws, 'brand', 'customers');
      expect(remote.versions[0]!.columns).toEqual(local.versions[0]!.columns.map((c) => ({ ...c })));
      await ws.close();
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('refuses part names that leave the upload folder, and registers nothing', async () => {
    for (const name of ['../escape.csv', '/etc/passwd.csv', 'a/../../b.csv', '.hidden.csv', 'a\\b.csv']) {
      const form = new FormData();
      form.append('file', new Blob([A]), name);
      const response = await fetch(`${base}/v1/members/brand/datasets/evil`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
      expect(response.status, name).toBe(400);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('invalid-filename');
    }
    const list = (await (await fetch(`${base}/v1/members/brand/datasets`, { headers: { authorization: `Bearer ${token}` } })).json()) as { name: string }[];
    expect(list.map((d) => d.name)).not.toContain('evil');
  });

  it('counts the byte limit over all files of the form', async () => {
    const form = new FormData();
    for (let i = 0; i < 3; i++) form.append('file', new Blob([`email_address,segment\n${'x@x.io,gold\n'.repeat(150)}`]), `part-${i}.csv`);
    const response = await fetch(`${base}/v1/members/brand/datasets/big`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
    expect(response.status).toBe(413);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('upload-too-large');
  });
});
