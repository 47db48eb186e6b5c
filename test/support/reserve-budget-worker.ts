/**
 * One of several OS processes that race for the same privacy budget (test/privacy-budget.test.ts).
 * Usage: node --import tsx reserve-budget-worker.ts <metadata.db> <tableId> <name> <plain|refunds>
 * Prints `ready`, waits for a line on stdin so that every process starts at once, then
 * reserves one COUNT (public group keys) after another until refused, pausing a moment
 * between reserving and settling as a running query would. In `refunds` mode it
 * refunds every third reservation and marks every third spent, like queries that fail or
 * release. Prints the final tally as one JSON line.
 */
import { createInterface } from 'node:readline';
import { reserveBudget, settleBudget } from '../../src/collaboration/privacy-budgets.ts';
import { openDatabase } from '../../src/metadata/open-database.ts';

const [file, tableText, name, mode] = process.argv.slice(2);
if (file === undefined || tableText === undefined || name === undefined || (mode !== 'plain' && mode !== 'refunds')) {
  throw new Error('usage: reserve-budget-worker.ts <metadata.db> <tableId> <name> <plain|refunds>');
}
const tableId = Number(tableText);
const db = await openDatabase(file);
const workspace = { db };
process.stdout.write('ready\n');
const lines = createInterface({ input: process.stdin });
await new Promise<void>((resolve) => lines.once('line', () => resolve()));
// An open stdin would keep this process alive after its work.
lines.close();
process.stdin.destroy();

let reserved = 0;
let refunded = 0;
let refusal = '';
for (let i = 0; ; i++) {
  const queryId = `${name}-${i}`;
  const r = await reserveBudget(workspace, { queryId, runner: name, tableIds: [tableId], kinds: ['COUNT'], partitionSelection: false, now: new Date() });
  if (!r.ok) {
    refusal = r.error.code;
    break;
  }
  reserved++;
  // The query "runs" (the write lock is free meanwhile), then settles, as in real use.
  await new Promise((resolve) => setTimeout(resolve, 1));
  if (mode === 'refunds' && i % 3 === 0) {
    await settleBudget(workspace, queryId, 'refunded');
    refunded++;
  } else if (i % 3 === 1) {
    await settleBudget(workspace, queryId, 'spent');
  }
}
await db.destroy();
process.stdout.write(`${JSON.stringify({ reserved, refunded, refusal })}\n`);
