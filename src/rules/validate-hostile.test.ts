import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aggregationContext, listContext, QueryChecker } from './test-fixtures.ts';

/**
 * Odd and hostile queries: each must end in a Result (accepted or refused with a
 * diagnostic), never in an exception, and none of these may be accepted.
 */
let checker: QueryChecker;
beforeAll(async () => {
  checker = await QueryChecker.create();
});
afterAll(() => checker.close());

const J = 'FROM impressions i INNER JOIN conversions c ON i.email_address = c.email_address';
const HOSTILE = [
  `SELECT (SELECT COUNT(c.email_address) FROM conversions c)`,
  `SELECT COUNT(i.email_address) ${J} GROUP BY 0`,
  `SELECT COUNT(i.email_address) ${J} ORDER BY -1`,
  `SELECT COUNT(i.email_address) ${J} HAVING LOWER(i.placement) = 'x'`,
  `SELECT i.placement AS p, COUNT(i.email_address) ${J} GROUP BY p ORDER BY LOWER(p)`,
  `SELECT i.placement AS p, COUNT(i.email_address) ${J} GROUP BY p HAVING p = 'x'`,
  `SELECT COUNT(i.email_address) AS a, COUNT(i.campaign_id) AS a ${J} ORDER BY a`,
  `SELECT COUNT(i.email_address) ${J} WHERE i.placement = c.currency OR TRUE`,
  `SELECT COUNT(i.email_address) ${J} WHERE COALESCE(i.placement, c.currency) = 'x'`,
  `SELECT SUM(COUNT(i.email_address)) ${J}`,
  `SELECT COUNT(i.email_address) FROM impressions i INNER JOIN conversions c ON i.email_address = c.email_address INNER JOIN customers cu ON i.email_address = i.email_address`,
  `SELECT COUNT(i.email_address) FROM impressions i INNER JOIN conversions c ON NOT i.email_address = c.email_address`,
  `SELECT COUNT(DISTINCT i.email_address) FROM impressions i INNER JOIN (conversions c INNER JOIN customers cu ON c.email_address = cu.email_address) ON i.creative_id = c.creative_id`,
  `SELECT COUNT(i.email_address) ${J} WHERE i.email_address IS NULL`,
  `SELECT COUNT(i.email_address) ${J} ORDER BY SUBSTRING(i.email_address, 1, 1)`,
  `SELECT COUNT(i.email_address) ${J} GROUP BY SUBSTRING(c.email_address, 1, 3)`,
  `SELECT AVG(DISTINCT c.price) ${J}`,
  `SELECT COUNT(i.email_address) ${J} WHERE i.date > i.date + 1`,
  `SELECT COUNT(c.email_address) FROM conversions c INNER JOIN conversions c2 ON c.email_address = c2.email_address WHERE c.currency = c2.currency`,
];

describe('hostile aggregation queries', () => {
  for (const sql of HOSTILE) {
    it(sql.slice(0, 90), async () => {
      const r = await checker.check(sql, aggregationContext());
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.code).toMatch(/^[a-z]+(-[a-z]+)*$/);
    });
  }
});

describe('hostile list queries', () => {
  const LJ = 'FROM customers cu INNER JOIN impressions i ON cu.email_address = i.email_address';
  for (const sql of [
    `SELECT DISTINCT cu.email_address ${LJ} LIMIT -1`,
    `SELECT DISTINCT cu.email_address ${LJ} WHERE cu.state || 'x' = 'ax'`,
    `SELECT DISTINCT cu.state + i.cost ${LJ} WHERE i.email_address = 'a'`,
    `SELECT DISTINCT cu.email_address FROM customers cu INNER JOIN impressions i ON cu.email_address = i.email_address OR cu.email_address = i.email_address`,
  ]) {
    it(sql.slice(0, 90), async () => {
      const r = await checker.check(sql, listContext());
      expect(r.ok).toBe(false);
    });
  }
});
