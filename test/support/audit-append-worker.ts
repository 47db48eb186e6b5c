/**
 * One of several OS processes appending to one audit chain at once
 * (src/audit/concurrent-append.test.ts), on SQLite or PostgreSQL.
 * Usage: node --import tsx audit-append-worker.ts <metadata file or URL> <name> <count>
 * Prints `ready`, waits for a line on stdin so that every process starts at once, then
 * `count` times: creates a member (a change and its entry in one transaction), and
 * submits and cancels a query (two entries, each in its own transaction). Prints
 * `{"done": count}` as its last line.
 */
import { createInterface } from 'node:readline';
import { createMember } from '../../src/collaboration/members.ts';
import { insertQuery, markCancelled } from '../../src/collaboration/query-records.ts';
import { openTestMetadata } from './metadata-backends.ts';

const [spec, name, countText] = process.argv.slice(2);
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

for (let i = 0; i < count; i++) {
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
