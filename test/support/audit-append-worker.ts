/**
 * One of several OS processes appending to one audit chain at once
 * (src/audit/concurrent-append.test.ts), on SQLite or PostgreSQL.
 * Usage: node --import tsx audit-append-worker.ts <metadata file or URL> <name> <count> [peer]
 * Prints `ready`, waits for a line on stdin so that every process starts at once, then
 * `count` times: creates a member (a change and its entry in one transaction), and
 * submits and cancels a query (two entries, each in its own transaction). Prints
 * `{"done": count}` as its last line. With a peer (another worker's name), each round
 * waits until the peer has finished its previous round, so the two interleave even when
 * a loaded machine would let one run all its rounds before the other is scheduled.
 */
import { createInterface } from 'node:readline';
import { createMember } from '../../src/collaboration/members.ts';
import { insertQuery, markCancelled } from '../../src/collaboration/query-records.ts';
import { openTestMetadata } from './metadata-backends.ts';

const [spec, name, countText, peer] = process.argv.slice(2);
if (spec === undefined || name === undefined || countText === undefined) {
  throw new Error('usage: audit-append-worker.ts <metadata file or URL> <name> <count>');
}
const count = Number(countText);
const db = await openTestMetadata(spec);
process.stdout.write('ready\n');
const lines = createInterface({ input: process.stdin });
await new Promise<void>((resolve) => lines.once('line', () => resolve()));
lines.close();
process.stdin.destroy();

/** Waits (at most 10 s, then goes on) until the peer has created its member of round `i`. */
async function peerReached(i: number): Promise<void> {
  if (peer === undefined || i < 0) return;
  const until = Date.now() + 10_000;
  while (Date.now() < until) {
    const row = await db.selectFrom('members').select('name').where('name', '=', `${peer}-m${i}`).executeTakeFirst();
    if (row !== undefined) return;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

for (let i = 0; i < count; i++) {
  await peerReached(i - 1);
  await createMember(db, `${name}-m${i}`);
  const id = `${name}-q${i}`;
  await insertQuery(db, { id, collaboration_id: 0, runner: name, receiver: name, sql_text: 'sealed', template_id: null, parameters_json: null });
  await markCancelled(db, id, 0);
  // A moment between changes, as between real requests: without it SQLite's busy
  // handler lets one process take every lock in turn, and the processes never interleave.
  await new Promise((resolve) => setTimeout(resolve, 2));
}
await db.destroy();
process.stdout.write(`${JSON.stringify({ done: count })}\n`);
