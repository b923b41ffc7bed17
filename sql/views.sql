--
-- The BI views over a hand-built fixture, ingested through jimo.receive_batch
-- (the real C path). Every expected number is worked out in the comment above
-- its query. Then the same deliveries are ingested again in another order,
-- with more repeats, and every view must come out identical.
--
SET timezone = 'UTC';
SET jimo.funnel_window = '14 days';
-- Other test files may have ingested data: start from empty tables (every
-- table of the schema, so that a table added later is emptied too).
CREATE FUNCTION pg_temp.empty_jimo() RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE (SELECT 'TRUNCATE ' || string_agg(format('jimo.%I', tablename), ', ' ORDER BY tablename)
                    || ' RESTART IDENTITY CASCADE'
             FROM pg_tables WHERE schemaname = 'jimo');
    RETURN true;
END $$;
SELECT pg_temp.empty_jimo();

-- The cast. Experience uids end in a001 (tours), b001 (surveys), c001
-- (checklist), d001 (hints, banner), e001 (posts); jimers J1..J5 end in 1..5.
CREATE TEMP TABLE fx_exp (k text PRIMARY KEY, uid uuid, title text, type text);
INSERT INTO fx_exp VALUES
    ('T1', '00000000-0000-4000-8000-00000000a001', 'Onboarding',    'TOUR'),
    ('T2', '00000000-0000-4000-8000-00000000a002', 'Old tour',      'TOUR'),
    ('T3', '00000000-0000-4000-8000-00000000a003', 'Never started', 'TOUR'),
    ('S1', '00000000-0000-4000-8000-00000000b001', 'Feedback',      'SURVEY'),
    ('S2', '00000000-0000-4000-8000-00000000b002', 'Dropped survey','SURVEY'),
    ('C1', '00000000-0000-4000-8000-00000000c001', 'Setup',         'CHECKLIST'),
    ('H1', '00000000-0000-4000-8000-00000000d001', 'Export button', 'HINT'),
    ('H2', '00000000-0000-4000-8000-00000000d002', 'Unseen hint',   'HINT'),
    ('B1', '00000000-0000-4000-8000-00000000d003', 'Maintenance',   'BANNER'),
    ('P1', '00000000-0000-4000-8000-00000000e001', 'Release 2.4',   'POST'),
    ('P2', '00000000-0000-4000-8000-00000000e002', 'Draft post',    'POST');
CREATE TEMP TABLE fx_who (k text PRIMARY KEY, obj jsonb);
INSERT INTO fx_who VALUES
    ('U1', '{"uid": "00000000-0000-4000-a000-000000000001", "email": "pm@example.com", "firstName": "Pat", "lastName": "M"}'),
    ('J1', '{"uid": "00000000-0000-4000-9000-000000000001", "identifyToken": "alice", "username": "Alice", "email": "alice@example.com", "createdAt": "2025-01-01T00:00:00.000Z", "lastActivityAt": "2025-01-31T00:00:00.000Z"}'),
    ('J2', '{"uid": "00000000-0000-4000-9000-000000000002", "identifyToken": "bob", "username": "Bob", "email": null, "createdAt": "2025-01-01T00:00:00.000Z", "lastActivityAt": "2025-01-31T00:00:00.000Z"}'),
    ('J3', '{"uid": "00000000-0000-4000-9000-000000000003", "identifyToken": null, "username": null, "email": null, "createdAt": "2025-01-01T00:00:00.000Z", "lastActivityAt": "2025-01-31T00:00:00.000Z"}'),
    ('J4', '{"uid": "00000000-0000-4000-9000-000000000004", "identifyToken": "dana", "username": "Dana", "email": "dana@example.com", "createdAt": "2025-01-01T00:00:00.000Z", "lastActivityAt": "2025-01-31T00:00:00.000Z"}'),
    ('J5', '{"uid": "00000000-0000-4000-9000-000000000005", "identifyToken": "eve", "username": "Eve", "email": "eve@example.com", "createdAt": "2025-01-01T00:00:00.000Z", "lastActivityAt": "2025-01-31T00:00:00.000Z"}');

-- The events, listed in the order of the first delivery: mostly by time, but
-- with out-of-order arrivals marked "<<" (a completion before its start, ...).
-- extra: the sub-object (step + answer, task, comment). dup: how many extra
-- redeliveries of this event the first run sends (re-serialized differently).
CREATE TEMP TABLE fx (
    ord   int GENERATED ALWAYS AS IDENTITY,
    name  text, at timestamptz, exp text, who text, extra jsonb, dup int DEFAULT 0);
INSERT INTO fx (name, at, exp, who, extra, dup) VALUES
    -- authoring: every experience is created; T2, S2, B1, P2 are deleted later
    ('tour.created',      '2025-02-20 10:00', 'T1', 'U1', NULL, 0),
    ('tour.published',    '2025-02-20 11:00', 'T1', 'U1', NULL, 1),
    ('tour.created',      '2025-02-20 10:01', 'T2', 'U1', NULL, 0),
    ('tour.created',      '2025-02-20 10:02', 'T3', 'U1', NULL, 0),
    ('survey.created',    '2025-02-20 10:03', 'S1', 'U1', NULL, 0),
    ('survey.created',    '2025-02-20 10:04', 'S2', 'U1', NULL, 0),
    ('checklist.created', '2025-02-20 10:05', 'C1', 'U1', NULL, 0),
    ('hint.created',      '2025-02-20 10:06', 'H1', 'U1', NULL, 0),
    ('hint.created',      '2025-02-20 10:07', 'H2', 'U1', NULL, 0),
    ('banner.created',    '2025-02-20 10:08', 'B1', 'U1', NULL, 0),
    ('post.created',      '2025-02-20 10:09', 'P1', 'U1', NULL, 0),
    ('post.created',      '2025-02-20 10:10', 'P2', 'U1', NULL, 0),
    ('tour.deleted',      '2025-03-15 10:00', 'T2', 'U1', NULL, 0),
    ('survey.deleted',    '2025-03-15 10:01', 'S2', 'U1', NULL, 0),
    ('banner.deleted',    '2025-03-10 10:00', 'B1', 'U1', NULL, 0),
    ('post.deleted',      '2025-03-15 10:02', 'P2', 'U1', NULL, 0),

    -- T1 "Onboarding"
    ('tour.completed', '2025-03-01 10:05', 'T1', 'J1', NULL, 2),  -- << before its start; delivered 3 times
    ('tour.started',   '2025-03-01 10:00', 'T1', 'J1', NULL, 0),  -- J1: converts in 300 s
    ('tour.started',   '2025-03-01 11:00', 'T1', 'J2', NULL, 1),  -- J2: starts only
    ('tour.completed', '2025-03-01 12:00', 'T1', 'J3', NULL, 0),  -- J3: completion without start
    ('tour.started',   '2025-03-02 09:00', 'T1', 'J4', NULL, 0),  -- J4: completes 18 days later
    ('tour.completed', '2025-03-20 09:00', 'T1', 'J4', NULL, 0),
    ('tour.started',   '2025-03-02 10:00', 'T1', 'J5', NULL, 0),  -- J5: run 1 converts in 1800 s
    ('tour.completed', '2025-03-02 10:30', 'T1', 'J5', NULL, 0),
    ('tour.completed', '2025-03-10 10:01', 'T1', 'J5', NULL, 0),  -- << J5 run 2, delivered before its start
    ('tour.started',   '2025-03-10 10:00', 'T1', 'J5', NULL, 0),

    -- T2 "Old tour" (deleted on 03-15)
    ('tour.completed', '2025-04-01 09:00', 'T2', 'J1', NULL, 0),  -- << J1: 3 completions: before the
    ('tour.completed', '2025-03-01 08:00', 'T2', 'J1', NULL, 0),  --    start, 4 days after it, and
    ('tour.completed', '2025-03-05 09:00', 'T2', 'J1', NULL, 0),  --    31 days after it
    ('tour.started',   '2025-03-01 09:00', 'T2', 'J1', NULL, 0),
    ('tour.completed', '2025-03-01 08:00', 'T2', 'J2', NULL, 0),  -- J2: completed only before starting
    ('tour.started',   '2025-03-01 09:00', 'T2', 'J2', NULL, 0),

    -- S1 "Feedback": s1 NPS, s2 text, s3 multiple choice
    ('survey.started',       '2025-03-03 10:00', 'S1', 'J1', NULL, 0),
    ('survey.step.answered', '2025-03-03 10:01', 'S1', 'J1', '{"step": {"uid": "s1", "title": "How likely are you to recommend us?", "type": "NPS", "position": 1}, "answer": 10}', 1),
    ('survey.step.answered', '2025-03-03 10:02', 'S1', 'J1', '{"step": {"uid": "s2", "title": "Why?", "type": "TEXT", "position": 2}, "answer": "Great"}', 0),
    ('survey.step.answered', '2025-03-03 10:03', 'S1', 'J1', '{"step": {"uid": "s3", "title": "Which features?", "type": "MULTIPLE_CHOICE", "position": 3}, "answer": ["Reports", "API"]}', 0),
    ('survey.completed',     '2025-03-03 10:04', 'S1', 'J1', NULL, 0),
    ('survey.completed',     '2025-03-03 11:04', 'S1', 'J2', NULL, 0),  -- << J2 in reverse order
    ('survey.step.answered', '2025-03-03 11:03', 'S1', 'J2', '{"step": {"uid": "s3", "title": "Which features?", "type": "MULTIPLE_CHOICE", "position": 3}, "answer": ["API"]}', 0),
    ('survey.step.answered', '2025-03-03 11:02', 'S1', 'J2', '{"step": {"uid": "s2", "title": "Why?", "type": "TEXT", "position": 2}, "answer": "ok"}', 0),
    ('survey.step.answered', '2025-03-03 11:01', 'S1', 'J2', '{"step": {"uid": "s1", "title": "How likely are you to recommend us?", "type": "NPS", "position": 1}, "answer": 9}', 0),
    ('survey.started',       '2025-03-03 11:00', 'S1', 'J2', NULL, 0),
    ('survey.started',       '2025-03-03 12:00', 'S1', 'J3', NULL, 0),  -- J3 abandons after s2
    ('survey.step.answered', '2025-03-03 12:01', 'S1', 'J3', '{"step": {"uid": "s1", "title": "How likely are you to recommend us?", "type": "NPS", "position": 1}, "answer": 6}', 0),
    ('survey.step.answered', '2025-03-03 12:02', 'S1', 'J3', '{"step": {"uid": "s2", "title": "Why?", "type": "TEXT", "position": 2}, "answer": {"text": "Too slow"}}', 0),
    ('survey.started',       '2025-03-03 13:00', 'S1', 'J4', NULL, 0),  -- J4 abandons after s1
    ('survey.step.answered', '2025-03-03 13:01', 'S1', 'J4', '{"step": {"uid": "s1", "title": "How likely are you to recommend us?", "type": "NPS", "position": 1}, "answer": {"value": 7}}', 0),
    ('survey.started',       '2025-03-03 14:00', 'S1', 'J5', NULL, 0),  -- J5 abandons before s1
    -- J1 answers the NPS question again weeks later (a recurring survey)
    ('survey.step.answered', '2025-03-20 10:00', 'S1', 'J1', '{"step": {"uid": "s1", "title": "How likely are you to recommend us?", "type": "NPS", "position": 1}, "answer": "8"}', 0),

    -- C1 "Setup": tasks k1 (renamed on 03-05), k2
    ('checklist.started',        '2025-03-04 10:00',    'C1', 'J1', NULL, 0),  -- J1 completes in 3605 s
    ('checklist.task.completed', '2025-03-04 10:10',    'C1', 'J1', '{"task": {"uid": "k1", "title": "Invite a teammate"}}', 0),
    ('checklist.task.completed', '2025-03-04 11:00',    'C1', 'J1', '{"task": {"uid": "k2", "title": "Connect Slack"}}', 0),
    ('checklist.completed',      '2025-03-04 11:00:05', 'C1', 'J1', NULL, 1),
    ('checklist.started',        '2025-03-04 10:00',    'C1', 'J2', NULL, 0),  -- J2 skips k1, dismisses
    ('checklist.task.skipped',   '2025-03-04 10:20',    'C1', 'J2', '{"task": {"uid": "k1", "title": "Invite a teammate"}}', 0),
    ('checklist.dismissed',      '2025-03-04 10:30',    'C1', 'J2', NULL, 0),
    ('checklist.started',        '2025-03-04 12:00',    'C1', 'J3', NULL, 0),  -- J3 does k1, abandons
    ('checklist.task.completed', '2025-03-04 12:30',    'C1', 'J3', '{"task": {"uid": "k1", "title": "Invite a teammate"}}', 0),
    ('checklist.completed',      '2025-03-05 10:00',    'C1', 'J4', NULL, 0),  -- J4 completes without start
    ('checklist.started',        '2025-03-04 09:00',    'C1', 'J5', NULL, 0),  -- J5 dismisses, then completes
    ('checklist.task.completed', '2025-03-05 09:00',    'C1', 'J5', '{"task": {"uid": "k1", "title": "Invite your team"}}', 0),
    ('checklist.dismissed',      '2025-03-06 09:00',    'C1', 'J5', NULL, 0),  --   after the window (21 days)
    ('checklist.task.completed', '2025-03-25 08:00',    'C1', 'J5', '{"task": {"uid": "k2", "title": "Connect Slack"}}', 0),
    ('checklist.completed',      '2025-03-25 09:00',    'C1', 'J5', NULL, 0),

    -- H1 "Export button", B1 "Maintenance" (deleted); H2 is never seen
    ('hint.seen',   '2025-03-01 15:00', 'H1', 'J1', NULL, 0),  -- << arrives before the 10:00 one
    ('hint.seen',   '2025-03-01 10:00', 'H1', 'J1', NULL, 2),
    ('hint.seen',   '2025-03-02 10:00', 'H1', 'J1', NULL, 0),
    ('hint.seen',   '2025-03-02 11:00', 'H1', 'J2', NULL, 0),
    ('banner.seen', '2025-03-03 10:00', 'B1', 'J3', NULL, 0),

    -- P1 "Release 2.4"; P2 (deleted) has no engagement
    ('post.liked',     '2025-03-05 10:00', 'P1', 'J1', NULL, 1),
    ('post.commented', '2025-03-05 10:01', 'P1', 'J1', '{"comment": {"uid": "m1", "text": "Love it"}}', 0),
    ('post.commented', '2025-03-05 11:00', 'P1', 'J2', '{"comment": {"uid": "m2", "text": "SSO?"}}', 0),
    ('post.commented', '2025-03-06 11:00', 'P1', 'J2', '{"comment": {"uid": "m3", "text": "Thanks"}}', 0),
    ('post.liked',     '2025-03-06 12:00', 'P1', 'J3', NULL, 0);

-- The body of each event, built from the cast: Jimo's envelope, the
-- experience snapshot, the jimer (interactions) or user (authoring).
CREATE TEMP VIEW fx_body AS
SELECT f.ord, f.dup,
       (jsonb_build_object(
            'event', f.name, 'version', '0',
            'time', (extract(epoch FROM f.at) * 1000)::bigint,
            'experience', jsonb_build_object('uid', e.uid, 'title', e.title, 'type', e.type,
                                             'state', 'LIVE', 'isDraft', false),
            CASE WHEN w.k LIKE 'U%' THEN 'user' ELSE 'jimer' END, w.obj)
        || coalesce(f.extra, '{}'))::text AS body
FROM fx f JOIN fx_exp e ON e.k = f.exp JOIN fx_who w ON w.k = f.who;

-- Bodies that cannot be stored: kept in jimo.rejected (the first one twice).
CREATE TEMP TABLE fx_bad (body text);
INSERT INTO fx_bad VALUES ('not json'), ('not json'), ('{"event": "tour.started", "version": "0"}');

-- First run: every event in the listed order, then its redeliveries
-- (pretty-printed: another text, the same event), then the bad bodies.
-- 74 events, 9 redeliveries, 3 bad bodies (2 distinct).
SELECT status, count(*)
FROM jimo.receive_batch(ARRAY(
    SELECT body FROM (
        SELECT 1 AS pass, ord, 0 AS n, body FROM fx_body
        UNION ALL
        SELECT 2, ord, n, jsonb_pretty(body::jsonb) FROM fx_body, generate_series(1, dup) n
        UNION ALL
        SELECT 3, 0, 0, body FROM fx_bad
    ) d ORDER BY pass, ord, n))
GROUP BY status ORDER BY status;

SELECT count(*) AS events, sum(deliveries) AS deliveries FROM jimo.events;
SELECT count(*) AS rejected, sum(deliveries) AS deliveries FROM jimo.rejected;

-------------------------------------------------------------------------------
-- tour_funnel (window 14 days)
-- T1 Onboarding: started J1, J2, J4, J5 = 4.
--   J1 started 03-01 10:00, completed 10:05 (arrived first, 3 times): converts, 300 s.
--   J2 only started: drop-off.
--   J3 completed 03-01 12:00 without any start: completed_without_start 1, not started.
--   J4 started 03-02 09:00, completed 03-20 09:00 = 18 days > 14: drop-off,
--      completed_after_window 1.
--   J5 first start 03-02 10:00, first completion 10:30: converts, 1800 s (its
--      second run 03-10 does not change that).
--   completed 2 (J1, J5), conversion 2/4 = 0.5000, drop-off 2;
--   median of {300, 1800} = 1050; p90 = 300 + 0.9 * 1500 = 1650;
--   first activity 03-01 10:00 (J1 start), last 03-20 09:00 (J4 completion).
-- T2 Old tour (deleted): started J1, J2 = 2.
--   J1 first start 03-01 09:00; completions 03-01 08:00 (before), 03-05 09:00
--      (4 days = 345600 s, inside), 04-01 09:00 (outside): first/last alone
--      cannot tell, the probe finds 03-05: converts, 345600 s.
--   J2 completed 03-01 08:00, before its start 09:00: completed_before_start_only 1.
--   completed 1, 0.5000, drop-off 1, median = p90 = 345600;
--   first activity 03-01 08:00, last 04-01 09:00.
-- T3 Never started: no journeys: zeros, NULL rate and times.
-------------------------------------------------------------------------------
SELECT title, state, is_deleted, started_jimers, completed_jimers, conversion_rate,
       drop_off_jimers, median_seconds_to_complete, p90_seconds_to_complete,
       completed_without_start, completed_before_start_only, completed_after_window,
       first_activity_at, last_activity_at
FROM jimo.tour_funnel ORDER BY title;

-- A 30-day window: T1's J4 (18 days) converts now, so T1 completes 3/4 =
-- 0.7500 with times {300, 1800, 18 * 86400 = 1555200}: median 1800,
-- p90 = 1800 + 0.8 * (1555200 - 1800) = 1244520. T2's J1 still converts at
-- its first completion after the start (03-05), not at 04-01 (31 days).
SET jimo.funnel_window = '30 days';
SELECT title, started_jimers, completed_jimers, conversion_rate, median_seconds_to_complete,
       p90_seconds_to_complete, completed_after_window
FROM jimo.tour_funnel ORDER BY title;
SET jimo.funnel_window = '14 days';

-------------------------------------------------------------------------------
-- tour_funnel_daily: cohorts by day of first start.
-- T1 03-01: J1 (converts, 300 s), J2 (no): 2 started, 1 completed, 0.5000,
--   median = p90 = 300; J3 completed without start on 03-01: 1.
--   activity of J1, J2, J3: first 03-01 10:00, last 03-01 12:00;
--   window closes 03-01 11:00 + 14 days = 03-15 11:00.
-- T1 03-02: J4 (no), J5 (1800 s): 2, 1, 0.5000, median = p90 = 1800;
--   activity first 03-02 09:00, last 03-20 09:00 (J4); window closes 03-16 10:00.
-- T2 03-01: J1 (345600 s), J2 (no): 2, 1, 0.5000, 345600; first 03-01 08:00,
--   last 04-01 09:00; window closes 03-15 09:00.
-- Sums per tour give tour_funnel's 4/2/1 and 2/1/0.
-------------------------------------------------------------------------------
SELECT day, title, is_deleted, started_jimers, completed_jimers, conversion_rate,
       drop_off_jimers, median_seconds_to_complete, p90_seconds_to_complete,
       completed_without_start, first_activity_at, last_activity_at, window_closes_at
FROM jimo.tour_funnel_daily ORDER BY title, day;

-------------------------------------------------------------------------------
-- survey_responses: one row per distinct answer, 10 in all (J1: 4, J2: 3,
-- J3: 2, J4: 1); J1's redelivered s1 answer appears once. Answers as sent:
-- 10 (number), "Great", ["Reports", "API"] (choices, text joined), {"text":
-- "Too slow"}, {"value": 7}, "8" (a numeric string: number 8). J3 is
-- anonymous (no identify_token, no email); J2 has no email.
-------------------------------------------------------------------------------
SELECT answered_at, survey_title, identify_token, email, step_uid, step_title, step_type,
       step_position, answer, answer_text, answer_number, answer_choices
FROM jimo.survey_responses ORDER BY answered_at, jimer_uid;

-------------------------------------------------------------------------------
-- survey_funnel
-- S1 Feedback: started J1..J5 = 5.
--   s1 (position 1): J1, J2, J3, J4 = 4 -> 4/5 = 0.8000 from start and from
--      previous; drop-off {J5} = 1.
--   s2: J1, J2, J3 = 3 -> 0.6000, 3/4 = 0.7500; drop-off {J4} = 1.
--   s3: J1, J2 = 2 -> 0.4000, 2/3 = 0.6667; drop-off {J3} = 1.
--   completed: J1, J2 = 2 -> 0.4000, 1.0000; drop-off 0.
-- S2 Dropped survey (deleted, no activity): started 0, completed 0, NULL rates.
-------------------------------------------------------------------------------
SELECT title, is_deleted, stage_index, stage, step_uid, step_title, step_type, step_position,
       reached_jimers, conversion_from_start, conversion_from_previous, drop_off_jimers
FROM jimo.survey_funnel ORDER BY title, stage_index;

-------------------------------------------------------------------------------
-- survey_nps: only s1 (typed NPS). s2 and s3 have no numbers.
-- Scores: J1 10 and 8, J2 9, J3 6, J4 7 -> 5 responses from 4 respondents;
-- promoters {10, 9} = 2, passives {8, 7} = 2, detractors {6} = 1;
-- nps = 100 * (2 - 1) / 5 = 20.0;
-- p = 0.4, d = 0.2: 1.96 * 100 * sqrt((0.4 + 0.2 - 0.2^2) / 5)
--   = 196 * sqrt(0.112) = 196 * 0.334664 = 65.6.
-------------------------------------------------------------------------------
SELECT title, step_uid, step_title, nps_typed, responses, respondents, promoters, passives,
       detractors, nps, nps_margin_95
FROM jimo.survey_nps ORDER BY title, step_uid;

-------------------------------------------------------------------------------
-- checklist_funnel, C1 Setup:
--   started J1, J2, J3, J5 = 4 (J4 completed without start: 1);
--   progressed (a task done or skipped) J1, J2, J3, J5 = 4;
--   completed within 14 days of the first start: J1 only (11:00:05 - 10:00:00
--      = 3605 s); J5 completed 21 days after starting: not counted;
--   dismissed at or after their start: J2, J5 = 2;
--   completion_rate 1/4 = 0.2500, dismiss_rate 2/4 = 0.5000, median 3605;
--   activity first 03-04 09:00 (J5 start), last 03-25 09:00 (J5 completion).
-------------------------------------------------------------------------------
SELECT title, is_deleted, started_jimers, progressed_jimers, completed_jimers,
       dismissed_jimers, completion_rate, dismiss_rate, median_seconds_to_complete,
       completed_without_start, first_activity_at, last_activity_at
FROM jimo.checklist_funnel ORDER BY title;

-------------------------------------------------------------------------------
-- checklist_tasks_summary:
--   k1: completed by J1, J3, J5 = 3, skipped by J2 = 1; its latest event
--       (J5, 03-05 09:00) names it "Invite your team"; first 03-04 10:10,
--       last 03-05 09:00.
--   k2: completed by J1, J5 = 2, skipped 0; first 03-04 11:00, last 03-25 08:00.
-------------------------------------------------------------------------------
SELECT title, task_uid, task_title, completed_jimers, skipped_jimers, completions, skips,
       first_activity_at, last_activity_at
FROM jimo.checklist_tasks_summary ORDER BY title, task_uid;

-------------------------------------------------------------------------------
-- experience_reach:
--   H1 Export button: J1 saw it 3 times (03-01 10:00, 15:00, 03-02 10:00; the
--     10:00 one delivered 3 times counts once), J2 once (03-02 11:00):
--     2 jimers, 4 views, first 03-01 10:00, last 03-02 11:00.
--   B1 Maintenance (deleted): J3 once on 03-03 10:00: 1, 1.
--   H2 Unseen hint: 0, 0, NULL times.
-------------------------------------------------------------------------------
SELECT type, title, is_deleted, unique_jimers, views, first_seen_at, last_seen_at
FROM jimo.experience_reach ORDER BY title;

-------------------------------------------------------------------------------
-- experience_reach_daily:
--   H1 03-01: J1 twice: 1 jimer, 2 views, 1 new; 10:00 .. 15:00.
--   H1 03-02: J1, J2: 2 jimers, 2 views, 1 new (J2); 10:00 .. 11:00.
--   B1 03-03: J3: 1, 1, 1 new.
--   new_jimers summed per experience = unique_jimers of experience_reach.
-------------------------------------------------------------------------------
SELECT day, type, title, is_deleted, unique_jimers, views, new_jimers, first_seen_at,
       last_seen_at
FROM jimo.experience_reach_daily ORDER BY title, day;

-------------------------------------------------------------------------------
-- post_engagement:
--   P1 Release 2.4: likes J1 (delivered twice, counts once), J3 = 2;
--     comments J1 1, J2 2 = 3; engaged J1, J2, J3 = 3; liking 2, commenting 2;
--     first 03-05 10:00, last 03-06 12:00.
--   P2 Draft post (deleted): zeros.
-------------------------------------------------------------------------------
SELECT title, is_deleted, likes, comments, engaged_jimers, liking_jimers,
       commenting_jimers, first_engaged_at, last_engaged_at
FROM jimo.post_engagement ORDER BY title;

-------------------------------------------------------------------------------
-- delivery_health. Arrival times are now() of the ingest, so first only the
-- totals: 74 stored, 9 redeliveries, 2 rejected bodies delivered 3 times.
-------------------------------------------------------------------------------
SELECT sum(stored) AS stored, sum(duplicate_deliveries) AS duplicate_deliveries,
       sum(rejected) AS rejected, sum(rejected_deliveries) AS rejected_deliveries,
       sum(deliveries) AS deliveries
FROM jimo.delivery_health;

-- Then fixed arrival times, to check the per-day lag: every event arrives
-- one minute after it happened, except the three T2 completions of J1, which
-- arrive on 04-02 00:00 (late retries); 'not json' arrived on 04-02 too.
--   04-02: T2 J1 completions at 03-01 08:00, 03-05 09:00, 04-01 09:00 ->
--     lags 31 d 16 h = 2736000 s, 27 d 15 h = 2386800 s, 15 h = 54000 s:
--     3 stored, 0 redeliveries, median 2386800, max 2736000;
--     rejected 1 ('not json', 2 deliveries).
--   every other day: lag 60 s; e.g. 03-01 has T1 J1 start + completion (the
--     completion delivered 3 times: 2 redeliveries), J2 start (1), J3
--     completion, T2 J2 completion + start, T2 J1 start, H1 J1 10:00
--     (2 redeliveries) and 15:00: 9 events, 5 redeliveries; the body
--     without a time arrived on 03-01 too: rejected 1.
UPDATE jimo.events SET received_at = occurred_at + interval '1 minute',
                       last_received_at = occurred_at + interval '1 minute';
UPDATE jimo.events SET received_at = '2025-04-02 00:00', last_received_at = '2025-04-02 00:00'
WHERE name = 'tour.completed' AND experience_uid = '00000000-0000-4000-8000-00000000a002'
  AND jimer_uid = '00000000-0000-4000-9000-000000000001';
UPDATE jimo.rejected SET received_at = CASE WHEN body = 'not json' THEN timestamptz '2025-04-02 00:00'
                                            ELSE '2025-03-01 00:00' END;
-- Arrival times edited by hand: the delivery rollup is counted again from them.
SELECT jimo.rebuild_delivery_rollup();
SELECT day, stored, duplicate_deliveries, rejected, rejected_deliveries, deliveries,
       median_lag_seconds, max_lag_seconds
FROM jimo.delivery_health ORDER BY day;

-------------------------------------------------------------------------------
-- Order independence: empty everything, deliver the same events in another
-- order (shuffled by a hash of their position), each one twice or three
-- times, in three batches, and compare every view row by row with the first
-- run (event_id left out: ids follow arrival order).
-------------------------------------------------------------------------------
CREATE FUNCTION pg_temp.view_rows(v text) RETURNS SETOF jsonb LANGUAGE plpgsql AS $$
BEGIN
    RETURN QUERY EXECUTE format('SELECT to_jsonb(t) - ''event_id'' FROM jimo.%I t', v);
END $$;
CREATE TEMP TABLE views_to_check (name text);
INSERT INTO views_to_check VALUES
    ('tour_funnel'), ('tour_funnel_daily'), ('survey_responses'), ('survey_funnel'),
    ('survey_nps'), ('checklist_funnel'), ('checklist_tasks_summary'), ('experience_reach'),
    ('experience_reach_daily'), ('post_engagement'), ('journey_conversions');
CREATE TEMP TABLE snapshot AS
SELECT v.name, r AS row FROM views_to_check v, pg_temp.view_rows(v.name) r;
-- Rows per view as above; journey_conversions has one row per jimer x
-- experience: T1 5, T2 2, S1 5, C1 5, H1 2, B1 1, P1 3 = 23.
SELECT name, count(*) AS rows FROM snapshot GROUP BY name ORDER BY name;

SELECT pg_temp.empty_jimo();
SELECT (SELECT count(*) FROM jimo.events) AS events, (SELECT count(*) FROM jimo.journeys) AS journeys;

CREATE TEMP TABLE shuffled AS
SELECT row_number() OVER (ORDER BY md5(ord::text || '/' || n::text)) AS pos, body
FROM (SELECT ord, 1 AS n, body FROM fx_body
      UNION ALL SELECT ord, 2, jsonb_pretty(body::jsonb) FROM fx_body
      UNION ALL SELECT ord, 3, body FROM fx_body WHERE ord % 3 = 0
      UNION ALL SELECT -1, n, body FROM fx_bad, generate_series(1, 2) n) d;
-- 178 deliveries: 74 events twice (once pretty-printed), the 24 with ord
-- divisible by 3 a third time, the 3 bad bodies twice. Over the 3 batches:
-- stored 74, rejected 6, duplicate 178 - 74 - 6 = 98.
SELECT b.batch, status, count(*)
FROM generate_series(0, 2) AS b(batch)
CROSS JOIN LATERAL jimo.receive_batch(ARRAY(
    SELECT body FROM shuffled WHERE pos % 3 = b.batch ORDER BY pos)) r
GROUP BY b.batch, status ORDER BY b.batch, status;

-- 74 events again; every other delivery was a duplicate.
SELECT count(*) AS events FROM jimo.events;

-- Rows of the first run missing now, and rows now that were not there: none.
SELECT v.name,
       (SELECT count(*) FROM (SELECT row FROM snapshot s WHERE s.name = v.name
                              EXCEPT ALL SELECT r FROM pg_temp.view_rows(v.name) r) d) AS missing,
       (SELECT count(*) FROM (SELECT r FROM pg_temp.view_rows(v.name) r
                              EXCEPT ALL SELECT row FROM snapshot s WHERE s.name = v.name) d) AS extra
FROM views_to_check v ORDER BY v.name;

RESET jimo.funnel_window;
