import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { metadataBackends, openTestMetadata, POSTGRES_SKIPPED } from '../../test/support/metadata-backends.ts';
import { verifyAuditChain, type VerifyReport } from './verify.ts';

const WORKER = fileURLToPath(new URL('../../test/support/audit-append-worker.ts', import.meta.url));
const PER_WORKER = 40;
const NAMES = ['wa', 'wb'] as const;

/** Starts one worker per name on `spec`, lets them all go at once; resolves when they are under way. */
async function race(spec: string): Promise<{ readonly done: Promise<void> }> {
  // Each worker paces itself on the next one's progress, so the appends interleave.
  const children = NAMES.map((name, i) =>
    spawn(process.execPath, ['--import', 'tsx', WORKER, spec, name, String(PER_WORKER), NAMES[(i + 1) % NAMES.length]!], { stdio: ['pipe', 'pipe', 'pipe'] }),
  );
  const runs = children.map((child) => {
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const ready = new Promise<void>((resolve, reject) => {
      child.stdout.on('data', () => {
        if (out.startsWith('ready\n')) resolve();
      });
      child.on('exit', () => reject(new Error(`worker exited before it was ready: ${err}`)));
    });
    const done = new Promise<void>((resolve, reject) => {
      child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`worker failed (${code}): ${err}`))));
    });
    return { ready, done };
  });
  await Promise.all(runs.map((r) => r.ready));
  for (const child of children) child.stdin.end('go\n');
  return { done: Promise.all(runs.map((r) => r.done)).then(() => undefined) };
}

for (const backend of metadataBackends()) {
  describe.skipIf(!backend.available)(`audit appends from two processes at once (${backend.name})`, () => {
    afterAll(() => backend.cleanup());

    it('leave one intact chain with every entry of both, interleaved', async () => {
      const spec = await backend.fresh();
      // The first open creates the chain key and the start entry.
      const setup = await openTestMetadata(spec);
      await setup.destroy();
      const db = await openTestMetadata(spec);
      try {
        // Verifying while others append sees a consistent prefix every time.
        const running = await race(spec);
        let finished = false;
        void running.done.then(() => (finished = true), () => (finished = true));
        const during: VerifyReport[] = [];
        while (!finished) {
          during.push(await verifyAuditChain(db));
          // better-sqlite3 answers synchronously: without a macrotask here the workers'
          // exit events would never be handled and the loop would never end.
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
        await running.done;
        expect(during.length).toBeGreaterThan(0);
        expect(during.filter((r) => !r.ok)).toEqual([]);

        // Start entry + per iteration: member.create, query.submitted, query.cancelled.
        const expected = 1 + NAMES.length * PER_WORKER * 3;
        const report = await verifyAuditChain(db);
        expect(report).toMatchObject({ ok: true, entries: expected });
        const rows = await db.selectFrom('audit_log').select(['seq', 'action', 'subject']).orderBy('seq').execute();
        expect(rows).toHaveLength(expected);
        for (const name of NAMES) {
          const mine = rows.filter((r) => r.subject.startsWith(`${name}-`));
          for (const action of ['member.create', 'query.submitted', 'query.cancelled']) {
            expect(mine.filter((r) => r.action === action).map((r) => r.subject).sort()).toEqual(
              Array.from({ length: PER_WORKER }, (_, i) => `${name}-${action === 'member.create' ? 'm' : 'q'}${i}`).sort(),
            );
          }
        }
        // The appends really raced: each worker wrote entries between two of the other's.
        const owners = rows.slice(1).map((r) => r.subject.slice(0, 2));
        const switches = owners.filter((o, i) => i > 0 && o !== owners[i - 1]).length;
        expect(switches).toBeGreaterThan(2);
        expect(await db.selectFrom('members').select('name').execute()).toHaveLength(NAMES.length * PER_WORKER);
      } finally {
        await db.destroy();
      }
    }, 120_000);
  });
  if (!backend.available) it.skip(POSTGRES_SKIPPED, () => undefined);
}
