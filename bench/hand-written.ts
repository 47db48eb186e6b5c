/**
 * Hand-written plain DuckDB SQL with the same meaning as each demo query under the
 * demo's rules (src/cli/demo/demo-rules.ts), written as someone who knows the rules
 * would write them, not printed by the planner:
 *
 * - every output row needs COUNT(DISTINCT email_address) >= 100 on each referenced
 *   table's own email column. After an inner equi-join on email_address the two
 *   tables' distinct counts are the same number, so one HAVING covers both;
 * - COUNT/SUM over a column of a table joined to another counts each row of that table
 *   once per output row (row identity is the hidden `__cr_rowid`).
 *
 * Two forms per query:
 * - `guarded`: the analyst's join kept as written; row-once via
 *   COUNT(DISTINCT __cr_rowid) FILTER (WHERE col IS NOT NULL), which equals COUNT(col)
 *   over the distinct rows;
 * - `semi`: the join replaced by a semi-join (`IN (SELECT ...)`), what an expert would
 *   write when the other table only filters: each row of the aggregated table reaches
 *   the output at most once, so row-once holds by construction and the plain COUNT is
 *   already right.
 */
export interface HandWritten {
  readonly guarded: string;
  readonly semi: string;
}

const FORMS: ReadonlyMap<string, HandWritten> = new Map([
  [
    'SELECT COUNT(DISTINCT i.email_address) AS overlap FROM impressions i INNER JOIN customers c ON i.email_address = c.email_address',
    {
      guarded:
        'SELECT count(DISTINCT i.email_address) AS overlap FROM impressions i JOIN customers c ON i.email_address = c.email_address ' +
        'HAVING count(DISTINCT i.email_address) >= 100',
      semi:
        'SELECT count(DISTINCT c.email_address) AS overlap FROM customers c ' +
        'WHERE c.email_address IN (SELECT email_address FROM impressions) HAVING count(DISTINCT c.email_address) >= 100',
    },
  ],
  [
    'SELECT c.creative_id, COUNT(DISTINCT i.email_address) AS exposed_converters FROM impressions i ' +
      'INNER JOIN conversions c ON i.email_address = c.email_address GROUP BY c.creative_id ORDER BY c.creative_id',
    {
      guarded:
        'SELECT c.creative_id, count(DISTINCT i.email_address) AS exposed_converters FROM impressions i ' +
        'JOIN conversions c ON i.email_address = c.email_address GROUP BY c.creative_id ' +
        'HAVING count(DISTINCT i.email_address) >= 100 ORDER BY c.creative_id',
      semi:
        'SELECT c.creative_id, count(DISTINCT c.email_address) AS exposed_converters FROM conversions c ' +
        'WHERE c.email_address IN (SELECT email_address FROM impressions) GROUP BY c.creative_id ' +
        'HAVING count(DISTINCT c.email_address) >= 100 ORDER BY c.creative_id',
    },
  ],
  [
    'SELECT c.price, COUNT(DISTINCT i.email_address) AS exposed_converters, COUNT(c.transaction_id) AS purchases ' +
      'FROM impressions i INNER JOIN conversions c ON i.email_address = c.email_address GROUP BY c.price ORDER BY c.price',
    {
      guarded:
        'SELECT c.price, count(DISTINCT i.email_address) AS exposed_converters, ' +
        'count(DISTINCT c.__cr_rowid) FILTER (WHERE c.transaction_id IS NOT NULL) AS purchases ' +
        'FROM impressions i JOIN conversions c ON i.email_address = c.email_address GROUP BY c.price ' +
        'HAVING count(DISTINCT i.email_address) >= 100 ORDER BY c.price',
      semi:
        'SELECT c.price, count(DISTINCT c.email_address) AS exposed_converters, count(c.transaction_id) AS purchases ' +
        'FROM conversions c WHERE c.email_address IN (SELECT email_address FROM impressions) GROUP BY c.price ' +
        'HAVING count(DISTINCT c.email_address) >= 100 ORDER BY c.price',
    },
  ],
  [
    'SELECT cu.birth_country, COUNT(DISTINCT i.email_address) AS reached FROM impressions i ' +
      'INNER JOIN customers cu ON i.email_address = cu.email_address GROUP BY cu.birth_country ORDER BY reached DESC',
    {
      guarded:
        'SELECT cu.birth_country, count(DISTINCT i.email_address) AS reached FROM impressions i ' +
        'JOIN customers cu ON i.email_address = cu.email_address GROUP BY cu.birth_country ' +
        'HAVING count(DISTINCT i.email_address) >= 100 ORDER BY reached DESC',
      semi:
        'SELECT cu.birth_country, count(DISTINCT cu.email_address) AS reached FROM customers cu ' +
        'WHERE cu.email_address IN (SELECT email_address FROM impressions) GROUP BY cu.birth_country ' +
        'HAVING count(DISTINCT cu.email_address) >= 100 ORDER BY reached DESC',
    },
  ],
  [
    'SELECT i.campaign_id, COUNT(DISTINCT i.email_address) AS reach, COUNT(i.creative_id) AS impressions, ' +
      'COUNT(i.creative_id) / COUNT(DISTINCT i.email_address) AS avg_frequency FROM impressions i ' +
      'INNER JOIN customers c ON i.email_address = c.email_address GROUP BY i.campaign_id ORDER BY i.campaign_id',
    {
      guarded:
        'SELECT campaign_id, reach, impressions, impressions / NULLIF(reach, 0) AS avg_frequency FROM (' +
        'SELECT i.campaign_id, count(DISTINCT i.email_address) AS reach, ' +
        'count(DISTINCT i.__cr_rowid) FILTER (WHERE i.creative_id IS NOT NULL) AS impressions ' +
        'FROM impressions i JOIN customers c ON i.email_address = c.email_address GROUP BY i.campaign_id ' +
        'HAVING count(DISTINCT i.email_address) >= 100) ORDER BY campaign_id',
      semi:
        'SELECT i.campaign_id, count(DISTINCT i.email_address) AS reach, count(i.creative_id) AS impressions, ' +
        'count(i.creative_id) / NULLIF(count(DISTINCT i.email_address), 0) AS avg_frequency FROM impressions i ' +
        'WHERE i.email_address IN (SELECT email_address FROM customers) GROUP BY i.campaign_id ' +
        'HAVING count(DISTINCT i.email_address) >= 100 ORDER BY i.campaign_id',
    },
  ],
]);

/** The hand-written forms of one demo query; fails loudly when the demo's queries changed. */
export function handWritten(analystSql: string): HandWritten {
  const forms = FORMS.get(analystSql);
  if (!forms) {
    throw new Error(`bench/hand-written.ts has no hand-written form for this demo query; add one:\n  ${analystSql}`);
  }
  return forms;
}
