import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCollaboration, enableDifferenceChecks, findCollaboration } from './collaborations.ts';
import { applyStickyAnswers, differenceSecret, symmetricDifference, userSet, type MeasureValue, type StickyRow } from './difference-store.ts';
import { deleteCollaboration } from './membership-changes.ts';
import { createMember } from './members.ts';
import { Workspace } from './workspace.ts';

const USERS = 'users';
const SUM = 'sum:1#0.cost';
const COUNT = 'count_distinct:1#0.email';

function row(users: readonly number[], values: Readonly<Record<string, MeasureValue>>, group = '[]'): StickyRow {
  return { group, users: new Map([[USERS, userSet(users)]]), measures: new Map(Object.entries(values)) };
}
const sum = (value: number): Record<string, MeasureValue> => ({ [SUM]: { type: 'DOUBLE', value } });
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);
/** k = 3 for the one constrained column. */
const K = new Map([[USERS, 3]]);

describe('user sets', () => {
  it('sorts, removes repeats and counts the symmetric difference up to a limit', () => {
    const a = userSet([5, 1, 3, 3]);
    expect([...a.hashes]).toEqual([1, 3, 5]);
    expect(symmetricDifference(a.hashes, userSet([1, 3, 5]).hashes, 10)).toBe(0);
    expect(symmetricDifference(a.hashes, userSet([1, 5, 7, 9]).hashes, 10)).toBe(3);
    expect(symmetricDifference(a.hashes, userSet([2, 4, 6, 8]).hashes, 3)).toBe(3);
    expect(symmetricDifference(a.hashes, userSet([]).hashes, 10)).toBe(3);
  });

  it('gives equal sets equal fingerprints and refuses what is not a 52-bit hash', () => {
    expect(userSet([2 ** 52 - 1, 7]).fingerprint).toBe(userSet([7, 2 ** 52 - 1]).fingerprint);
    expect(userSet([1, 2]).fingerprint).not.toBe(userSet([1, 3]).fingerprint);
    expect(() => userSet([2 ** 53 + 2])).toThrow(/Internal error/);
  });
});

describe('applyStickyAnswers (a real workspace)', () => {
  let dir: string;
  let ws: Workspace;
  let collaboration = 0;
  let name = 0;
  /** A fresh collaboration with difference checks: every test starts from an empty store. */
  async function fresh(): Promise<number> {
    const created = await createCollaboration(ws.db, 'brand', `c${++name}`, [{ member: 'brand', query: true, receive: true }], true, { differenceChecks: true });
    collaboration = created.id;
    return created.id;
  }
  const apply = (rows: StickyRow[]): Promise<ReadonlyMap<string, MeasureValue>[]> => applyStickyAnswers(ws.db, collaboration, 'q', rows, K);
  const valueOf = async (r: StickyRow): Promise<unknown> => (await apply([r]))[0]?.get(SUM)?.value;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cr-dstore-'));
    ws = await Workspace.open(join(dir, 'home'), { threads: 1, memoryLimit: '1GB' });
    await createMember(ws.db, 'brand');
  });
  afterAll(async () => {
    await ws.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    ['with the target first', [range(1, 10), range(1, 9)]],
    ['without the target first', [range(1, 9), range(1, 10)]],
  ])('answers the second of two sets one user apart with the first one\'s values (%s)', async (_label, [first, second]) => {
    await fresh();
    expect(await valueOf(row(first ?? [], sum(100)))).toBe(100);
    expect(await valueOf(row(second ?? [], sum(90)))).toBe(100);
  });

  it('answers fresh when the sets are equal or k or more users apart', async () => {
    await fresh();
    await valueOf(row(range(1, 10), sum(100)));
    expect(await valueOf(row(range(1, 10), sum(101)))).toBe(101); // same users: a row-level change is not checked
    expect(await valueOf(row(range(4, 10), sum(70)))).toBe(70); // 3 = k users fewer
    expect(await valueOf(row([...range(1, 10), 50, 51, 52], sum(130)))).toBe(130);
  });

  it('is sticky per measure and type: a measure never released near is fresh', async () => {
    await fresh();
    await apply([row(range(1, 10), sum(100))]);
    const [m] = await apply([row(range(1, 9), { ...sum(90), [COUNT]: { type: 'BIGINT', value: '9' } })]);
    expect(m?.get(SUM)?.value).toBe(100);
    expect(m?.get(COUNT)?.value).toBe('9');
    const [other] = await apply([row(range(1, 8), { [SUM]: { type: 'HUGEINT', value: '80' } })]);
    expect(other?.get(SUM)?.value).toBe('80');
  });

  it('checks the rows of one query against each other, in the given order', async () => {
    await fresh();
    const out = await apply([row(range(1, 10), sum(100), '["a"]'), row(range(1, 11), sum(111), '["b"]'), row(range(20, 40), sum(5), '["c"]')]);
    expect(out.map((m) => m.get(SUM)?.value)).toEqual([100, 100, 5]);
  });

  it('prefers a near row of the same group, then the earliest', async () => {
    await fresh();
    await apply([row(range(1, 10), sum(1), '["x"]')]);
    await apply([row(range(1, 10).concat(30, 31, 32), sum(2), '["y"]')]);
    // 1 user from x's set, 2 from y's: both near.
    expect(await valueOf(row(range(1, 10).concat(30), sum(9), '["y"]'))).toBe(2);
    expect(await valueOf(row(range(1, 10).concat(31), sum(9), '["z"]'))).toBe(1);
  });

  it('compares only constrained columns both rows have, with each column\'s own k', async () => {
    await fresh();
    const two = (a: number[], b: number[], v: number): StickyRow => ({
      group: '[]',
      users: new Map([[USERS, userSet(a)], ['other', userSet(b)]]),
      measures: new Map(Object.entries(sum(v))),
    });
    const k = new Map([[USERS, 3], ['other', 10]]);
    await applyStickyAnswers(ws.db, collaboration, 'q', [two(range(1, 10), range(100, 150), 100)], k);
    // USERS 5 apart (>= 3), other 5 apart (< 10): near through `other`.
    const [m] = await applyStickyAnswers(ws.db, collaboration, 'q', [two(range(6, 15), range(105, 150), 7)], k);
    expect(m?.get(SUM)?.value).toBe(100);
    // A row without `other`: USERS 6 apart from both, fresh.
    const [n] = await applyStickyAnswers(ws.db, collaboration, 'q', [row(range(16, 19).concat(range(1, 5)), sum(8))], k);
    expect(n?.get(SUM)?.value).toBe(8);
  });

  it('remembers a rerun of the same question once', async () => {
    const id = await fresh();
    for (let i = 0; i < 3; i++) await apply([row(range(1, 10), sum(100))]);
    const stored = await ws.db.selectFrom('difference_rows').select('id').where('collaboration_id', '=', id).execute();
    expect(stored).toHaveLength(1);
  });

  it('keeps one secret per collaboration and forgets everything when the collaboration is deleted', async () => {
    const id = await fresh();
    const secret = await differenceSecret(ws.db, id);
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    expect(await differenceSecret(ws.db, id)).toBe(secret);
    await apply([row(range(1, 10), sum(100))]);
    await deleteCollaboration(ws.db, 'brand', `c${name}`);
    expect(await ws.db.selectFrom('difference_sets').select('row_id').where('collaboration_id', '=', id).execute()).toHaveLength(0);
    expect(await ws.db.selectFrom('difference_check_keys').select('secret').where('collaboration_id', '=', id).execute()).toHaveLength(0);
  });

  it('is turned on by the creator only, and stays on', async () => {
    await createMember(ws.db, 'agency');
    await createCollaboration(ws.db, 'brand', 'later', [
      { member: 'brand', query: true, receive: true }, { member: 'agency', query: true, receive: true },
    ], true);
    expect((await findCollaboration(ws.db, 'later')).differenceChecks).toBe(false);
    await expect(enableDifferenceChecks(ws.db, 'agency', 'later')).rejects.toThrow(/not accepted|only the creator/);
    expect((await enableDifferenceChecks(ws.db, 'brand', 'later')).differenceChecks).toBe(true);
    expect((await findCollaboration(ws.db, 'later')).differenceChecks).toBe(true);
  });

  it('decides atomically across processes: racing near rows all get the first committed answer', async () => {
    const id = await fresh();
    const store = fileURLToPath(new URL('./difference-store.ts', import.meta.url));
    const open = fileURLToPath(new URL('../metadata/open-database.ts', import.meta.url));
    const file = join(ws.home, 'metadata.db');
    const script = (i: number): string => `
      const { applyStickyAnswers, userSet } = await import(${JSON.stringify(store)});
      const { openDatabase } = await import(${JSON.stringify(open)});
      const db = await openDatabase(${JSON.stringify(file)});
      process.stdout.write('ready\\n');
      await new Promise((r) => process.stdin.once('data', r));
      process.stdin.destroy();
      const users = Array.from({ length: 20 }, (_, u) => u).filter((u) => u !== ${i});
      const [m] = await applyStickyAnswers(db, ${id}, 'q${i}', [{ group: '[]', users: new Map([['users', userSet(users)]]),
        measures: new Map([['${SUM}', { type: 'DOUBLE', value: ${1000 + i} }]]) }], new Map([['users', 3]]));
      process.stdout.write(JSON.stringify(m.get('${SUM}').value) + '\\n');
      await db.destroy();`;
    const children = [0, 1, 2, 3].map((i) => spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script(i)], { stdio: ['pipe', 'pipe', 'pipe'] }));
    const outputs = children.map((child) => {
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
      child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
      const ready = new Promise<void>((resolve, reject) => {
        const poll = setInterval(() => {
          if (out.includes('ready')) { clearInterval(poll); resolve(); }
        }, 10);
        child.on('exit', (code) => { clearInterval(poll); if (!out.includes('ready')) reject(new Error(`worker ${code}: ${err}`)); });
      });
      const done = new Promise<string>((resolve, reject) => child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(err)))));
      return { child, ready, done };
    });
    await Promise.all(outputs.map((o) => o.ready));
    for (const o of outputs) o.child.stdin.write('go\n');
    const values = (await Promise.all(outputs.map((o) => o.done))).map((text) => text.split('\n')[1]);
    // Every pair of these sets is 2 users apart (< k = 3): one fresh answer, three sticky.
    expect(new Set(values).size).toBe(1);
  }, 60_000);
});
