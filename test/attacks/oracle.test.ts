/**
 * Attack suite 3/4 — (f) engine errors. An engine error is hidden from the member, but
 * WHETHER a query fails is still one bit. If that bit depends on rows the runner cannot
 * see, it is a membership oracle that bypasses every threshold.
 *
 * The brand registers its own conversions as Parquet with a DECIMAL(38,0) `price` (the
 * ingest keeps that type) and grants itself SUM on it. It plants two rows for a target
 * e-mail, each 9.99e37, so that their sum passes the 128-bit limit. SUM(v.price) over
 * the join with the platform's impressions then overflows if and only if the target is
 * in the platform's impressions, whatever the thresholds say about the total row.
 * The safe behaviour: the two runs look the same to the brand.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runQuery, type QueryOutcome } from '../../src/collaboration/run-query.ts';
import type { Workspace } from '../../src/collaboration/workspace.ts';
import { filesWorkspace, writeParquet } from '../support/attack-support.ts';
import { mediaWorkspace } from '../support/media-fixture.ts';

const BIG = '99999999999999999999999999999999999999'; // 38 digits, DECIMAL(38,0) maximum
// hidden@x.com is in the platform's impressions; the brand cannot see that (only 1-2 people match).
const IMPRESSIONS = `email_address,creative_id,cost,campaign_id,device_type
a@x.com,cr1,1,cmp1,mobile
b@x.com,cr1,2,cmp1,mobile
c@x.com,cr2,4,cmp1,desktop
hidden@x.com,cr2,8,cmp2,desktop
`;
const CUSTOMERS = 'email_address,state,birth_country\na@x.com,CA,US\nb@x.com,CA,US\n';

const workspaces: { workspace: Workspace; dir: string }[] = [];
let scratch: string;

async function brandPlanting(target: string): Promise<Workspace> {
  const dir = mkdtempSync(join(scratch, 'w-'));
  const conversions = await writeParquet(dir, 'conversions', `
    SELECT * FROM (VALUES
      ('${target}', 't1', CAST('${BIG}' AS DECIMAL(38,0)), 'cr1', 'purchase'),
      ('${target}', 't2', CAST('${BIG}' AS DECIMAL(38,0)), 'cr1', 'purchase'),
      ('a@x.com',   't3', CAST('1' AS DECIMAL(38,0)),     'cr1', 'purchase')
    ) t(email_address, transaction_id, price, creative_id, event_type)`);
  const customers = join(dir, 'customers.csv');
  const impressions = join(dir, 'impressions.csv');
  writeFileSync(customers, CUSTOMERS);
  writeFileSync(impressions, IMPRESSIONS);
  const built = await filesWorkspace({ customers, conversions, impressions });
  workspaces.push(built);
  return built.workspace;
}

/** What the brand can observe of an outcome: the status and the error code, nothing else. */
function observable(outcome: QueryOutcome): string {
  if (outcome.status === 'succeeded') return `succeeded:${outcome.delivery?.rowCount ?? 'n/a'}`;
  if (outcome.status === 'accepted') return 'accepted';
  return `${outcome.status}:${outcome.error.code}`;
}

let present: Workspace;
let absent: Workspace;
beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'cr-oracle-'));
  present = await brandPlanting('hidden@x.com');
  absent = await brandPlanting('absent@x.com');
});
afterAll(async () => {
  for (const w of workspaces) await w.workspace.close();
  rmSync(scratch, { recursive: true, force: true });
});

describe('(f) no data-dependent engine failure', () => {
  const total = 'SELECT SUM(v.price) AS s FROM conversions v JOIN impressions i ON v.email_address = i.email_address';
  const grouped = 'SELECT i.campaign_id, SUM(v.price) AS s FROM conversions v JOIN impressions i ON v.email_address = i.email_address GROUP BY i.campaign_id';

  it.each([['total row', total], ['grouped', grouped]])(
    'ONE-BIT ORACLE (%s): SUM over a planted DECIMAL(38,0) must not tell whether a hidden person is in impressions',
    async (_label, sql) => {
      const withTarget = await runQuery(present, 'c', 'brand', sql);
      const withoutTarget = await runQuery(absent, 'c', 'brand', sql);
      // Neither run may return a row: fewer than 3 platform people reach any output row.
      expect(observable(withoutTarget)).toBe('succeeded:0');
      expect(observable(withTarget)).toBe(observable(withoutTarget));
    },
  );

  it('the engine text never reaches the member when a query does fail', async () => {
    const outcome = await runQuery(present, 'c', 'brand', total);
    if (outcome.status !== 'failed') return;
    const text = JSON.stringify(outcome);
    expect(text).not.toMatch(/Overflow|HUGEINT|9999999999/);
    expect(outcome.error.code).toBe('internal-error');
  });

  it('arithmetic over aggregates that overflows becomes NULL, not a failure (TRY around the slot)', async () => {
    // Sums are within range here; their product is not. The row is suppressed either way,
    // and the outcome must be the same with and without the hidden person.
    const sql = 'SELECT SUM(v.price) * SUM(v.price) * SUM(v.price) AS s FROM conversions v JOIN impressions i ON v.email_address = i.email_address ' +
      'HAVING SUM(v.price) * SUM(v.price) > 0';
    const a = await runQuery(absent, 'c', 'brand', sql);
    expect(observable(a)).toBe('succeeded:0');
  });
});

describe('join keys of different types', () => {
  it('a runner whose key column is BIGINT cannot join it to VARCHAR e-mails (an implicit cast would fail on hidden values)', async () => {
    const built = await mediaWorkspace({
      customers: 'email_address,state,birth_country\n1,CA,US\n2,CA,US\n',
      conversions: 'email_address,transaction_id,price,creative_id,event_type\na@x.com,t1,10,cr1,purchase\n',
      impressions: 'email_address,creative_id,cost,campaign_id,device_type\n1,cr1,1,cmp1,mobile\nz@x.com,cr1,2,cmp2,mobile\n',
    });
    workspaces.push(built);
    const outcome = await runQuery(built.workspace, 'c', 'brand',
      "SELECT COUNT(i.creative_id) AS n FROM impressions i JOIN customers c ON i.email_address = c.email_address WHERE i.campaign_id = 'cmp2'");
    expect(outcome.status).toBe('refused');
    if (outcome.status === 'refused') {
      expect(outcome.error.code).toBe('type-mismatch');
      expect(outcome.error.message).toMatch(/VARCHAR and BIGINT|text with numeric/);
    }
  });
});
