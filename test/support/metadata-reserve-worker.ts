/**
 * One of several OS processes that race for the same privacy budget on one metadata
 * database, SQLite or PostgreSQL (test/metadata-postgres.test.ts).
 * Usage: node --import tsx metadata-reserve-worker.ts <metadata file or URL> <tableId> <name>
 * Prints `ready`, waits for a line on stdin so that every process starts at once, then
 * reserves one COUNT (public group keys) after another until refused, marking every
 * other reservation spent. Prints `{"reserved": n, "refusal": code}` as its last line.
 * Reading the spent total is followed by a pause: it widens the gap between that read
 * and inserting the reservation, so that without the write lock the processes would
 * overdraw the budget in nearly every run, not once in a while.
 */
import { createInterface } from 'node:readline';
import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';
import { reserveBudget, settleBudget } from '../../src/collaboration/privacy-budgets.ts';
import { openTestMetadata } from './metadata-backends.ts';

const [spec, tableText, name] = process.argv.slice(2);
if (spec === undefined || tableText === undefined || name === undefined) {
  throw new Error('usage: metadata-reserve-worker.ts <metadata file or URL> <tableId> <name>');
}
class PauseAfterSpentRead implements KyselyPlugin {
  readonly #spentReads = new Set<string>();

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    // spentNow: SELECT sum(epsilon), sum(delta) FROM privacy_ledger ...
    if (args.node.kind === 'SelectQueryNode' && JSON.stringify(args.node).includes('sum(epsilon)')) this.#spentReads.add(args.queryId.queryId);
    return args.node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    if (this.#spentReads.delete(args.queryId.queryId)) await new Promise((resolve) => setTimeout(resolve, 10));
    return args.result;
  }
}

const tableId = Number(tableText);
const db = await openTestMetadata(spec);
const workspace = { db: db.withPlugin(new PauseAfterSpentRead()) };
process.stdout.write('ready\n');
const lines = createInterface({ input: process.stdin });
await new Promise<void>((resolve) => lines.once('line', () => resolve()));
lines.close();
process.stdin.destroy();

let reserved = 0;
let refusal = '';
for (let i = 0; ; i++) {
  const queryId = `${name}-${i}`;
  const r = await reserveBudget(workspace, { queryId, runner: name, tableIds: [tableId], kinds: ['COUNT'], partitionSelection: false, now: new Date() });
  if (!r.ok) {
    refusal = r.error.code;
    break;
  }
  reserved++;
  if (i % 2 === 1) await settleBudget(workspace, queryId, 'spent');
}
await db.destroy();
process.stdout.write(`${JSON.stringify({ reserved, refusal })}\n`);
