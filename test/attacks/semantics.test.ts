/**
 * Attack suite 2/4: queries the rule accepts, checked on their RESULT ROWS against
 * answers computed independently (plain DuckDB over the raw CSV, or by hand).
 * Duplicate-key amplification, thresholds without GROUP BY / without the constraint
 * column, self-joins, NULLs, silent suppression, dry runs, SQL injection, odd spellings.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryLogs } from '../../src/collaboration/query-logs.ts';
import { runQuery } from '../../src/collaboration/run-query.ts';
import type { Workspace } from '../../src/collaboration/workspace.ts';
import { plainRows, rowsOf, sortRows } from '../support/attack-support.ts';
import { aggregationRule, DEFAULT_RULES, mediaWorkspace } from '../support/media-fixture.ts';

// brand's customers repeat a@x.com 1000 times (the amplification attack); everybody else once.
const customers =
  'email_address,state,birth_country\n' +
  'a@x.com,CA,US\n'.repeat(1000) +
  'b@x.com,CA,US\nc@x.com,NY,US\nd@x.com,NY,FR\ne@x.com,TX,US\nf@x.com,TX,US\n';
// brand's conversions: one person converts twice (two distinct rows that both count).
const conversions = `email_address,transaction_id,price,creative_id,event_type
a@x.com,t1,10,cr1,purchase
a@x.com,t2,10,cr1,purchase
b@x.com,t3,20,cr1,purchase
c@x.com,t4,30,cr2,purchase
`;
// cmp1: a (3 rows, one a repeat of the same values), b, c -> 3 people.
// cmp2: d, e -> 2 people (below the platform's threshold of 3).
// cmp3: f and two NULL e-mails, which never join.
const impressions = `email_address,creative_id,cost,campaign_id,device_type
a@x.com,cr1,1000,cmp1,mobile
a@x.com,cr1,1000,cmp1,mobile
a@x.com,cr2,7,cmp1,desktop
b@x.com,cr1,2,cmp1,mobile
c@x.com,cr2,4,cmp1,desktop
d@x.com,cr2,8,cmp2,desktop
e@x.com,cr2,16,cmp2,tv
f@x.com,cr1,32,cmp3,tv
,cr1,64,cmp3,tv
,cr1,128,cmp3,tv
o'brien@x.com,cr9,256,o'brien,tv
`;
const csv = { customers, conversions, impressions };
const J = 'FROM impressions i JOIN customers c ON i.email_address = c.email_address';

let workspace: Workspace;
let dir: string;
beforeAll(async () => {
  ({ workspace, dir } = await mediaWorkspace(csv));
});
afterAll(async () => {
  await workspace.close();
  rmSync(dir, { recursive: true, force: true });
});

const brand = (sql: string, options = {}) => runQuery(workspace, 'c', 'brand', sql, options);

describe('(a) duplicate-key amplification', () => {
  it('SUM and COUNT per group count each impression row once, however often the runner repeats the key', async () => {
    const got = rowsOf(await brand(
      `SELECT i.campaign_id, SUM(i.cost) AS cost, COUNT(i.creative_id) AS n, COUNT(DISTINCT i.email_address) AS people ${J} GROUP BY i.campaign_id`,
    ));
    // Each impression row once: exists-semi-join, not a join; thresholds 3 (impressions) and 2 (customers).
    const expected = await plainRows(csv, `
      SELECT campaign_id, SUM(cost), COUNT(creative_id), COUNT(DISTINCT email_address) FROM impressions
      WHERE email_address IN (SELECT email_address FROM customers)
      GROUP BY campaign_id HAVING COUNT(DISTINCT email_address) >= 3`);
    expect(expected).toEqual([['cmp1', 2013, 5, 3]]); // by hand: 1000+1000+7+2+4
    expect(sortRows(got)).toEqual(sortRows(expected));
  });

  it("SUM over the runner's own repeated rows is not multiplied by the platform's rows", async () => {
    // a@x.com has 3 impressions; her two conversions must count once each (20, not 60).
    const got = rowsOf(await brand(
      'SELECT SUM(v.price) AS revenue FROM conversions v JOIN impressions i ON v.email_address = i.email_address',
    ));
    const expected = await plainRows(csv,
      'SELECT SUM(price) FROM conversions WHERE email_address IN (SELECT email_address FROM impressions)');
    expect(expected).toEqual([[70]]); // by hand: 10 + 10 + 20 + 30, a@x.com's three impressions do not multiply it
    expect(got).toEqual(expected);
  });

  it('arithmetic on aggregates (average frequency) uses the row-once counts', async () => {
    const got = rowsOf(await brand(
      `SELECT i.campaign_id, COUNT(i.creative_id) / COUNT(DISTINCT i.email_address) AS freq ${J} GROUP BY i.campaign_id`,
    ));
    expect(got).toEqual([['cmp1', 5 / 3]]);
  });
});

describe('(b) thresholds apply to every output row', () => {
  it('a total row without GROUP BY and without the constraint column is suppressed below the threshold', async () => {
    // Only d and e match: 2 distinct people < 3.
    const outcome = await brand(`SELECT SUM(i.cost) AS cost ${J} WHERE i.campaign_id = 'cmp2'`);
    expect(rowsOf(outcome)).toEqual([]);
  });

  it('the same total row appears when enough people produce it (control)', async () => {
    const got = rowsOf(await brand(`SELECT SUM(i.cost) AS cost ${J} WHERE i.campaign_id IN ('cmp1', 'cmp2')`));
    const expected = await plainRows(csv, `SELECT SUM(cost) FROM impressions WHERE campaign_id IN ('cmp1','cmp2')
      AND email_address IN (SELECT email_address FROM customers)`);
    expect(got).toEqual(expected);
  });

  it('a small group is dropped from a grouped result even when no COUNT is selected', async () => {
    const got = rowsOf(await brand(`SELECT i.campaign_id, SUM(i.cost) AS cost ${J} GROUP BY i.campaign_id ORDER BY i.campaign_id`));
    expect(got.map((r) => r[0])).toEqual(['cmp1']);
  });

  it('a group of the runner\'s own single person is dropped by the runner\'s own table\'s threshold', async () => {
    // customers' threshold is 2: a single-person filter on its own dimension gives no row.
    expect(rowsOf(await brand("SELECT COUNT(DISTINCT c.email_address) AS n FROM customers c WHERE c.state = 'NY' AND c.birth_country = 'FR'"))).toEqual([]);
  });
});

describe('(d) NULLs', () => {
  it('NULL e-mails neither join nor count toward the threshold', async () => {
    // cmp3 has f@x.com plus two NULL-e-mail rows: one person, so nothing comes out.
    expect(rowsOf(await brand(`SELECT SUM(i.cost) AS cost ${J} WHERE i.campaign_id = 'cmp3'`))).toEqual([]);
  });

  // The constraint is on user_id, not on the join column, so NULL rows do reach the output row.
  const nullRules = {
    impressions: aggregationRule({
      aggregateColumns: [
        { columnNames: ['user_id'], function: 'COUNT_DISTINCT' },
        { columnNames: ['cost'], function: 'SUM' },
      ],
      joinColumns: ['email_address'],
      joinRequired: 'QUERY_RUNNER',
      dimensionColumns: ['campaign_id'],
      scalarFunctions: [],
      outputConstraints: [{ columnName: 'user_id', minimum: 3, type: 'COUNT_DISTINCT' }],
    }),
  };
  async function withUserIds(imps: string) {
    const built = await mediaWorkspace({ customers, conversions, impressions: imps }, nullRules);
    try {
      return rowsOf(await runQuery(built.workspace, 'c', 'brand',
        `SELECT i.campaign_id, SUM(i.cost) AS cost ${J} GROUP BY i.campaign_id`));
    } finally {
      await built.workspace.close();
      rmSync(built.dir, { recursive: true, force: true });
    }
  }

  it('NULLs in the constrained column do not count: 2 user ids + 2 NULLs stay below 3', async () => {
    const imps = 'email_address,user_id,cost,campaign_id\na@x.com,u1,1,cmp1\nb@x.com,u2,2,cmp1\nc@x.com,,4,cmp1\nd@x.com,,8,cmp1\n';
    expect(await withUserIds(imps)).toEqual([]);
  });

  it('three non-NULL user ids pass (control)', async () => {
    const imps = 'email_address,user_id,cost,campaign_id\na@x.com,u1,1,cmp1\nb@x.com,u2,2,cmp1\nc@x.com,u3,4,cmp1\nd@x.com,,8,cmp1\n';
    expect(await withUserIds(imps)).toEqual([['cmp1', 15]]);
  });
});

describe('SQL injection through literals', () => {
  it("a literal holding x' OR 1=1 -- matches no row instead of all rows", async () => {
    const got = rowsOf(await brand(
      `SELECT i.campaign_id, COUNT(i.creative_id) AS n ${J} WHERE i.campaign_id = 'x'' OR 1=1 --' GROUP BY i.campaign_id`,
    ));
    expect(got).toEqual([]);
    // Control: the same query with an honest literal returns the group.
    expect(rowsOf(await brand(`SELECT i.campaign_id, COUNT(i.creative_id) AS n ${J} WHERE i.campaign_id = 'cmp1' GROUP BY i.campaign_id`)))
      .toEqual([['cmp1', 5]]);
  });

  it('escaped quotes, E-strings, dollar quotes and trailing comments do not change the filter', async () => {
    for (const literal of ["'x'' OR ''1''=''1'", "e'x\\' OR 1=1 --'", "$$x' OR 1=1 --$$", "'x' -- ' OR 1=1"]) {
      const sql = `SELECT COUNT(i.creative_id) AS n ${J} WHERE i.campaign_id = ${literal}`;
      const outcome = await brand(sql);
      if (outcome.status === 'refused') continue; // refusing an odd spelling is safe too
      expect(rowsOf(outcome), sql).toEqual([]);
    }
  });
});

describe('spellings of names', () => {
  it('upper case and quoted identifiers name the same tables, and the rules still apply', async () => {
    const got = rowsOf(await brand(
      'SELECT I.CAMPAIGN_ID, COUNT(I.CREATIVE_ID) AS n FROM IMPRESSIONS I JOIN "customers" C ON I."EMAIL_ADDRESS" = C.email_address GROUP BY I.CAMPAIGN_ID',
    ));
    expect(got).toEqual([['cmp1', 5]]);
    const refused = await brand('SELECT I."EMAIL_ADDRESS", COUNT(I.CREATIVE_ID) FROM "IMPRESSIONS" I JOIN CUSTOMERS C ON I.EMAIL_ADDRESS = C.EMAIL_ADDRESS GROUP BY 1');
    expect(refused.status).toBe('refused');
  });

  it('aliases named like the planner\'s internal CTEs do not confuse the plan', async () => {
    for (const [a, b] of [['__cr_j', '__cr_m'], ['__cr_t0', '__cr_d0'], ['customers', 'impressions']] as const) {
      const sql = `SELECT ${a}.campaign_id, SUM(${a}.cost) AS cost FROM impressions AS ${a} JOIN customers AS ${b} ON ${a}.email_address = ${b}.email_address GROUP BY ${a}.campaign_id`;
      expect(rowsOf(await brand(sql)), sql).toEqual([['cmp1', 2013]]);
    }
  });

  it('an output alias named like a join column cannot smuggle the join column into GROUP BY or ORDER BY', async () => {
    const aliasGroup = await brand(`SELECT i.campaign_id AS email_address, COUNT(i.creative_id) AS n ${J} GROUP BY email_address`);
    if (aliasGroup.status === 'succeeded') expect(rowsOf(aliasGroup)).toEqual([['cmp1', 5]]);
    else expect(aliasGroup.status).toBe('refused');
    const aliasOrder = await brand(
      `SELECT i.campaign_id AS campaign, COUNT(DISTINCT i.email_address) AS email_address ${J} GROUP BY campaign ORDER BY email_address`,
    );
    expect(rowsOf(aliasOrder)).toEqual([['cmp1', 3]]);
  });

  it('a value with a quote in the data is matched by its escaped literal', async () => {
    // one person only: the group exists but is suppressed; the query itself must run.
    expect(rowsOf(await brand(`SELECT COUNT(i.creative_id) AS n ${J} WHERE i.campaign_id = 'o''brien'`))).toEqual([]);
  });

  it('comments inside the SQL are harmless', async () => {
    const got = rowsOf(await brand(
      `SELECT /* i.email_address, */ i.campaign_id, -- , i.email_address\n COUNT(i.creative_id) AS n ${J} GROUP BY i.campaign_id`,
    ));
    expect(got).toEqual([['cmp1', 5]]);
  });
});

describe('HAVING on exact counts (allowed by RULES.md: aggregates compared with literals)', () => {
  it('COUNT(DISTINCT join column) in HAVING only filters groups that already pass the threshold', async () => {
    const got = rowsOf(await brand(`SELECT i.campaign_id, COUNT(i.creative_id) AS n ${J} GROUP BY i.campaign_id HAVING COUNT(DISTINCT i.email_address) = 2`));
    expect(got).toEqual([]); // cmp2 has exactly 2 people but is below the threshold: never shown
  });
});

describe('big and deep inputs end in a clean verdict, never a crash', () => {
  it('5000 nested parentheses', async () => {
    const nested = `${'('.repeat(5000)}1${')'.repeat(5000)}`;
    const outcome = await brand(`SELECT COUNT(i.creative_id) AS n ${J} WHERE ${nested} = 1`);
    expect(['refused', 'succeeded']).toContain(outcome.status);
  });

  it('an IN list with 5000 values', async () => {
    const list = Array.from({ length: 5000 }, (_, k) => `'v${k}'`).join(', ');
    const outcome = await brand(`SELECT COUNT(i.creative_id) AS n ${J} WHERE i.device_type IN (${list}, 'mobile', 'desktop')`);
    const expected = await plainRows(csv, `SELECT COUNT(creative_id) FROM impressions WHERE device_type IN ('mobile', 'desktop')
      AND email_address IN (SELECT email_address FROM customers)`);
    expect(expected).toEqual([[6]]); // by hand: a x3, b, c, d
    expect(rowsOf(outcome)).toEqual(expected);
  });

  it('a chain of 5000 OR comparisons is refused or answered, not a stack overflow', async () => {
    const chain = Array.from({ length: 5000 }, () => "i.device_type = 'x'").join(' OR ');
    const outcome = await brand(`SELECT COUNT(i.creative_id) AS n ${J} WHERE ${chain}`);
    expect(['refused', 'succeeded']).toContain(outcome.status);
  });

  it('a chain of 5000 AND comparisons is refused or answered, not a stack overflow', async () => {
    const chain = Array.from({ length: 5000 }, () => "i.device_type <> 'x'").join(' AND ');
    const outcome = await brand(`SELECT COUNT(i.creative_id) AS n ${J} WHERE ${chain}`);
    expect(['refused', 'succeeded']).toContain(outcome.status);
  });

  it('a 100 kB query text', async () => {
    const pad = `/* ${'x'.repeat(100_000)} */`;
    const expected = await plainRows(csv, 'SELECT COUNT(creative_id) FROM impressions WHERE email_address IN (SELECT email_address FROM customers)');
    expect(expected).toEqual([[8]]);
    expect(rowsOf(await brand(`SELECT ${pad} COUNT(i.creative_id) AS n ${J}`))).toEqual(expected);
  });
});

describe('(e) suppression and refusal are silent to a runner who is not the receiver', () => {
  it('the outcome and the runner\'s log entry carry no count and no stats of the platform\'s table', async () => {
    const suppressed = await brand(`SELECT SUM(i.cost) AS cost ${J} WHERE i.campaign_id = 'cmp2'`, { receiver: 'platform' });
    expect(suppressed.status).toBe('succeeded');
    // Only the status: not even the duration (shared/RULES.md).
    expect(Object.keys(suppressed).sort()).toEqual(['id', 'status']);
    const refused = await brand(`SELECT i.email_address, COUNT(i.creative_id) ${J} GROUP BY 1`, { receiver: 'platform' });
    expect(refused.status).toBe('refused');
    if (refused.status !== 'refused') return;
    expect(JSON.stringify(refused.error)).not.toMatch(/\b(rows?|groups?)\b.*\b(dropped|suppressed|removed)\b/i);

    const log = await queryLogs(workspace.db, 'c', 'brand');
    for (const id of [suppressed.status === 'succeeded' ? suppressed.id : '', refused.id ?? '']) {
      const entry = log.find((e) => e.id === id);
      expect(entry, id).toBeDefined();
      expect(entry).not.toHaveProperty('rowCount');
      expect(entry).not.toHaveProperty('durationMs');
      expect(entry?.tableStats ?? {}).not.toHaveProperty('impressions');
      // Only the brand's own tables' figures may appear.
      expect(Object.keys(entry?.tableStats ?? {}).filter((t) => t !== 'customers' && t !== 'conversions')).toEqual([]);
    }
  });

  it('the owner of the referenced table sees its own figures (control that the log records them)', async () => {
    const log = await queryLogs(workspace.db, 'c', 'platform');
    expect(log.some((e) => e.tableStats?.['impressions'] !== undefined)).toBe(true);
  });
});

describe('(g) dry runs', () => {
  it('an accepted dry run returns the verdict and SQL, never data', async () => {
    const outcome = await brand(`SELECT i.campaign_id, SUM(i.cost) AS cost ${J} GROUP BY i.campaign_id`, { dryRun: true });
    expect(outcome.status).toBe('accepted');
    expect(Object.keys(outcome).sort()).toEqual(['sql', 'status']);
    const text = JSON.stringify(outcome);
    for (const value of ['a@x.com', 'cmp1', '2013', 'mobile', "o'brien"]) expect(text).not.toContain(value);
  });

  it('a refused dry run is refused the same way', async () => {
    const outcome = await brand(`SELECT i.email_address, COUNT(i.creative_id) ${J} GROUP BY 1`, { dryRun: true });
    expect(outcome.status).toBe('refused');
    expect(outcome).not.toHaveProperty('delivery');
  });
});

describe('(c) a self-join checks the constraint of each alias', () => {
  // Two join columns on both sides; i reaches 3 people by e-mail, j only 1 by phone.
  const rules = {
    customers: aggregationRule({
      aggregateColumns: [{ columnNames: ['email_address'], function: 'COUNT_DISTINCT' }],
      joinColumns: ['email_address', 'phone'],
      dimensionColumns: ['state'],
      scalarFunctions: [],
      outputConstraints: [{ columnName: 'email_address', minimum: 2, type: 'COUNT_DISTINCT' }],
    }),
    impressions: aggregationRule({
      aggregateColumns: [
        { columnNames: ['email_address'], function: 'COUNT_DISTINCT' },
        { columnNames: ['creative_id'], function: 'COUNT' },
      ],
      joinColumns: ['email_address', 'phone'],
      joinRequired: 'QUERY_RUNNER',
      dimensionColumns: ['campaign_id'],
      scalarFunctions: [],
      outputConstraints: [{ columnName: 'email_address', minimum: 3, type: 'COUNT_DISTINCT' }],
    }),
  };
  const selfCustomers = 'email_address,phone,state\na@x.com,p1,CA\nb@x.com,p1,CA\nc@x.com,p1,CA\n';
  const sql = 'SELECT i.campaign_id, COUNT(i.creative_id) AS n FROM impressions i JOIN customers c ON i.email_address = c.email_address ' +
    'JOIN impressions j ON j.phone = c.phone GROUP BY i.campaign_id';

  async function selfJoin(imps: string) {
    const { workspace: ws, dir: d } = await mediaWorkspace(
      { customers: selfCustomers, conversions, impressions: imps },
      { ...rules, conversions: DEFAULT_RULES.conversions },
    );
    try {
      return rowsOf(await runQuery(ws, 'c', 'brand', sql));
    } finally {
      await ws.close();
      rmSync(d, { recursive: true, force: true });
    }
  }

  it('the j alias reaches one person only: the row is suppressed', async () => {
    const imps = 'email_address,phone,creative_id,campaign_id\na@x.com,q1,cr1,cmp1\nb@x.com,q2,cr1,cmp1\nc@x.com,q3,cr1,cmp1\nz@x.com,p1,cr1,cmpZ\n';
    expect(await selfJoin(imps)).toEqual([]);
  });

  it('with three people behind j as well, the row appears (control)', async () => {
    const imps = 'email_address,phone,creative_id,campaign_id\na@x.com,q1,cr1,cmp1\nb@x.com,q2,cr1,cmp1\nc@x.com,q3,cr1,cmp1\n' +
      'z@x.com,p1,cr1,cmpZ\ny@x.com,p1,cr1,cmpZ\nx@x.com,p1,cr1,cmpZ\n';
    expect(await selfJoin(imps)).toEqual([['cmp1', 3]]);
  });
});
