/**
 * Small hand-made tables for the planner tests. Every table carries the hidden row id
 * the engine adds at ingest. Expected results in the tests are worked out by hand from
 * these rows (the comments in the tests show the working).
 */
export const SETUP_SQL = `
CREATE TABLE impressions AS SELECT * FROM (VALUES
  (1::BIGINT, 'u1', 'A', 10.0::DOUBLE, 100),
  (2, 'u1', 'A', 5.0, 101),
  (3, 'u2', 'A', 7.0, 100),
  (4, 'u3', 'B', 3.0, 102),
  (5, 'u4', 'B', 2.0, 103),
  (6, NULL, 'B', 50.0, 104),
  (7, 'u5', NULL, 4.0, 105),
  (8, 'u6', NULL, 6.0, 106),
  (9, 'u7', 'C', 9.0, 107)
) v(__cr_rowid, user_id, campaign, cost, creative_id);
CREATE TABLE conversions AS SELECT * FROM (VALUES
  (1::BIGINT, 'u1', 'north', 20.0::DOUBLE),
  (2, 'u1', 'north', 30.0),
  (3, 'u2', 'north', 40.0),
  (4, 'u3', 'south', 15.0),
  (5, 'u5', 'south', 25.0),
  (6, 'u6', 'south', 5.0),
  (7, 'u7', 'north', 1.0),
  (8, 'u9', 'south', 100.0)
) v(__cr_rowid, user_id, region, revenue);
-- the attack from RULES.md: the runner repeats u1 a thousand times in its own table
CREATE TABLE repeated AS
  SELECT (i + 1)::BIGINT AS __cr_rowid, 'u1' AS user_id, 'north' AS region, 1.0::DOUBLE AS revenue FROM range(1000) t(i)
  UNION ALL SELECT 1001::BIGINT, 'u2', 'north', 1.0;
CREATE TABLE visits AS SELECT * FROM (VALUES
  (1::BIGINT, 'h1', 'p1', 'home', 10.0::DOUBLE),
  (2, 'h1', 'p2', 'shop', 20.0),
  (3, 'h2', 'p3', 'home', 30.0),
  (4, 'h2', 'p3', 'shop', 40.0),
  (5, 'h3', 'p4', 'home', 50.0),
  (6, 'h3', 'p5', 'home', 60.0),
  (7, 'h4', 'p6', 'shop', 70.0),
  (8, 'h4', 'p7', 'shop', 80.0),
  (9, 'h4', 'p8', 'cart', 5.0)
) v(__cr_rowid, hh, person, page, secs);
CREATE TABLE crm AS SELECT * FROM (VALUES
  (1::BIGINT, 'e1', 'gold'),
  (2, 'e2', 'gold'),
  (3, 'e3', 'silver'),
  (4, 'e4', 'silver'),
  (5, 'e1', 'gold')
) v(__cr_rowid, email, segment);
CREATE TABLE audience AS SELECT * FROM (VALUES
  (1::BIGINT, 'e1', 'ios'),
  (2, 'e2', 'android'),
  (3, 'e3', 'ios'),
  (4, 'e9', 'ios'),
  (5, 'e3', 'android')
) v(__cr_rowid, email, device);
`;
