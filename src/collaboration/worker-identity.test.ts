import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCollaboration } from './collaborations.ts';
import { createMember } from './members.ts';
import { insertQuery } from './query-records.ts';
import { workerHost, workerPlace } from './worker-identity.ts';
import { Workspace } from './workspace.ts';

describe('workerPlace', () => {
  it('tells this boot, an earlier boot of this machine, and another machine apart', () => {
    expect(workerPlace('box/boot-2', 'box/boot-2')).toBe('here');
    expect(workerPlace('box/boot-1', 'box/boot-2')).toBe('rebooted');
    expect(workerPlace('other/boot-2', 'box/boot-2')).toBe('elsewhere');
    // Rows from before the host was recorded are judged by their pid, as before.
    expect(workerPlace(null, 'box/boot-2')).toBe('here');
    expect(workerHost().startsWith(hostname())).toBe(true);
  });
});

describe('interrupted queries at start-up', () => {
  it('fails this machine\'s dead or pre-reboot queries and leaves another machine\'s alone', async () => {
    const home = mkdtempSync(join(tmpdir(), 'cr-worker-'));
    try {
      let ws = await Workspace.open(home);
      await createMember(ws.db, 'brand');
      const c = await createCollaboration(ws.db, 'brand', 'media', [{ member: 'brand', query: true, receive: true }], true);
      const row = (id: string) => ({ id, collaboration_id: c.id, runner: 'brand', receiver: 'brand', sql_text: 'x', template_id: null, parameters_json: null });
      for (const id of ['alive-elsewhere', 'rebooted', 'dead-here', 'alive-here']) await insertQuery(ws.db, row(id));
      const here = workerHost();
      // A pid that is certainly dead here (pids stay far below 2^22 on Linux).
      const dead = 4_194_000;
      await ws.db.updateTable('queries').set({ worker_host: 'some-other-machine/abc', worker_pid: dead }).where('id', '=', 'alive-elsewhere').execute();
      await ws.db.updateTable('queries').set({ worker_host: `${hostname()}/an-earlier-boot`, worker_pid: process.pid }).where('id', '=', 'rebooted').execute();
      await ws.db.updateTable('queries').set({ worker_host: here, worker_pid: dead }).where('id', '=', 'dead-here').execute();
      await ws.db.updateTable('queries').set({ worker_host: here, worker_pid: process.pid }).where('id', '=', 'alive-here').execute();
      await ws.close();
      ws = await Workspace.open(home);
      const statuses = Object.fromEntries((await ws.db.selectFrom('queries').select(['id', 'status']).execute()).map((r) => [r.id, r.status]));
      expect(statuses).toEqual({ 'alive-elsewhere': 'submitted', rebooted: 'failed', 'dead-here': 'failed', 'alive-here': 'submitted' });
      await ws.close();
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
