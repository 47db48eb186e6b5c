/**
 * The scheduler on a real workspace database, with work functions the test controls
 * (each "query" waits for the test or for its abort signal), so that limits, queueing,
 * cancellation, timeouts and the drain can be observed exactly.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCollaboration } from '../collaboration/collaborations.ts';
import { createMember } from '../collaboration/members.ts';
import { insertQuery } from '../collaboration/query-records.ts';
import type { QueryOutcome } from '../collaboration/run-query.ts';
import { Workspace } from '../collaboration/workspace.ts';
import { HttpProblem } from './http-problem.ts';
import { QueryScheduler, type FinishedQuery, type ScheduledRun } from './query-scheduler.ts';

describe('QueryScheduler', () => {
  let home: string;
  let ws: Workspace;
  let collaborationId: number;
  let counter = 0;
  beforeEach(async () => {
    home = mkdtempSync(join(tmpdir(), 'cr-sched-'));
    ws = await Workspace.open(home);
    await createMember(ws.db, 'brand');
    await createMember(ws.db, 'agency');
    collaborationId = (await createCollaboration(ws.db, 'brand', 'media', [{ member: 'brand', query: true, receive: true }, { member: 'agency', query: true, receive: true }], true)).id;
  });
  afterEach(async () => {
    await ws.close();
    rmSync(home, { recursive: true, force: true });
  });

  /** A query that is recorded, then runs until `release()` or its signal aborts. */
  function controlled(member: string): { start: (run: ScheduledRun) => Promise<QueryOutcome>; release: () => void; started: Promise<void> } {
    // Latched: a release before the query starts lets it finish as soon as it does.
    let released = false;
    let release: () => void = () => {
      released = true;
    };
    let markStarted: () => void = () => {};
    const started = new Promise<void>((resolve) => (markStarted = resolve));
    const start = async (run: ScheduledRun): Promise<QueryOutcome> => {
      const id = `q-${++counter}`;
      await insertQuery(ws.db, { id, collaboration_id: collaborationId, runner: member, receiver: member, sql_text: 'SELECT 1', template_id: null, parameters_json: null });
      run.onSubmitted(id);
      return run.schedule(id, async () => {
        markStarted();
        await new Promise<void>((resolve) => {
          if (released) resolve();
          release = resolve;
          run.signal.addEventListener('abort', () => resolve());
        });
        if (run.signal.aborted) {
          await ws.db.updateTable('queries').set({ status: 'cancelled' }).where('id', '=', id).execute();
          return { id, status: 'cancelled', error: { code: 'cancelled', message: 'cancelled' } };
        }
        await ws.db.updateTable('queries').set({ status: 'succeeded' }).where('id', '=', id).execute();
        return { id, status: 'succeeded' };
      });
    };
    return { start, release: () => release(), started };
  }

  async function statusOf(id: string): Promise<{ status: string; error: string | null }> {
    const row = await ws.db.selectFrom('queries').select(['status', 'error_json']).where('id', '=', id).executeTakeFirstOrThrow();
    return { status: row.status, error: row.error_json };
  }

  it('refuses a member\'s sixth query while five are queued or running, and not another member\'s', async () => {
    const scheduler = new QueryScheduler(ws.db, { perMember: 5, running: 1, queued: 100, timeoutMs: 60_000 });
    const five = Array.from({ length: 5 }, () => controlled('brand'));
    const ids = [];
    for (const q of five) ids.push(await scheduler.submit('brand', q.start));
    expect(scheduler.active).toBe(5);
    const sixth = scheduler.submit('brand', controlled('brand').start);
    await expect(sixth).rejects.toBeInstanceOf(HttpProblem);
    await expect(sixth).rejects.toMatchObject({ status: 429, diagnostic: { code: 'query-limit' } });
    const other = controlled('agency');
    await expect(scheduler.submit('agency', other.start)).resolves.toHaveProperty('id');
    // One slot: only the first runs; the rest wait in arrival order.
    await five[0]!.started;
    expect(scheduler.runningNow).toBe(1);
    five[0]!.release();
    await five[1]!.started;
    expect(scheduler.runningNow).toBe(1);
    for (const q of [five[1], five[2], five[3], five[4], other]) {
      q!.release();
    }
    await scheduler.drain(10_000);
    expect(scheduler.active).toBe(0);
  });

  it('cancels a waiting query without running it, and a running one through its signal', async () => {
    const finished: FinishedQuery[] = [];
    const scheduler = new QueryScheduler(ws.db, { perMember: 5, running: 1, queued: 100, timeoutMs: 60_000 }, (f) => finished.push(f));
    const running = controlled('brand');
    const waiting = controlled('brand');
    const a = (await scheduler.submit('brand', running.start)) as { id: string };
    const b = (await scheduler.submit('brand', waiting.start)) as { id: string };
    await running.started;
    expect(scheduler.cancel(b.id)).toBe(true);
    expect(await scheduler.waitFor(b.id, 5_000)).toMatchObject({ status: 'cancelled' });
    expect((await statusOf(b.id)).status).toBe('cancelled');
    expect(scheduler.cancel(a.id)).toBe(true);
    expect(await scheduler.waitFor(a.id, 5_000)).toMatchObject({ status: 'cancelled' });
    expect(scheduler.cancel('no-such-query')).toBe(false);
    expect(finished.map((f) => f.outcome.status).sort()).toEqual(['cancelled', 'cancelled']);
  });

  it('fails a query that runs past the timeout with its own reason', async () => {
    const scheduler = new QueryScheduler(ws.db, { perMember: 5, running: 1, queued: 100, timeoutMs: 200 });
    const slow = controlled('brand');
    const { id } = (await scheduler.submit('brand', slow.start)) as { id: string };
    const outcome = await scheduler.waitFor(id, 5_000);
    expect(outcome).toMatchObject({ status: 'failed', error: { code: 'query-timeout' } });
    const row = await statusOf(id);
    expect(row.status).toBe('failed');
    expect(JSON.parse(row.error ?? '{}')).toMatchObject({ code: 'query-timeout' });
  });

  it('drains on shutdown: refuses new queries, fails the ones still running after the grace', async () => {
    const scheduler = new QueryScheduler(ws.db, { perMember: 5, running: 2, queued: 100, timeoutMs: 60_000 });
    const quick = controlled('brand');
    const stuck = controlled('brand');
    const q1 = (await scheduler.submit('brand', quick.start)) as { id: string };
    const q2 = (await scheduler.submit('brand', stuck.start)) as { id: string };
    await Promise.all([quick.started, stuck.started]);
    setTimeout(() => quick.release(), 50);
    await scheduler.drain(300);
    expect((await statusOf(q1.id)).status).toBe('succeeded');
    const second = await statusOf(q2.id);
    expect(second.status).toBe('failed');
    expect(JSON.parse(second.error ?? '{}')).toMatchObject({ code: 'server-shutdown' });
    await expect(scheduler.submit('brand', controlled('brand').start)).rejects.toMatchObject({ status: 503, diagnostic: { code: 'shutting-down' } });
  });

  it('records a query whose work throws as failed, never left running', async () => {
    const scheduler = new QueryScheduler(ws.db);
    const { id } = (await scheduler.submit('brand', async (run) => {
      await insertQuery(ws.db, { id: 'q-boom', collaboration_id: collaborationId, runner: 'brand', receiver: 'brand', sql_text: 'SELECT 1', template_id: null, parameters_json: null });
      run.onSubmitted('q-boom');
      return run.schedule('q-boom', async () => {
        throw new Error('disk on fire');
      });
    })) as { id: string };
    expect(id).toBe('q-boom');
    expect(await scheduler.waitFor(id, 5_000)).toMatchObject({ status: 'failed', error: { code: 'internal-error' } });
    const row = await statusOf(id);
    expect(row.status).toBe('failed');
  });
});
