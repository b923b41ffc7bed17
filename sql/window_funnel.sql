--
-- jimo.window_funnel (ClickHouse's windowFunnel) and jimo.event_funnel.
-- Above each case: what ClickHouse's windowFunnel returns for the same rows
-- and mode, and why (its scan: items (time, step) sorted by time then step,
-- a step-1 item restarts the chain, a step-k item reaches level k when level
-- k-1 is reached and it is no later than the start of that chain + window).
--
SET timezone = 'UTC';
-- t(s): s seconds after a fixed instant
CREATE FUNCTION pg_temp.t(s numeric) RETURNS timestamptz LANGUAGE sql IMMUTABLE
    AS $$ SELECT '2025-01-01 00:00:00+00'::timestamptz + s * interval '1 second' $$;

-------------------------------------------------------------------------------
-- Default mode
-------------------------------------------------------------------------------

-- a(0) b(5) c(10), window 10 s: c is exactly 10 s after a, and the window is
-- closed (ClickHouse: timestamp <= first + window): 3.
SELECT jimo.window_funnel('10 seconds', pg_temp.t(s), e = 'a', e = 'b', e = 'c')
FROM (VALUES (0, 'a'), (5, 'b'), (10, 'c')) v(s, e);
-- The same with a 9 s window: c is 1 s too late: 2.
SELECT jimo.window_funnel('9 seconds', pg_temp.t(s), e = 'a', e = 'b', e = 'c')
FROM (VALUES (0, 'a'), (5, 'b'), (10, 'c')) v(s, e);
-- One microsecond makes the difference: c at 10.000001 s: 2.
SELECT jimo.window_funnel('10 seconds', pg_temp.t(s), e = 'a', e = 'b', e = 'c')
FROM (VALUES (0, 'a'), (5, 'b'), (10.000001, 'c')) v(s, e);
-- Rows in any order: ClickHouse sorts the items by time first: 3.
SELECT jimo.window_funnel('10 seconds', pg_temp.t(s), e = 'a', e = 'b', e = 'c')
FROM (VALUES (10, 'c'), (0, 'a'), (5, 'b')) v(s, e);
-- Steps in the wrong order in time: c(0) b(1) a(2): only a counts: 1.
SELECT jimo.window_funnel('1 hour', pg_temp.t(s), e = 'a', e = 'b', e = 'c')
FROM (VALUES (0, 'c'), (1, 'b'), (2, 'a')) v(s, e);
-- No step 1 at all: 0.  An empty group: 0 (ClickHouse too).
SELECT jimo.window_funnel('1 hour', pg_temp.t(s), e = 'a', e = 'b', e = 'c')
FROM (VALUES (0, 'b'), (1, 'c')) v(s, e);
SELECT jimo.window_funnel('1 hour', pg_temp.t(s), e = 'a', e = 'b', e = 'c')
FROM (VALUES (0, 'a')) v(s, e) WHERE false;
-- Ties in time: b and a at the same second, b listed first.  At equal times
-- items go by step, so a (step 1) comes before b (step 2), and b is no later
-- than a + window: 2.
SELECT jimo.window_funnel('1 hour', pg_temp.t(s), e = 'a', e = 'b', e = 'c')
FROM (VALUES (0, 'b'), (0, 'a')) v(s, e);
-- Duplicates: a a b b c c: each repeat of a restarts the chain at its time,
-- each b and c extends it: 3.
SELECT jimo.window_funnel('1 hour', pg_temp.t(s), e = 'a', e = 'b', e = 'c')
FROM (VALUES (0, 'a'), (1, 'a'), (2, 'b'), (3, 'b'), (4, 'c'), (5, 'c')) v(s, e);
-- The chain is greedy, not the best one: a(0) b(1) a(100) c(105), window
-- 10 s.  a(100) restarts level 1 at 100, but level 2 still holds the chain
-- started at 0, and c(105) is 105 s after that start: 2.
SELECT jimo.window_funnel('10 seconds', pg_temp.t(s), e = 'a', e = 'b', e = 'c')
FROM (VALUES (0, 'a'), (1, 'b'), (100, 'a'), (105, 'c')) v(s, e);
-- ... and with b(101) as well, level 2 is reached again by the chain started
-- at 100, and c(105) is within 10 s of it: 3.
SELECT jimo.window_funnel('10 seconds', pg_temp.t(s), e = 'a', e = 'b', e = 'c')
FROM (VALUES (0, 'a'), (1, 'b'), (100, 'a'), (101, 'b'), (105, 'c')) v(s, e);
-- One row matching several steps counts for each of them (steps: e = 'a',
-- e <> '', e <> ''): the single row a(0) gives items (0,1) (0,2) (0,3), in
-- that order: 3.
SELECT jimo.window_funnel('1 hour', pg_temp.t(s), e = 'a', e <> '', e <> '')
FROM (VALUES (0, 'a')) v(s, e);
-- NULLs: a row with a NULL time is ignored; a NULL step is false.  a(0),
-- b(NULL time), c(2): without b, level 2 is never reached, so c (step 3)
-- does not count: 1.
SELECT jimo.window_funnel('1 hour', pg_temp.t(s), e = 'a', e = 'b', e = 'c')
FROM (VALUES (0, 'a'), (NULL, 'b'), (2, 'c')) v(s, e);
-- a(0), a row whose steps are all NULL (e is NULL) at 1, b(2): the NULL row
-- matches nothing and changes nothing in the default mode: 2.
SELECT jimo.window_funnel('1 hour', pg_temp.t(s), e = 'a', e = 'b', e = 'c')
FROM (VALUES (0, 'a'), (1, NULL), (2, 'b')) v(s, e);
-- Steps passed as an array, with NULL elements: same thing.
SELECT jimo.window_funnel('1 hour', pg_temp.t(s), VARIADIC steps)
FROM (VALUES (0, ARRAY[true, false]), (1, ARRAY[NULL, NULL]::boolean[]),
             (2, ARRAY[NULL, true]), (3, NULL)) v(s, steps);
-- One step: any matching row gives 1.
SELECT jimo.window_funnel('1 second', pg_temp.t(s), e = 'a')
FROM (VALUES (0, 'b'), (5, 'a')) v(s, e);
-- 32 steps, the most ClickHouse allows: rows 1..32, row i matches step i: 32.
SELECT jimo.window_funnel('1 hour', pg_temp.t(i),
                          VARIADIC (SELECT array_agg(k = i ORDER BY k) FROM generate_series(1, 32) k))
FROM generate_series(1, 32) i;

-------------------------------------------------------------------------------
-- The window is an interval: an elapsed duration, a day is 24 hours and a
-- month 30 days (as PostgreSQL compares intervals), whatever the time zone.
-------------------------------------------------------------------------------

-- 30 days apart with a window of 1 month: 2; 30 days + 1 second: 1.
SELECT jimo.window_funnel('1 mon', pg_temp.t(s), e = 'a', e = 'b')
FROM (VALUES (0, 'a'), (30 * 86400, 'b')) v(s, e);
SELECT jimo.window_funnel('1 mon', pg_temp.t(s), e = 'a', e = 'b')
FROM (VALUES (0, 'a'), (30 * 86400 + 1, 'b')) v(s, e);
-- Paris moved its clocks forward on 2025-03-30: from 12:00 on the 29th to
-- 12:59 on the 30th is 23 h 59 min, inside '1 day' (a calendar day would
-- have ended at 12:00): 2.  And '1 day -1 hour' is 23 hours: 1.
SET timezone = 'Europe/Paris';
SELECT jimo.window_funnel('1 day', ts, e = 'a', e = 'b')
FROM (VALUES ('2025-03-29 12:00'::timestamptz, 'a'), ('2025-03-30 12:59', 'b')) v(ts, e);
SELECT jimo.window_funnel('1 day -1 hour', ts, e = 'a', e = 'b')
FROM (VALUES ('2025-03-29 12:00'::timestamptz, 'a'), ('2025-03-30 12:59', 'b')) v(ts, e);
SET timezone = 'UTC';
-- Infinite times: '-infinity' + window is still -infinity, so a real time
-- is never inside its window: 1; and 'infinity' is later than any time
-- plus any window: 1.
SELECT jimo.window_funnel('1 day', ts, e = 'a', e = 'b')
FROM (VALUES ('-infinity'::timestamptz, 'a'), ('2025-01-01', 'b')) v(ts, e);
SELECT jimo.window_funnel('1000 years', ts, e = 'a', e = 'b')
FROM (VALUES ('2025-01-01'::timestamptz, 'a'), ('infinity', 'b')) v(ts, e);

-------------------------------------------------------------------------------
-- strict_deduplication: a step item whose level is already reached ends the
-- scan with the highest level reached (ClickHouse since PR #99003, March
-- 2026; before it, it returned the step number of the item before, e.g. 1
-- instead of 2 in the second case).
-------------------------------------------------------------------------------

-- A-B-C-B-D (ClickHouse's issue #27469), steps A B C D: the second B finds
-- level 2 reached and ends the scan with level 3; D is never seen: 3 (4
-- without the mode).
SELECT jimo.window_funnel('1 day', 'strict_deduplication', pg_temp.t(s), e = 'A', e = 'B', e = 'C', e = 'D'),
       jimo.window_funnel('1 day', pg_temp.t(s), e = 'A', e = 'B', e = 'C', e = 'D')
FROM (VALUES (1, 'A'), (2, 'B'), (3, 'C'), (4, 'B'), (5, 'D')) v(s, e);
-- A B A B, steps A B C: the second A restarts level 1 (step 1 is never a
-- repeat), the second B finds level 2 reached: 2.
SELECT jimo.window_funnel('1 day', 'strict_deduplication', pg_temp.t(s), e = 'A', e = 'B', e = 'C')
FROM (VALUES (1, 'A'), (2, 'B'), (3, 'A'), (4, 'B')) v(s, e);
-- A A B C: 3.
SELECT jimo.window_funnel('1 day', 'strict_deduplication', pg_temp.t(s), e = 'A', e = 'B', e = 'C')
FROM (VALUES (1, 'A'), (2, 'A'), (3, 'B'), (4, 'C')) v(s, e);

-------------------------------------------------------------------------------
-- strict_order: once step 1 is seen, a row matching no step ends the scan
-- (highest level reached), and so does a step whose previous level is not
-- reached (lowest level not reached).  Step 1 may repeat.
-------------------------------------------------------------------------------

-- a d b c: d matches no step and comes after a: 1 (3 without the mode).
SELECT jimo.window_funnel('1 day', 'strict_order', pg_temp.t(s), e = 'a', e = 'b', e = 'c'),
       jimo.window_funnel('1 day', pg_temp.t(s), e = 'a', e = 'b', e = 'c')
FROM (VALUES (1, 'a'), (2, 'd'), (3, 'b'), (4, 'c')) v(s, e);
-- d a b c: d comes before the first a, so it does not interrupt: 3.
SELECT jimo.window_funnel('1 day', 'strict_order', pg_temp.t(s), e = 'a', e = 'b', e = 'c')
FROM (VALUES (1, 'd'), (2, 'a'), (3, 'b'), (4, 'c')) v(s, e);
-- a c b: c (step 3) while level 2 is not reached: the lowest level not
-- reached is level 2, so 1.
SELECT jimo.window_funnel('1 day', 'strict_order', pg_temp.t(s), e = 'a', e = 'b', e = 'c')
FROM (VALUES (1, 'a'), (2, 'c'), (3, 'b')) v(s, e);
-- Ties: a row matching no step sorts before the steps of its time.  a(1),
-- d(2) and b(2): d comes before b and ends the scan: 1.  d(1) and a(1),
-- then b c: d comes before a, so before step 1: 3.
SELECT jimo.window_funnel('1 day', 'strict_order', pg_temp.t(s), e = 'a', e = 'b', e = 'c')
FROM (VALUES (1, 'a'), (2, 'b'), (2, 'd'), (3, 'c')) v(s, e);
SELECT jimo.window_funnel('1 day', 'strict_order', pg_temp.t(s), e = 'a', e = 'b', e = 'c')
FROM (VALUES (1, 'a'), (1, 'd'), (2, 'b'), (3, 'c')) v(s, e);
-- A row whose steps are all NULL matches no step, so it interrupts: a(0),
-- NULL(1), b(2): 1.  A row with a NULL time is ignored, not an interruption:
-- a(0), x(NULL time), b(2): 2.
SELECT jimo.window_funnel('1 day', 'strict_order', pg_temp.t(s), e = 'a', e = 'b')
FROM (VALUES (0, 'a'), (1, NULL), (2, 'b')) v(s, e);
SELECT jimo.window_funnel('1 day', 'strict_order', pg_temp.t(s), e = 'a', e = 'b')
FROM (VALUES (0, 'a'), (NULL, 'x'), (2, 'b')) v(s, e);
-- With one step, strict_order still looks at the rows: a row matching none
-- alone gives 0.
SELECT jimo.window_funnel('1 day', 'strict_order', pg_temp.t(s), e = 'a')
FROM (VALUES (0, 'x')) v(s, e);
-- Many rows out of order around the interruption (the state keeps only the
-- first row matching no step after the earliest a): a(10) b(11) x(12) c(13)
-- arriving as c x b then lots of x after 12, then a: 2.
SELECT jimo.window_funnel('1 day', 'strict_order', pg_temp.t(s), e = 'a', e = 'b', e = 'c')
FROM (SELECT * FROM (VALUES (13, 'c'), (12, 'x'), (11, 'b')) v(s, e)
      UNION ALL SELECT 12 + i, 'x' FROM generate_series(1, 100) i
      UNION ALL SELECT 10, 'a') v;
-- ... and the same rows with that x before a (at 9), and the 100 others
-- after c: nothing interrupts a b c: 3.
SELECT jimo.window_funnel('1 day', 'strict_order', pg_temp.t(s), e = 'a', e = 'b', e = 'c')
FROM (SELECT * FROM (VALUES (13, 'c'), (9, 'x'), (11, 'b')) v(s, e)
      UNION ALL SELECT 13 + i, 'x' FROM generate_series(1, 100) i
      UNION ALL SELECT 10, 'a') v;

-------------------------------------------------------------------------------
-- strict_increase: a step counts only if strictly later than the step
-- before it in the chain.
-------------------------------------------------------------------------------

-- a(0) b(0) c(1): b is not later than a, so level 2 is never reached: 1
-- (3 without the mode).
SELECT jimo.window_funnel('1 day', 'strict_increase', pg_temp.t(s), e = 'a', e = 'b', e = 'c'),
       jimo.window_funnel('1 day', pg_temp.t(s), e = 'a', e = 'b', e = 'c')
FROM (VALUES (0, 'a'), (0, 'b'), (1, 'c')) v(s, e);
-- The single row matching three steps (see above): only level 1: 1.
SELECT jimo.window_funnel('1 hour', 'strict_increase', pg_temp.t(s), e = 'a', e <> '', e <> '')
FROM (VALUES (0, 'a')) v(s, e);

-------------------------------------------------------------------------------
-- strict_once: one row counts at most once in a chain.
-------------------------------------------------------------------------------

-- The single row matching three steps: 1 (3 by default).
SELECT jimo.window_funnel('1 hour', 'strict_once', pg_temp.t(s), e = 'a', e <> '', e <> '')
FROM (VALUES (0, 'a')) v(s, e);
-- Two rows at the same time, each matching steps 1 and 2 (e <> ''): row 1
-- is step 1 and row 2 step 2 (same time: allowed without strict_increase):
-- 2; with strict_increase, 1.
SELECT jimo.window_funnel('1 hour', 'strict_once', pg_temp.t(s), e <> '', e <> ''),
       jimo.window_funnel('1 hour', 'strict_once,strict_increase', pg_temp.t(s), e <> '', e <> '')
FROM (VALUES (0, 'a'), (0, 'b')) v(s, e);
-- a(0) then x(1) matching steps 2 and 3 (e <> 'a'): the chain a->x reaches
-- level 2, but x cannot be step 3 of the same chain: 2 (3 by default).
SELECT jimo.window_funnel('1 hour', 'strict_once', pg_temp.t(s), e = 'a', e <> 'a', e <> 'a'),
       jimo.window_funnel('1 hour', pg_temp.t(s), e = 'a', e <> 'a', e <> 'a')
FROM (VALUES (0, 'a'), (1, 'x')) v(s, e);

-------------------------------------------------------------------------------
-- allow_reentry (needs strict_order): a step whose previous level is not
-- reached is skipped instead of ending the scan.
-------------------------------------------------------------------------------

-- a c b: strict_order stops at c (1); allow_reentry skips c and b reaches
-- level 2: 2.
SELECT jimo.window_funnel('1 day', 'strict_order', pg_temp.t(s), e = 'a', e = 'b', e = 'c'),
       jimo.window_funnel('1 day', 'strict_order,allow_reentry', pg_temp.t(s), e = 'a', e = 'b', e = 'c')
FROM (VALUES (1, 'a'), (2, 'c'), (3, 'b')) v(s, e);
-- a d b: a row matching no step still ends the scan: 1.
SELECT jimo.window_funnel('1 day', 'strict_order,allow_reentry', pg_temp.t(s), e = 'a', e = 'b', e = 'c')
FROM (VALUES (1, 'a'), (2, 'd'), (3, 'b')) v(s, e);
-- Spaces around the words are allowed, the order of the words is free.
SELECT jimo.window_funnel('1 day', ' allow_reentry , strict_order ', pg_temp.t(s), e = 'a', e = 'b', e = 'c')
FROM (VALUES (1, 'a'), (2, 'c'), (3, 'b')) v(s, e);
-- '' is the default mode.
SELECT jimo.window_funnel('1 day', '', pg_temp.t(s), e = 'a', e = 'b', e = 'c')
FROM (VALUES (1, 'a'), (2, 'd'), (3, 'b')) v(s, e);

-------------------------------------------------------------------------------
-- ClickHouse's own test cases (tests/queries/0_stateless/
-- 00632_aggregation_window_funnel.sql), with ClickHouse's answers.  Its
-- timestamps are seconds; t(s) keeps them.
-------------------------------------------------------------------------------

CREATE TEMP TABLE ch (tbl text, usr int, s int, ev text);
-- funnel_test: (0,1000) .. (8,1008)
INSERT INTO ch SELECT 'funnel_test', 0, i, (1000 + i)::text FROM generate_series(0, 8) i;
-- ClickHouse: 1, 2, 3, 4 (window 10000); 1 (window 1); 3, 4, 5 (windows 2,
-- 3, 4 over 1003..1007, one second apart).
SELECT jimo.window_funnel('10000 s', pg_temp.t(s), ev = '1000'),
       jimo.window_funnel('10000 s', pg_temp.t(s), ev = '1000', ev = '1001'),
       jimo.window_funnel('10000 s', pg_temp.t(s), ev = '1000', ev = '1001', ev = '1002'),
       jimo.window_funnel('10000 s', pg_temp.t(s), ev = '1000', ev = '1001', ev = '1002', ev = '1008'),
       jimo.window_funnel('1 s', pg_temp.t(s), ev = '1000'),
       jimo.window_funnel('2 s', pg_temp.t(s), ev = '1003', ev = '1004', ev = '1005', ev = '1006', ev = '1007'),
       jimo.window_funnel('3 s', pg_temp.t(s), ev = '1003', ev = '1004', ev = '1005', ev = '1006', ev = '1007'),
       jimo.window_funnel('4 s', pg_temp.t(s), ev = '1003', ev = '1004', ev = '1005', ev = '1006', ev = '1007')
FROM ch WHERE tbl = 'funnel_test';
-- Overlapping conditions (ev <= 1007, ev >= 1002, ev <= 1006, ev >= 1004),
-- window 4, over 1001..1008 at 1..8 s: ClickHouse: 4.  Also 2 for
-- (1001, 1008) and 1 for (1008, 1001), window 10000.
SELECT jimo.window_funnel('4 s', pg_temp.t(s), ev::int <= 1007, ev::int >= 1002, ev::int <= 1006, ev::int >= 1004),
       jimo.window_funnel('10000 s', pg_temp.t(s), ev = '1001', ev = '1008'),
       jimo.window_funnel('10000 s', pg_temp.t(s), ev = '1008', ev = '1001')
FROM ch WHERE tbl = 'funnel_test' AND s > 0;
-- funnel_test_strict: 1000..1008 every 10 s, and a second 1005 at 51:
-- ClickHouse: 6 with strict_deduplication (stops at the second 1005), 7
-- without.
INSERT INTO ch VALUES ('strict', 0, 0, '1000'), ('strict', 0, 10, '1001'), ('strict', 0, 20, '1002'),
    ('strict', 0, 30, '1003'), ('strict', 0, 40, '1004'), ('strict', 0, 50, '1005'), ('strict', 0, 51, '1005'),
    ('strict', 0, 60, '1006'), ('strict', 0, 70, '1007'), ('strict', 0, 80, '1008');
SELECT jimo.window_funnel('10000 s', 'strict_deduplication', pg_temp.t(s), ev = '1000', ev = '1001', ev = '1002', ev = '1003', ev = '1004', ev = '1005', ev = '1006'),
       jimo.window_funnel('10000 s', pg_temp.t(s), ev = '1000', ev = '1001', ev = '1002', ev = '1003', ev = '1004', ev = '1005', ev = '1006')
FROM ch WHERE tbl = 'strict';
-- funnel_test_strict_order, window 86400, steps a b c.  ClickHouse:
-- default          3 3 3 3 3 1
-- strict_order     3 1 3 3 2 1   (user 2: a d b c stops at d; user 5:
--                                 a a b b d c c stops at d with level 2)
-- + strict_dedup.  3 1 2 2 2 1   (users 3-5: the second b stops at level 2)
INSERT INTO ch VALUES ('order', 1, 1, 'a'), ('order', 1, 2, 'b'), ('order', 1, 3, 'c'),
    ('order', 2, 1, 'a'), ('order', 2, 2, 'd'), ('order', 2, 3, 'b'), ('order', 2, 4, 'c'),
    ('order', 3, 1, 'a'), ('order', 3, 2, 'a'), ('order', 3, 3, 'b'), ('order', 3, 4, 'b'), ('order', 3, 5, 'c'), ('order', 3, 6, 'c'),
    ('order', 4, 1, 'a'), ('order', 4, 2, 'a'), ('order', 4, 3, 'a'), ('order', 4, 4, 'a'), ('order', 4, 5, 'b'), ('order', 4, 6, 'b'), ('order', 4, 7, 'c'), ('order', 4, 8, 'c'),
    ('order', 5, 1, 'a'), ('order', 5, 2, 'a'), ('order', 5, 3, 'b'), ('order', 5, 4, 'b'), ('order', 5, 5, 'd'), ('order', 5, 6, 'c'), ('order', 5, 7, 'c'),
    ('order', 6, 1, 'c'), ('order', 6, 2, 'c'), ('order', 6, 3, 'b'), ('order', 6, 4, 'b'), ('order', 6, 5, 'a'), ('order', 6, 6, 'a'),
    ('order', 7, 1, 'a'), ('order', 7, 2, 'c'), ('order', 7, 3, 'b');
SELECT usr,
       jimo.window_funnel('86400 s', pg_temp.t(s), ev = 'a', ev = 'b', ev = 'c') AS default_mode,
       jimo.window_funnel('86400 s', 'strict_order', pg_temp.t(s), ev = 'a', ev = 'b', ev = 'c') AS strict_order,
       jimo.window_funnel('86400 s', 'strict_deduplication, strict_order', pg_temp.t(s), ev = 'a', ev = 'b', ev = 'c') AS dedup_order
FROM ch WHERE tbl = 'order' AND usr <= 6 GROUP BY usr ORDER BY usr;
-- user 7: a c b, window 10, strict_order: 1.
SELECT jimo.window_funnel('10 s', 'strict_order', pg_temp.t(s), ev = 'a', ev = 'b', ev = 'c')
FROM ch WHERE tbl = 'order' AND usr = 7;
-- funnel_test_non_null: conditions over Nullable columns written with
-- COALESCE and IS NULL (never NULL themselves).  u1: (a1,b1) (a2,b2);
-- u2: (a1,-) (a2,-); u3: (-,-); u4: (-,b1) (a2,-) (-,b3).  ClickHouse:
-- [a='a1', a='a2']          2 2 0 0
-- [a='a1', b='b2']          2 1 0 0
-- [a null and b null]       0 0 1 0
-- [a null, b='b3']          0 0 1 2
-- strict_order [a null, b='b3']  0 0 1 1  (u4: (2, a2) matches nothing)
CREATE TEMP TABLE nn (u int, s int, a text, b text);
INSERT INTO nn VALUES (1, 1, 'a1', 'b1'), (1, 2, 'a2', 'b2'), (2, 1, 'a1', NULL), (2, 2, 'a2', NULL),
    (3, 1, NULL, NULL), (4, 1, NULL, 'b1'), (4, 2, 'a2', NULL), (4, 3, NULL, 'b3');
SELECT u,
       jimo.window_funnel('86400 s', pg_temp.t(s), coalesce(a, '') = 'a1', coalesce(a, '') = 'a2'),
       jimo.window_funnel('86400 s', pg_temp.t(s), coalesce(a, '') = 'a1', coalesce(b, '') = 'b2'),
       jimo.window_funnel('86400 s', pg_temp.t(s), a IS NULL AND b IS NULL),
       jimo.window_funnel('86400 s', pg_temp.t(s), a IS NULL, coalesce(b, '') = 'b3'),
       jimo.window_funnel('86400 s', 'strict_order', pg_temp.t(s), a IS NULL, coalesce(b, '') = 'b3')
FROM nn GROUP BY u ORDER BY u;
-- funnel_test_strict_increase: (0,1000) (1,1001) (1,1002) (1,1003) (2,1004).
-- ClickHouse: 5 by default, 2 with strict_increase (1002 is not later than
-- 1001); three times ev = 1004: 3 by default (one row, three steps), 1 with
-- strict_once, 1 with strict_increase.
INSERT INTO ch VALUES ('increase', 0, 0, '1000'), ('increase', 0, 1, '1001'), ('increase', 0, 1, '1002'),
    ('increase', 0, 1, '1003'), ('increase', 0, 2, '1004');
SELECT jimo.window_funnel('10000 s', pg_temp.t(s), ev = '1000', ev = '1001', ev = '1002', ev = '1003', ev = '1004'),
       jimo.window_funnel('10000 s', 'strict_increase', pg_temp.t(s), ev = '1000', ev = '1001', ev = '1002', ev = '1003', ev = '1004'),
       jimo.window_funnel('10000 s', pg_temp.t(s), ev = '1004', ev = '1004', ev = '1004'),
       jimo.window_funnel('10000 s', 'strict_once', pg_temp.t(s), ev = '1004', ev = '1004', ev = '1004'),
       jimo.window_funnel('10000 s', 'strict_increase', pg_temp.t(s), ev = '1004', ev = '1004', ev = '1004')
FROM ch WHERE tbl = 'increase';
-- funnel_test2, window 200, steps failure failure success.  ClickHouse, for
-- strict_once + strict_increase, strict_once, strict_once +
-- strict_deduplication alike: uid 123 (f180 f220 s250): 3 (f180 then f220,
-- one row each, then s250); 234 (f100 f250): 2; 345 (s200 f210 s230): 1.
INSERT INTO ch VALUES ('t2', 234, 100, 'failure'), ('t2', 345, 200, 'success'), ('t2', 345, 210, 'failure'),
    ('t2', 345, 230, 'success'), ('t2', 234, 250, 'failure'), ('t2', 123, 180, 'failure'),
    ('t2', 123, 220, 'failure'), ('t2', 123, 250, 'success');
SELECT usr,
       jimo.window_funnel('200 s', 'strict_once,strict_increase', pg_temp.t(s), ev = 'failure', ev = 'failure', ev = 'success'),
       jimo.window_funnel('200 s', 'strict_once', pg_temp.t(s), ev = 'failure', ev = 'failure', ev = 'success'),
       jimo.window_funnel('200 s', 'strict_once,strict_deduplication', pg_temp.t(s), ev = 'failure', ev = 'failure', ev = 'success')
FROM ch WHERE tbl = 't2' GROUP BY usr ORDER BY usr;
-- allow_reentry (ClickHouse PR #86916), window 86400.  Users: 1 a b a c;
-- 2 a b a b c; 3 a b c b d; 4 a c b; 5 a b c a b c d.  What ClickHouse's
-- current code returns (a repeated step 1 restarts the chain in every mode;
-- allow_reentry only skips a step whose previous level is not reached):
--   strict_order, steps a b c          3 3 3 1 3  (user 4: c ends it at 1)
--   strict_order, allow_reentry        3 3 3 2 3  (user 4: c skipped, b: 2)
--   strict_order, steps a b c d        3 3 4 1 4  (user 5: the chain restarted
--                                                  at a4 reaches c6, then d7)
--   strict_order, allow_reentry, abcd  3 3 4 2 4
--   + strict_deduplication, a b c      3 2 3 2 3  (user 2: b4 finds level 2
--                                                  reached: 2)
-- The test reference shipped with PR #86916 expected 2 2 3 1 3, 3 3 3 1 3,
-- 2 2 4 1 3, 3 3 4 1 4 and 3 1 3 1 3: the code has changed since (a
-- repeated step 1 no longer ends a strict_order scan; PR #99003 fixed the
-- level strict_deduplication returns).  This follows the code.
INSERT INTO ch VALUES ('reentry', 1, 1, 'a'), ('reentry', 1, 2, 'b'), ('reentry', 1, 3, 'a'), ('reentry', 1, 4, 'c'),
    ('reentry', 2, 1, 'a'), ('reentry', 2, 2, 'b'), ('reentry', 2, 3, 'a'), ('reentry', 2, 4, 'b'), ('reentry', 2, 5, 'c'),
    ('reentry', 3, 1, 'a'), ('reentry', 3, 2, 'b'), ('reentry', 3, 3, 'c'), ('reentry', 3, 4, 'b'), ('reentry', 3, 5, 'd'),
    ('reentry', 4, 1, 'a'), ('reentry', 4, 2, 'c'), ('reentry', 4, 3, 'b'),
    ('reentry', 5, 1, 'a'), ('reentry', 5, 2, 'b'), ('reentry', 5, 3, 'c'), ('reentry', 5, 4, 'a'), ('reentry', 5, 5, 'b'), ('reentry', 5, 6, 'c'), ('reentry', 5, 7, 'd');
SELECT usr,
       jimo.window_funnel('86400 s', 'strict_order', pg_temp.t(s), ev = 'a', ev = 'b', ev = 'c') AS so,
       jimo.window_funnel('86400 s', 'strict_order,allow_reentry', pg_temp.t(s), ev = 'a', ev = 'b', ev = 'c') AS so_re,
       jimo.window_funnel('86400 s', 'strict_order', pg_temp.t(s), ev = 'a', ev = 'b', ev = 'c', ev = 'd') AS so_4,
       jimo.window_funnel('86400 s', 'strict_order,allow_reentry', pg_temp.t(s), ev = 'a', ev = 'b', ev = 'c', ev = 'd') AS so_re_4,
       jimo.window_funnel('86400 s', 'strict_order,allow_reentry,strict_deduplication', pg_temp.t(s), ev = 'a', ev = 'b', ev = 'c') AS so_re_dd
FROM ch WHERE tbl = 'reentry' GROUP BY usr ORDER BY usr;
-- funnel_test_ecommerce, window 600: 1 bc vp bc cp; 2 bc vp vp bc cp;
-- 3 bc vp cp (bc begin_checkout, vp view_product_detail, cp
-- complete_payment).  Steps bc vp cp: 3 3 3 with strict_order, with and
-- without allow_reentry (the second bc restarts the chain, and cp finds
-- level 2 reached by the chain started at 100).  Steps bc vp bc cp: a bc row
-- is both step 1 and step 3, and at 100 the item (100, step 3) comes while
-- level 2 is not reached: strict_order ends at 1 1 1; allow_reentry skips
-- it, vp(200) reaches 2, bc(300) as step 3 reaches 3, cp(400) 4: 4 4 2
-- (user 3 has no second bc).  (PR #86916's reference: 2 2 3, 3 3 3, 1 1 1,
-- 1 1 1; see above.)
INSERT INTO ch VALUES ('shop', 1, 100, 'bc'), ('shop', 1, 200, 'vp'), ('shop', 1, 300, 'bc'), ('shop', 1, 400, 'cp'),
    ('shop', 2, 100, 'bc'), ('shop', 2, 200, 'vp'), ('shop', 2, 250, 'vp'), ('shop', 2, 300, 'bc'), ('shop', 2, 400, 'cp'),
    ('shop', 3, 100, 'bc'), ('shop', 3, 200, 'vp'), ('shop', 3, 300, 'cp');
SELECT usr,
       jimo.window_funnel('600 s', 'strict_order', pg_temp.t(s), ev = 'bc', ev = 'vp', ev = 'cp'),
       jimo.window_funnel('600 s', 'strict_order,allow_reentry', pg_temp.t(s), ev = 'bc', ev = 'vp', ev = 'cp'),
       jimo.window_funnel('600 s', 'strict_order', pg_temp.t(s), ev = 'bc', ev = 'vp', ev = 'bc', ev = 'cp'),
       jimo.window_funnel('600 s', 'strict_order,allow_reentry', pg_temp.t(s), ev = 'bc', ev = 'vp', ev = 'bc', ev = 'cp')
FROM ch WHERE tbl = 'shop' GROUP BY usr ORDER BY usr;

-------------------------------------------------------------------------------
-- As a window function (the final function leaves the state usable): the
-- level reached so far, row by row.  a(0) x(1) b(2) c(50), window 10 s:
-- 1 1 2 2.
-------------------------------------------------------------------------------
SELECT s, e, jimo.window_funnel('10 seconds', pg_temp.t(s), e = 'a', e = 'b', e = 'c')
           OVER (ORDER BY s) AS level_so_far
FROM (VALUES (0, 'a'), (1, 'x'), (2, 'b'), (50, 'c')) v(s, e) ORDER BY s;

-------------------------------------------------------------------------------
-- Errors, each followed by its SQLSTATE
-------------------------------------------------------------------------------
\set VERBOSITY default
\set SHOW_CONTEXT never
-- a window that is not positive (22023)
SELECT jimo.window_funnel('0 seconds', pg_temp.t(0), true);
\echo :LAST_ERROR_SQLSTATE
SELECT jimo.window_funnel('-1 day', pg_temp.t(0), true);
\echo :LAST_ERROR_SQLSTATE
SELECT jimo.window_funnel('1 mon -30 days', pg_temp.t(0), true);
\echo :LAST_ERROR_SQLSTATE
-- NULL window or mode (22004)
SELECT jimo.window_funnel(NULL, pg_temp.t(0), true);
\echo :LAST_ERROR_SQLSTATE
SELECT jimo.window_funnel('1 day', NULL, pg_temp.t(0), true);
\echo :LAST_ERROR_SQLSTATE
-- unknown modes (22023), named, with the valid ones
SELECT jimo.window_funnel('1 day', 'strict_order,fast', pg_temp.t(0), true);
\echo :LAST_ERROR_SQLSTATE
SELECT jimo.window_funnel('1 day', 'strict', pg_temp.t(0), true);
\echo :LAST_ERROR_SQLSTATE
SELECT jimo.window_funnel('1 day', 'allow_reentry', pg_temp.t(0), true);
\echo :LAST_ERROR_SQLSTATE
-- 33 steps (54023); no step (22023)
SELECT jimo.window_funnel('1 day', pg_temp.t(0), VARIADIC array_fill(true, ARRAY[33]));
\echo :LAST_ERROR_SQLSTATE
SELECT jimo.window_funnel('1 day', pg_temp.t(0), VARIADIC '{}'::boolean[]);
\echo :LAST_ERROR_SQLSTATE
-- parameters must be the same on every row of a group (22023)
SELECT jimo.window_funnel(w, pg_temp.t(0), true) FROM (VALUES ('1 day'::interval), ('2 days')) v(w);
\echo :LAST_ERROR_SQLSTATE
SELECT jimo.window_funnel('1 day', m, pg_temp.t(0), true) FROM (VALUES (''), ('strict_order')) v(m);
\echo :LAST_ERROR_SQLSTATE
SELECT jimo.window_funnel('1 day', pg_temp.t(0), VARIADIC st) FROM (VALUES ('{t}'::boolean[]), ('{t,f}')) v(st);
\echo :LAST_ERROR_SQLSTATE
-- ... but equal ones may be written differently
SELECT jimo.window_funnel(w, m, pg_temp.t(0), true)
FROM (VALUES ('1 day'::interval, 'strict_order,strict_once'), ('24 hours', 'strict_once, strict_order')) v(w, m);
\set VERBOSITY terse
\set SHOW_CONTEXT errors

-------------------------------------------------------------------------------
-- Parallel aggregation: partial states in two workers, serialized, combined
-- in the leader; the levels must equal a serial run's, in every mode.
-------------------------------------------------------------------------------
CREATE TABLE wf_par (g int, ts timestamptz, e int);
INSERT INTO wf_par
SELECT i % 2000, pg_temp.t((i * 7919) % 20011), (i * 31 + i / 7) % 6
FROM generate_series(1, 200000) i;
ANALYZE wf_par;
CREATE TEMP TABLE wf_modes (m text);
INSERT INTO wf_modes VALUES (''), ('strict_deduplication'), ('strict_order'), ('strict_increase'),
    ('strict_once'), ('strict_order,allow_reentry'), ('strict_once,strict_order,strict_deduplication');
-- One query per mode, as the plan must take the mode as a constant.
CREATE FUNCTION pg_temp.levels(parallel boolean)
    RETURNS TABLE (m text, g int, level int) LANGUAGE plpgsql AS $$
DECLARE
    mode text;
BEGIN
    IF parallel THEN
        SET LOCAL parallel_setup_cost = 0;
        SET LOCAL parallel_tuple_cost = 0;
        SET LOCAL min_parallel_table_scan_size = 0;
        SET LOCAL max_parallel_workers_per_gather = 2;
    ELSE
        SET LOCAL max_parallel_workers_per_gather = 0;
    END IF;
    FOR mode IN SELECT wf_modes.m FROM wf_modes LOOP
        RETURN QUERY EXECUTE format(
            'SELECT %L::text, g, jimo.window_funnel(''15 minutes'', %L, ts, e = 1, e = 2, e = 3, e = 4)
             FROM wf_par GROUP BY g', mode, mode);
    END LOOP;
END $$;
BEGIN;
SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0;
SET LOCAL min_parallel_table_scan_size = 0;
SET LOCAL max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF)
SELECT jimo.window_funnel('15 minutes', 'strict_order', ts, e = 1, e = 2, e = 3, e = 4) FROM wf_par;
-- grouped: the plan shape may vary with the statistics; that it has partial
-- aggregation under a Gather does not
CREATE FUNCTION pg_temp.plan(q text) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE l text;
BEGIN
    FOR l IN EXECUTE 'EXPLAIN (COSTS OFF) ' || q LOOP RETURN NEXT l; END LOOP;
END $$;
SELECT bool_or(l ~ 'Partial (Hash|Group)?Aggregate') AS partial_aggregate,
       bool_or(l ~ 'Gather') AS gather
FROM pg_temp.plan('SELECT g, jimo.window_funnel(''15 minutes'', ts, e = 1, e = 2, e = 3, e = 4) FROM wf_par GROUP BY g') l;
COMMIT;
CREATE TEMP TABLE wf_serial AS SELECT * FROM pg_temp.levels(false);
CREATE TEMP TABLE wf_parallel AS SELECT * FROM pg_temp.levels(true);
-- every mode, every group: same level
SELECT m, count(*) AS groups, count(*) FILTER (WHERE s.level IS DISTINCT FROM p.level) AS differ,
       min(s.level) AS min_level, max(s.level) AS max_level
FROM wf_serial s FULL JOIN wf_parallel p USING (m, g)
GROUP BY m ORDER BY m;
DROP TABLE wf_par;

-------------------------------------------------------------------------------
-- jimo.event_funnel over ingested events: tour.completed -> survey.completed
-- -> checklist.completed within 7 days, per jimer.
-------------------------------------------------------------------------------
-- Other test files may have ingested data: start from empty tables.
DO $$
BEGIN
    EXECUTE (SELECT 'TRUNCATE ' || string_agg(format('jimo.%I', tablename), ', ' ORDER BY tablename)
                    || ' RESTART IDENTITY CASCADE'
             FROM pg_tables WHERE schemaname = 'jimo');
END $$;
-- J1 tour d0, survey d1, checklist d2: 3.
-- J2 tour d0, survey d3, checklist d9 (9 days after the tour): 2.
-- J3 survey d0, tour d1, checklist d2 (no survey after the tour): 1.
-- J4 tour d0 only: 1.
-- J5 checklist only: 0 (not counted).
-- J6 tour d0, survey and checklist exactly 7 days later: 3 (closed window).
-- J7 tour d0, tour d8, survey d9, checklist d10: the second tour restarts
--    the chain at d8: 3.
-- Plus a tour.completed without a jimer (not counted) and the J1 survey
-- delivered twice (deduplicated at ingest).
CREATE TEMP TABLE fx (who int, name text, day numeric, exp text);
INSERT INTO fx VALUES
    (1, 'tour.completed', 0, 'a001'), (1, 'survey.completed', 1, 'b001'), (1, 'checklist.completed', 2, 'c001'),
    (2, 'tour.completed', 0, 'a001'), (2, 'survey.completed', 3, 'b001'), (2, 'checklist.completed', 9, 'c001'),
    (3, 'survey.completed', 0, 'b001'), (3, 'tour.completed', 1, 'a001'), (3, 'checklist.completed', 2, 'c001'),
    (4, 'tour.completed', 0, 'a001'),
    (5, 'checklist.completed', 0, 'c001'),
    (6, 'tour.completed', 0, 'a002'), (6, 'survey.completed', 7, 'b001'), (6, 'checklist.completed', 7, 'c001'),
    (7, 'tour.completed', 0, 'a001'), (7, 'tour.completed', 8, 'a002'), (7, 'survey.completed', 9, 'b001'),
    (7, 'checklist.completed', 10, 'c001'),
    (NULL, 'tour.completed', 0, 'a001'),
    -- tour.started for experience_event_funnel: J1 and J2 started a001 an
    -- hour before completing it; J3 started a001 but never completed it
    -- (its completion at d1 is 2 days later); J6 started a002.
    (1, 'tour.started', -0.04, 'a001'), (2, 'tour.started', -0.04, 'a001'), (3, 'tour.started', -1, 'a001'),
    (6, 'tour.started', -0.04, 'a002');
SELECT status, count(*)
FROM jimo.receive_batch((
    SELECT array_agg(format(
        '{"event": "%s", "version": "0", "time": %s, "experience": {"uid": "00000000-0000-4000-8000-00000000%s", "type": "%s"}%s}',
        name, (extract(epoch FROM '2025-01-06 00:00:00+00'::timestamptz) * 1000 + day * 86400000)::bigint,
        exp, upper(split_part(name, '.', 1)),
        CASE WHEN who IS NULL THEN ''
             ELSE format(', "jimer": {"uid": "00000000-0000-4000-9000-00000000000%s"}', who) END)
        ORDER BY who, day)
    FROM (SELECT * FROM fx UNION ALL SELECT * FROM fx WHERE who = 1 AND name = 'survey.completed') f))
GROUP BY status ORDER BY status;
-- step 1: J1 J2 J3 J4 J6 J7 = 6; step 2: J1 J2 J6 J7 = 4; step 3: J1 J6 J7
-- = 3.  Shares of step 1: 1, 0.6667, 0.5; of the step before: -, 0.6667,
-- 0.75.
SELECT * FROM jimo.event_funnel('7 days', 'tour.completed', 'survey.completed', 'checklist.completed');
-- A 9-day window lets J2's checklist in: 6, 4, 4.
SELECT * FROM jimo.event_funnel('9 days', 'tour.completed', 'survey.completed', 'checklist.completed');
-- One experience: tour a001 started -> completed within a day.  J1, J2
-- started and completed an hour later: 2; J3 started, completed 2 days
-- later: level 1; J4 and J7 completed a001 without a start: 0.  So 3, 2.
SELECT * FROM jimo.experience_event_funnel('00000000-0000-4000-8000-00000000a001', '1 day', 'tour.started', 'tour.completed');
-- NULL experience: every experience (J6 started and completed a002 too): 4, 3.
SELECT * FROM jimo.experience_event_funnel(NULL, '1 day', 'tour.started', 'tour.completed');
-- Nothing matches: one row per step, with zeros.
SELECT * FROM jimo.event_funnel('1 day', 'post.liked', 'post.commented');
-- Errors: no step (22023), 33 steps (54023), a window that is not
-- positive (22023, even for events that do not exist) or NULL (22004).
\set VERBOSITY default
\set SHOW_CONTEXT never
SELECT * FROM jimo.event_funnel('1 day', VARIADIC '{}'::text[]);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM jimo.event_funnel('1 day', VARIADIC array_fill('tour.completed'::text, ARRAY[33]));
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM jimo.event_funnel('0 days', 'no.such.event');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM jimo.event_funnel(NULL, 'tour.completed');
\echo :LAST_ERROR_SQLSTATE
\set VERBOSITY terse
\set SHOW_CONTEXT errors
-- strict_once with strict_deduplication, rows matching two steps (0.16, an
-- audit against ClickHouse's getEventLevelStrictOnce): view and click at
-- 00:00 each match steps 1 and 2, buy at 00:05 step 3.  The items, by time
-- and step: view and click reach level 1 (two chains); view's step-2 item
-- extends click's chain to level 2; click's step-2 item finds level 2
-- reached and ends the scan with 2, in either row order.  0.15 skipped that
-- item because level 2's only chain held click already, and went on to 3.
SELECT jimo.window_funnel('1 hour', 'strict_once,strict_deduplication', ts,
                          e IN ('view', 'click'), e IN ('view', 'click'), e = 'buy') AS view_first
FROM (VALUES ('2025-01-01 00:00+00'::timestamptz, 'view'), ('2025-01-01 00:00+00', 'click'),
             ('2025-01-01 00:05+00', 'buy')) v(ts, e);
SELECT jimo.window_funnel('1 hour', 'strict_once,strict_deduplication', ts,
                          e IN ('view', 'click'), e IN ('view', 'click'), e = 'buy') AS click_first
FROM (VALUES ('2025-01-01 00:05+00'::timestamptz, 'buy'), ('2025-01-01 00:00+00', 'click'),
             ('2025-01-01 00:00+00', 'view')) v(ts, e);
-- strict_once over every combination of rows: 32 rows each matching all 32
-- steps make more chains than any memory holds; the scan stops with 54000
-- when its chains pass 512 MB (0.15 grew without bound and could not be
-- cancelled).
\set VERBOSITY default
\set SHOW_CONTEXT never
SELECT jimo.window_funnel('1 day', 'strict_once', to_timestamp(i), VARIADIC array_fill(true, ARRAY[32]))
FROM generate_series(1, 32) i;
\echo :LAST_ERROR_SQLSTATE
\set VERBOSITY terse
\set SHOW_CONTEXT errors
-- 1 000 rows each matching steps 1 and 2 of three: level 2 at most (the
-- third never matches), and without quartic time (0.15: minutes).
SELECT jimo.window_funnel('1 day', 'strict_once', to_timestamp(i), true, true, false)
FROM generate_series(1, 1000) i;
-- A window longer than 292 277 years (INT64_MAX microseconds) is unbounded:
-- timestamps span more than that, and 0.15 answered 1 here.
SELECT jimo.window_funnel('2147483647 days', ts, s = 1, s = 2)
FROM (VALUES ('4713-01-01 00:00+00 BC'::timestamptz, 1), ('294276-12-31 00:00+00', 2)) v(ts, s);
-- A steps array passed whole is read from its first element wherever it
-- starts (0.15: NULL names and 0 jimers), and two dimensions are refused.
SELECT step, event_name, jimers FROM jimo.event_funnel('7 days', VARIADIC '[5:6]={tour.completed,survey.completed}'::text[]);
\set VERBOSITY default
\set SHOW_CONTEXT never
SELECT * FROM jimo.event_funnel('7 days', VARIADIC '{{tour.completed,survey.completed}}'::text[]);
\echo :LAST_ERROR_SQLSTATE
\set VERBOSITY terse
\set SHOW_CONTEXT errors
