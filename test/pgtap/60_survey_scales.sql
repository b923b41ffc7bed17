-- Survey steps are summarised on the scale they are answered on: NPS only for
-- NPS steps (never a 1-5 or 1-7 rating, which 0.1 showed as NPS -100),
-- ratings with their distribution, choices with their share of respondents,
-- and NPS and ratings per week and month. Hand-worked numbers.
BEGIN;
SET LOCAL client_min_messages = warning;
SET LOCAL timezone = 'UTC';
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS jimo_webhooks;

SELECT plan(32);

-- answer(step uid, step type or NULL, answer as JSON, jimer number, event time in ms)
CREATE FUNCTION pg_temp.answer(step text, typ text, ans jsonb, jimer int, t bigint) RETURNS text
LANGUAGE sql AS $$
SELECT jsonb_build_object(
    'event', 'survey.step.answered', 'time', t,
    'experience', jsonb_build_object('uid', 'd0d0d0d0-0000-4000-8000-000000000001', 'type', 'SURVEY', 'title', 'Feedback'),
    'jimer', jsonb_build_object('uid', format('e0e0e0e0-0000-4000-8000-%s', lpad(jimer::text, 12, '0'))),
    'step', jsonb_strip_nulls(jsonb_build_object('uid', step, 'type', typ)),
    'answer', ans)::text
$$;

SELECT is((SELECT count(*) FROM jimo.receive_batch(ARRAY[
    -- a 1-5 opinion scale, typed
    pg_temp.answer('opinion', 'OPINION_SCALE', '1', 1, 1740000000000),
    pg_temp.answer('opinion', 'OPINION_SCALE', '2', 2, 1740000000001),
    pg_temp.answer('opinion', 'OPINION_SCALE', '3', 3, 1740000000002),
    pg_temp.answer('opinion', 'OPINION_SCALE', '5', 4, 1740000000003),
    pg_temp.answer('opinion', 'OPINION_SCALE', '5', 5, 1740000000004),
    -- a 1-5 rating with no type: all integers 0..10, the case 0.1 got wrong
    pg_temp.answer('stars', NULL, '1', 1, 1740000000010),
    pg_temp.answer('stars', NULL, '1', 2, 1740000000011),
    pg_temp.answer('stars', NULL, '4', 3, 1740000000012),
    pg_temp.answer('stars', NULL, '5', 4, 1740000000013),
    -- a 1-7 scale with no type
    pg_temp.answer('seven', NULL, '1', 1, 1740000000020),
    pg_temp.answer('seven', NULL, '7', 2, 1740000000021),
    -- an untyped 0-10 step: NPS (an answer above 7)
    pg_temp.answer('untyped-nps', NULL, '0', 1, 1740000000030),
    pg_temp.answer('untyped-nps', NULL, '6', 2, 1740000000031),
    pg_temp.answer('untyped-nps', NULL, '7', 3, 1740000000032),
    pg_temp.answer('untyped-nps', NULL, '8', 4, 1740000000033),
    pg_temp.answer('untyped-nps', NULL, '9', 5, 1740000000034),
    pg_temp.answer('untyped-nps', NULL, '10', 6, 1740000000035),
    -- a typed NPS step answered in February and in March 2025
    pg_temp.answer('nps', 'NPS', '10', 1, 1740000000040),
    pg_temp.answer('nps', 'NPS', '{"value": 10}', 2, 1740000000041),
    pg_temp.answer('nps', 'NPS', '3', 3, 1741000000000),
    -- choices: a list per answer, and single choices as strings
    pg_temp.answer('multi', 'MULTIPLE_CHOICE', '["a", "b"]', 1, 1740000000050),
    pg_temp.answer('multi', 'MULTIPLE_CHOICE', '["a"]', 2, 1740000000051),
    pg_temp.answer('multi', 'MULTIPLE_CHOICE', '["c"]', 3, 1740000000052),
    pg_temp.answer('single', 'SINGLE_CHOICE', '"x"', 1, 1740000000060),
    pg_temp.answer('single', 'SINGLE_CHOICE', '"x"', 2, 1740000000061),
    pg_temp.answer('single', 'SINGLE_CHOICE', '"y"', 3, 1740000000062)
]) WHERE status = 'stored'), 26::bigint, 'every answer is stored');

SELECT results_eq(
    $$SELECT step_uid, is_nps, is_rating, is_choice FROM jimo.survey_step_scales ORDER BY step_uid$$,
    $$VALUES ('multi', false, false, true), ('nps', true, false, false), ('opinion', false, true, false),
             ('seven', false, true, false), ('single', false, false, true), ('stars', false, true, false),
             ('untyped-nps', true, false, false)$$,
    'each step is NPS, a rating or a choice by its type, or by its answers when untyped');

SELECT results_eq(
    $$SELECT step_uid, nps_typed, responses, promoters, passives, detractors, nps FROM jimo.survey_nps ORDER BY step_uid$$,
    $$VALUES ('nps', true, 3::bigint, 2::bigint, 0::bigint, 1::bigint, 33.3),
             ('untyped-nps', false, 6, 2, 2, 2, 0.0)$$,
    'survey_nps has the two NPS steps only: no 1-5 or 1-7 scale, typed or not');
SELECT is((SELECT count(*) FROM jimo.survey_nps WHERE step_uid IN ('opinion', 'stars', 'seven')), 0::bigint,
          'a 1-5 rating is never reported as NPS (0.1 showed "stars" as NPS -100)');

SELECT results_eq(
    $$SELECT step_uid, step_type, responses, respondents, mean, median, scale_min_seen, scale_max_seen, distribution
      FROM jimo.survey_ratings ORDER BY step_uid$$,
    $$VALUES ('opinion', 'OPINION_SCALE', 5::bigint, 5::bigint, 3.20, 3::float8, 1::numeric, 5::numeric, '{"1": 1, "2": 1, "3": 1, "5": 2}'::jsonb),
             ('seven', NULL, 2, 2, 4.00, 4, 1, 7, '{"1": 1, "7": 1}'),
             ('stars', NULL, 4, 4, 2.75, 2.5, 1, 5, '{"1": 2, "4": 1, "5": 1}')$$,
    'survey_ratings: responses, mean, median, scale seen and distribution of each rating step');

SELECT results_eq(
    $$SELECT step_uid, choice, selections, respondents, step_respondents, share_of_respondents
      FROM jimo.survey_choices ORDER BY step_uid, choice$$,
    $$VALUES ('multi', 'a', 2::bigint, 2::bigint, 3::bigint, 0.6667),
             ('multi', 'b', 1, 1, 3, 0.3333),
             ('multi', 'c', 1, 1, 3, 0.3333),
             ('single', 'x', 2, 2, 3, 0.6667),
             ('single', 'y', 1, 1, 3, 0.3333)$$,
    'survey_choices: one row per step and option, with its share of the step''s respondents');

SELECT results_eq(
    $$SELECT period_start::date, responses, promoters, detractors, nps FROM jimo.survey_nps_trend
      WHERE step_uid = 'nps' AND grain = 'month' ORDER BY period_start$$,
    $$VALUES ('2025-02-01'::date, 2::bigint, 2::bigint, 0::bigint, 100.0), ('2025-03-01', 1, 0, 1, -100.0)$$,
    'survey_nps_trend by month');
SELECT results_eq(
    $$SELECT period_start::date, responses, nps FROM jimo.survey_nps_trend
      WHERE step_uid = 'nps' AND grain = 'week' ORDER BY period_start$$,
    $$VALUES ('2025-02-17'::date, 2::bigint, 100.0), ('2025-03-03', 1, -100.0)$$,
    'survey_nps_trend by week (weeks start on Monday)');
SELECT is((SELECT sum(responses) FROM jimo.survey_nps_trend WHERE grain = 'week'),
          (SELECT sum(responses) FROM jimo.survey_nps)::numeric,
          'the weeks add up to the whole');
SELECT is((SELECT count(*) FROM jimo.survey_nps_trend WHERE step_uid IN ('opinion', 'stars', 'seven')), 0::bigint,
          'no rating step in the NPS trend');
SELECT results_eq(
    $$SELECT step_uid, grain, responses, mean, median FROM jimo.survey_ratings_trend
      WHERE step_uid = 'stars' ORDER BY grain$$,
    $$VALUES ('stars', 'month', 4::bigint, 2.75, 2.5::float8), ('stars', 'week', 4, 2.75, 2.5)$$,
    'survey_ratings_trend: mean and median per period');

-- (0.12) A filter on the period reads only those periods' months: the
-- February answers are never read for March, and the rows are the same as
-- filtering the whole view.
CREATE FUNCTION pg_temp.plan(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r text; p text := '';
BEGIN
    FOR r IN EXECUTE 'EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) ' || q LOOP
        p := p || r || E'\n';
    END LOOP;
    RETURN p;
END $$;
SELECT results_eq(
    $$SELECT * FROM jimo.survey_nps_trend WHERE grain = 'month' AND period_start >= '2025-03-01' ORDER BY step_uid$$,
    $$WITH t AS MATERIALIZED (SELECT * FROM jimo.survey_nps_trend)
      SELECT * FROM t WHERE grain = 'month' AND period_start >= '2025-03-01' ORDER BY step_uid$$,
    'survey_nps_trend filtered on period_start: the rows of the whole view in that range');
SELECT ok(pg_temp.plan($$SELECT * FROM jimo.survey_nps_trend WHERE grain = 'month' AND period_start >= '2025-03-01'$$)
          ~ 'on survey_answers_p2025_03'
          AND pg_temp.plan($$SELECT * FROM jimo.survey_nps_trend WHERE grain = 'month' AND period_start >= '2025-03-01'$$)
          !~ 'on survey_answers_p2025_02[^\n]*\(actual rows',
          'a March filter reads March''s answers and never February''s');
-- (0.12) and inside a month, a period is a range of the answers' index: the
-- answer time is an index condition, not a filter over the step's month
-- (seqscans off: the planner would read a few test rows whole).
SET LOCAL enable_seqscan = off;
SELECT ok(pg_temp.plan($$SELECT * FROM jimo.survey_nps_trend WHERE grain = 'week' AND period_start >= '2025-03-01'$$)
          ~ 'Index Cond: \(\(experience_uid = [^\n]*AND \(step_uid = [^\n]*AND \(answered_at >= [^\n]*AND \(answered_at < ',
          'a week of a trend is an index range of its step and time');
RESET enable_seqscan;

-- Redelivered and reordered answers change nothing.
SELECT is((SELECT count(*) FROM jimo.receive_batch(ARRAY[
    pg_temp.answer('stars', NULL, '5', 4, 1740000000013),
    pg_temp.answer('nps', 'NPS', '3', 3, 1741000000000)]) WHERE status = 'duplicate'), 2::bigint,
    'redeliveries are duplicates');
SELECT results_eq($$SELECT step_uid, nps FROM jimo.survey_nps ORDER BY step_uid$$,
                  $$VALUES ('nps', 33.3), ('untyped-nps', 0.0)$$, 'and leave the scores alone');

-- A 1-5 step with no type and a later answer of 9 is an NPS step after all:
-- the rule is about the answers seen, so say so in the view comment.
SELECT matches(obj_description('jimo.survey_step_scales'::regclass, 'pg_class'),
               'at least one above 7', 'the rule is in the view''s comment');

-- 0.11: the scales come from jimo.survey_step_stats, kept at ingest.  One
-- step answered with other types and the same number written 5.0 and 5, and
-- answers without a step uid; then everything again from nothing, newest
-- first in calls of 2, and redelivered: the same scales, and the rollup equals
-- what the stored answers give.
SELECT is((SELECT count(*) FROM jimo.receive_batch(ARRAY[
    pg_temp.answer('mixed', 'RATING', '5.0', 1, 1740000000070),
    pg_temp.answer('mixed', NULL, '5', 2, 1740000000071),
    pg_temp.answer('mixed', 'rating', '2', 3, 1740000000072),
    pg_temp.answer(NULL, NULL, '9', 1, 1740000000080),
    pg_temp.answer(NULL, 'NPS', '"text"', 2, 1740000000081)]) WHERE status = 'stored'), 5::bigint,
    'five more answers stored');
SELECT results_eq(
    $$SELECT step_uid, step_type, answers, numeric_answers, scale_min_seen::text, scale_max_seen::text,
             is_nps, is_rating FROM jimo.survey_step_scales WHERE step_uid IS NULL OR step_uid = 'mixed'
      ORDER BY step_uid$$,
    $$VALUES ('mixed', 'rating', 3::bigint, 3::bigint, '2', '5', false, true),
             (NULL, 'NPS', 2, 1, '9', '9', true, false)$$,
    'a step''s latest type, its answers of every type, 5.0 and 5 as 5, a step without uid');
CREATE TEMP TABLE scales_once AS SELECT * FROM jimo.survey_step_scales;
CREATE TEMP TABLE bodies AS
SELECT payload::text AS body, row_number() OVER (ORDER BY occurred_at DESC, digest) AS n
FROM jimo.events;
TRUNCATE jimo.events, jimo.rejected, jimo.experiences, jimo.jimers, jimo.journeys,
         jimo.survey_steps, jimo.survey_step_stats, jimo.survey_step_journeys, jimo.survey_answers;
SELECT is((SELECT count(*) FROM generate_series(1, (SELECT count(*) FROM bodies), 2) AS g(i)
           CROSS JOIN LATERAL jimo.receive_batch(ARRAY(SELECT body FROM bodies
                                                       WHERE n BETWEEN g.i AND g.i + 1 ORDER BY n)) r
           WHERE r.status = 'stored'), 31::bigint, 'all again, newest first, in calls of 2');
SELECT is((SELECT count(*) FROM jimo.receive_batch(ARRAY(SELECT body FROM bodies ORDER BY md5(body)))
           WHERE status = 'duplicate'), 31::bigint, 'and once more: all duplicates');
SELECT set_eq($$SELECT * FROM jimo.survey_step_scales$$, $$SELECT * FROM scales_once$$,
              'the same scales for another order and split');
SELECT is((SELECT count(*) FROM (
              SELECT * FROM jimo.survey_step_stats
              EXCEPT ALL
              SELECT experience_uid, step_uid, step_type, min(answered_at), max(answered_at),
                     count(*), count(answer_number),
                     bool_and(coalesce(answer_number BETWEEN 0 AND 10
                                       AND answer_number = trunc(answer_number), false)),
                     trim_scale(min(answer_number)), trim_scale(max(answer_number)),
                     bool_or(answer_choices IS NOT NULL)
              FROM jimo.survey_answers GROUP BY 1, 2, 3) d)
          + (SELECT count(*) FROM jimo.survey_step_stats)
          - (SELECT count(*) FROM (SELECT DISTINCT experience_uid, step_uid, step_type
                                   FROM jimo.survey_answers) d),
          0::bigint, 'jimo.survey_step_stats is the stored answers summed up, one row per step type');

-- (0.12) A step is read on its own even when the answer names no survey or no
-- step: NULL matches NULL, and nothing else.
SELECT is((SELECT count(*) FROM jimo.receive_batch(ARRAY[
    '{"event":"survey.step.answered","time":1740000000000,"jimer":{"uid":"e0e0e0e0-0000-4000-8000-000000000091"},"step":{"uid":"q1","type":"NPS"},"answer":9}',
    '{"event":"survey.step.answered","time":1740000000001,"jimer":{"uid":"e0e0e0e0-0000-4000-8000-000000000092"},"step":{"type":"NPS"},"answer":3}',
    '{"event":"survey.step.answered","time":1740000000002,"jimer":{"uid":"e0e0e0e0-0000-4000-8000-000000000093"},"step":{"uid":"q1","type":"NPS"},"answer":10}',
    '{"event":"survey.step.answered","time":1740000000003,"jimer":{"uid":"e0e0e0e0-0000-4000-8000-000000000093"},"experience":{"uid":"d0d0d0d0-0000-4000-8000-000000000009"},"step":{"uid":"q1","type":"NPS"},"answer":0}'
    ]) WHERE status = 'stored'), 4::bigint, 'answers without a survey, without a step, or both, stored');
SELECT results_eq(
    $$SELECT experience_uid::text, step_uid, responses, promoters, detractors, nps FROM jimo.survey_nps
      WHERE experience_uid IS NULL OR experience_uid = 'd0d0d0d0-0000-4000-8000-000000000009'
      ORDER BY 1 NULLS LAST, 2 NULLS LAST$$,
    $$VALUES ('d0d0d0d0-0000-4000-8000-000000000009', 'q1', 1::bigint, 0::bigint, 1::bigint, -100.0),
             (NULL, 'q1', 2, 2, 0, 100.0),
             (NULL, NULL, 1, 0, 1, -100.0)$$,
    'survey_nps: the same step uid under no survey and under a survey are two steps; no survey and no step a third');

-- (0.12) One title per step in every view: the one survey_funnel shows (the
-- newest answer's).  Step "retitled" was renamed; step "untitled-last" got an
-- answer without a title last; step "tie" got two titles at the same time.
CREATE FUNCTION pg_temp.titled(step text, title text, ans int, jimer int, t bigint, typ text DEFAULT 'NPS') RETURNS text
LANGUAGE sql AS $$
SELECT jsonb_build_object(
    'event', 'survey.step.answered', 'time', t,
    'experience', jsonb_build_object('uid', 'd0d0d0d0-0000-4000-8000-000000000010', 'type', 'SURVEY'),
    'jimer', jsonb_build_object('uid', format('e0e0e0e0-0000-4000-8000-%s', lpad(jimer::text, 12, '0'))),
    'step', jsonb_strip_nulls(jsonb_build_object('uid', step, 'type', typ, 'title', title)),
    'answer', ans)::text
$$;
SELECT is((SELECT count(*) FROM jimo.receive_batch(ARRAY[
    pg_temp.titled('retitled', 'Old question', 9, 1, 1740000000100),
    pg_temp.titled('retitled', 'New question', 3, 2, 1740000000200),
    pg_temp.titled('untitled-last', 'Asked once', 9, 1, 1740000000100),
    pg_temp.titled('untitled-last', NULL, 10, 2, 1740000000200),
    pg_temp.titled('tie', 'A', 9, 1, 1740000000300),
    pg_temp.titled('tie', 'B', 9, 2, 1740000000300),
    pg_temp.titled('stars-titled', 'Rate us', 4, 1, 1740000000100, 'RATING'),
    pg_temp.titled('stars-titled', 'Rate us again', 5, 2, 1740000000050, 'RATING')]) WHERE status = 'stored'), 8::bigint,
    'eight titled answers stored');
SELECT is((SELECT count(*) FROM jimo.survey_funnel f
           JOIN jimo.survey_nps n USING (experience_uid, step_uid)
           WHERE f.stage = 'step' AND f.step_title IS DISTINCT FROM n.step_title), 0::bigint,
          'survey_nps shows every step under the title survey_funnel shows');
SELECT results_eq(
    $$SELECT step_uid, step_title FROM jimo.survey_nps
      WHERE experience_uid = 'd0d0d0d0-0000-4000-8000-000000000010' AND step_uid <> 'tie' ORDER BY 1$$,
    $$VALUES ('retitled', 'New question'), ('untitled-last', NULL)$$,
    'the newest answer''s title, none when it sent none');

SELECT is((SELECT count(*) FROM jimo.survey_funnel f
           JOIN jimo.survey_ratings r USING (experience_uid, step_uid)
           WHERE f.stage = 'step' AND f.step_title IS DISTINCT FROM r.step_title), 0::bigint,
          'and so does survey_ratings');
SELECT is((SELECT step_title FROM jimo.survey_ratings WHERE step_uid = 'stars-titled'), 'Rate us',
          'a rating step: the title of its newest answer, whatever the order of arrival');

-- A step that survey_funnel does not list (its answers name no survey) shows
-- the latest title sent: a newer answer without a title does not blank it,
-- and an older title does not win because it arrived last.
SELECT is((SELECT count(*) FROM jimo.receive_batch(ARRAY[
    '{"event":"survey.step.answered","time":1740000000200,"jimer":{"uid":"e0e0e0e0-0000-4000-8000-000000000095"},"step":{"uid":"orphan","type":"NPS","title":"Latest"},"answer":9}',
    '{"event":"survey.step.answered","time":1740000000300,"jimer":{"uid":"e0e0e0e0-0000-4000-8000-000000000096"},"step":{"uid":"orphan","type":"NPS"},"answer":8}',
    '{"event":"survey.step.answered","time":1740000000100,"jimer":{"uid":"e0e0e0e0-0000-4000-8000-000000000097"},"step":{"uid":"orphan","type":"NPS","title":"First"},"answer":2}',
    '{"event":"survey.step.answered","time":1740000000200,"jimer":{"uid":"e0e0e0e0-0000-4000-8000-000000000095"},"step":{"uid":"orphan-stars","type":"RATING","title":"Stars now"},"answer":4}',
    '{"event":"survey.step.answered","time":1740000000100,"jimer":{"uid":"e0e0e0e0-0000-4000-8000-000000000096"},"step":{"uid":"orphan-stars","type":"RATING","title":"Stars then"},"answer":5}'
    ]) WHERE status = 'stored'), 5::bigint, 'titled answers naming no survey stored');
SELECT results_eq(
    $$SELECT step_uid, step_title FROM jimo.survey_nps WHERE experience_uid IS NULL AND step_uid = 'orphan'
      UNION ALL
      SELECT step_uid, step_title FROM jimo.survey_ratings WHERE experience_uid IS NULL AND step_uid = 'orphan-stars'$$,
    $$VALUES ('orphan', 'Latest'), ('orphan-stars', 'Stars now')$$,
    'a step no funnel lists: the latest title sent, in survey_nps and in survey_ratings');

SELECT * FROM finish();
ROLLBACK;
