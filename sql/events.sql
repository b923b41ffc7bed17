--
-- Every documented Jimo event (all 37), plus the two published examples, an
-- unknown event name and unknown keys, ingested through jimo.receive_batch;
-- then the typed content of every table.
--
-- Times: base 1740787200000 ms = 2025-03-01 00:00:00 UTC; the helper below
-- adds whole minutes, so an event of minute 43 has occurred_at
-- 2025-03-01 00:43:00+00.  Jimers' lastActivityAt is the event's own time.
--
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
TRUNCATE jimo.events, jimo.rejected, jimo.experiences, jimo.jimers,
         jimo.users, jimo.projects, jimo.journeys,
         jimo.survey_steps, jimo.survey_step_stats, jimo.survey_step_journeys, jimo.survey_answers,
         jimo.checklist_tasks, jimo.post_comments, jimo.post_likes;

-- The objects that payloads carry, by key.
CREATE TEMP TABLE obj (k text PRIMARY KEY, o jsonb NOT NULL);
INSERT INTO obj VALUES
-- team members (user): u1 changed e-mail between minute 48 and minute 60
('u1',  '{"uid": "a1000000-0000-4000-8000-000000000001", "email": "ana@example.com", "firstName": "Ana", "lastName": "Lima"}'),
('u1b', '{"uid": "a1000000-0000-4000-8000-000000000001", "email": "ana.lima@example.com", "firstName": "Ana", "lastName": "Lima"}'),
('u2',  '{"uid": "a2000000-0000-4000-8000-000000000002", "email": "bo@example.com", "firstName": "Bo", "lastName": null}'),
-- end users (jimer): j2 is anonymous
('j1',  '{"uid": "b1000000-0000-4000-8000-000000000001", "identifyToken": "user-1", "username": "Jo", "email": "jo@example.com", "createdAt": "2025-02-01T09:00:00.000Z"}'),
('j2',  '{"uid": "b2000000-0000-4000-8000-000000000002", "identifyToken": null, "username": null, "email": null, "createdAt": "2025-02-10T12:30:00.000Z"}'),
-- the project
('p1',  '{"uid": "c1000000-0000-4000-8000-000000000001", "name": "Web app"}');

-- Experiences: one live one per category (10..60 ...01) and one old one per
-- category that gets deleted (...d0).  draft -> live -> paused snapshots.
INSERT INTO obj
SELECT k || v.suffix, base || v.patch
FROM (VALUES
  ('T1', '{"uid": "10000000-0000-4000-8000-000000000001", "title": "Welcome tour", "type": "TOUR", "state": "LIVE", "createdAt": "2025-02-28T10:00:00.000Z", "expiresAt": null, "triggerType": "DEFAULT", "recurrencyType": "SINGLE_TIME", "recurrencyValue": 1}'::jsonb),
  ('S1', '{"uid": "20000000-0000-4000-8000-000000000001", "title": "NPS survey", "type": "SURVEY", "state": "LIVE", "createdAt": "2025-02-28T11:00:00.000Z", "expiresAt": "2025-06-30T23:59:59.999Z", "triggerType": "URL", "recurrencyType": "DAY_BASED", "recurrencyValue": 30}'),
  ('C1', '{"uid": "30000000-0000-4000-8000-000000000001", "title": "Getting started", "type": "CHECKLIST", "state": "LIVE", "createdAt": "2025-02-28T12:00:00.000Z", "expiresAt": null, "triggerType": "MANUAL", "recurrencyType": "SINGLE_TIME", "recurrencyValue": 1, "tags": [{"uid": "tag-1", "name": "onboarding"}]}'),
  ('H1', '{"uid": "40000000-0000-4000-8000-000000000001", "title": "Export button", "type": "HINT", "state": "LIVE", "createdAt": "2025-02-28T13:00:00.000Z", "expiresAt": null, "triggerType": "EVENT", "recurrencyType": "EVERY_TIME", "recurrencyValue": 1}'),
  ('B1', '{"uid": "50000000-0000-4000-8000-000000000001", "title": "Maintenance banner", "type": "BANNER", "state": "LIVE", "createdAt": "2025-02-28T14:00:00.000Z", "expiresAt": "2025-03-02T00:00:00.000Z", "triggerType": "NONE", "recurrencyType": "EVERY_TIME", "recurrencyValue": 1}'),
  ('P1', '{"uid": "60000000-0000-4000-8000-000000000001", "title": "March release", "type": "POST", "state": "LIVE", "createdAt": "2025-02-28T15:00:00.000Z", "expiresAt": null, "triggerType": "LEAVE_PAGE", "recurrencyType": "SINGLE_TIME", "recurrencyValue": 1}'),
  ('Td', '{"uid": "10000000-0000-4000-8000-0000000000d0", "title": "Old tour", "type": "TOUR", "state": "PAUSED", "createdAt": "2025-01-10T08:00:00.000Z", "expiresAt": null, "triggerType": "DEFAULT", "recurrencyType": "SINGLE_TIME", "recurrencyValue": 1}'),
  ('Sd', '{"uid": "20000000-0000-4000-8000-0000000000d0", "title": "Old survey", "type": "SURVEY", "state": "PAUSED", "createdAt": "2025-01-11T08:00:00.000Z", "expiresAt": null, "triggerType": "DEFAULT", "recurrencyType": "SINGLE_TIME", "recurrencyValue": 1}'),
  ('Cd', '{"uid": "30000000-0000-4000-8000-0000000000d0", "title": "Old checklist", "type": "CHECKLIST", "state": "PAUSED", "createdAt": "2025-01-12T08:00:00.000Z", "expiresAt": null, "triggerType": "DEFAULT", "recurrencyType": "SINGLE_TIME", "recurrencyValue": 1}'),
  ('Hd', '{"uid": "40000000-0000-4000-8000-0000000000d0", "title": "Old hint", "type": "HINT", "state": "PAUSED", "createdAt": "2025-01-13T08:00:00.000Z", "expiresAt": null, "triggerType": "DEFAULT", "recurrencyType": "SINGLE_TIME", "recurrencyValue": 1}'),
  ('Bd', '{"uid": "50000000-0000-4000-8000-0000000000d0", "title": "Old banner", "type": "BANNER", "state": "PAUSED", "createdAt": "2025-01-14T08:00:00.000Z", "expiresAt": null, "triggerType": "DEFAULT", "recurrencyType": "SINGLE_TIME", "recurrencyValue": 1}'),
  ('Pd', '{"uid": "60000000-0000-4000-8000-0000000000d0", "title": "Old post", "type": "POST", "state": "PAUSED", "createdAt": "2025-01-15T08:00:00.000Z", "expiresAt": null, "triggerType": "DEFAULT", "recurrencyType": "SINGLE_TIME", "recurrencyValue": 1}')
) AS b(k, base)
CROSS JOIN (VALUES
  ('.draft',  '{"isDraft": true,  "publishedAt": null}'::jsonb),
  ('.live',   '{"isDraft": false, "publishedAt": "2025-03-01T00:00:30.000Z"}'),
  ('.paused', '{"isDraft": false, "publishedAt": "2025-03-01T00:00:30.000Z", "state": "PAUSED"}')
) AS v(suffix, patch);
-- the checklist gained a tag after it was published
UPDATE obj SET o = o || '{"tags": [{"uid": "tag-1", "name": "onboarding"}, {"uid": "tag-2", "name": "Q1 2025"}]}'
WHERE k = 'C1.paused';
-- a key Jimo does not document, inside the experience
UPDATE obj SET o = o || '{"color": "blue"}' WHERE k = 'T1.paused';

-- pl(event, minute, experience key, user or jimer key[, with project][, extra keys])
CREATE FUNCTION pg_temp.pl(ev text, minute int, xk text, wk text,
                           proj boolean DEFAULT false, extra jsonb DEFAULT '{}')
RETURNS text LANGUAGE sql AS $$
SELECT (jsonb_build_object(
          'event', ev,
          'version', '0',
          'time', 1740787200000 + minute * 60000::bigint,
          'experience', (SELECT o FROM obj WHERE k = xk))
        || CASE WHEN wk LIKE 'u%'
                THEN jsonb_build_object('user', (SELECT o FROM obj WHERE k = wk))
                ELSE jsonb_build_object('jimer', (SELECT o FROM obj WHERE k = wk)
                     || jsonb_build_object('lastActivityAt',
                            to_char(timestamptz '2025-03-01 00:00:00+00' + minute * interval '1 minute',
                                    'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')))
           END
        || CASE WHEN proj THEN jsonb_build_object('project', (SELECT o FROM obj WHERE k = 'p1'))
                ELSE '{}' END
        || extra)::text
$$;

CREATE TEMP TABLE payloads (seq int PRIMARY KEY, body text NOT NULL);
INSERT INTO payloads VALUES
-- Tours (6 events)
( 1, pg_temp.pl('tour.created',          0, 'T1.draft',  'u1')),
( 2, pg_temp.pl('tour.published',        1, 'T1.live',   'u1')),
( 3, pg_temp.pl('tour.started',          3, 'T1.live',   'j1')),
( 4, pg_temp.pl('tour.started',          4, 'T1.live',   'j2')),
( 5, pg_temp.pl('tour.completed',        5, 'T1.live',   'j1', false, '{"locale": "fr-FR"}')),
( 6, pg_temp.pl('tour.status-changed',   9, 'T1.paused', 'u2')),
( 7, pg_temp.pl('tour.deleted',         10, 'Td.paused', 'u2')),
-- Surveys (7 events), all with the project
( 8, pg_temp.pl('survey.created',       20, 'S1.draft',  'u1', true)),
( 9, pg_temp.pl('survey.published',     21, 'S1.live',   'u1', true)),
(10, pg_temp.pl('survey.started',       23, 'S1.live',   'j1', true)),
(11, pg_temp.pl('survey.step.answered', 24, 'S1.live',   'j1', true,
        '{"step": {"uid": "s1", "title": "How likely are you to recommend us?", "type": "NPS", "position": 1}, "answer": 9}')),
(12, pg_temp.pl('survey.step.answered', 25, 'S1.live',   'j1', true,
        '{"step": {"uid": "s2", "name": "Why?", "type": "OPEN_QUESTION", "index": 2}, "answer": "Great onboarding"}')),
(13, pg_temp.pl('survey.step.answered', 26, 'S1.live',   'j1', true,
        '{"step": {"uid": "s3", "text": "Which features do you use?", "stepType": "MULTIPLE_CHOICE", "position": "3"}, "answer": ["Tours", {"uid": "c2", "label": "Surveys"}, 3]}')),
(14, pg_temp.pl('survey.step.answered', 27, 'S1.live',   'j2', true,
        '{"step": {"uid": "s4", "title": "Rate us", "type": "SLIDER", "position": 4}, "answer": {"value": "4.5"}}')),
(15, pg_temp.pl('survey.step.answered', 28, 'S1.live',   'j2', true,
        '{"step": {"id": "s5", "question": "Pick one", "type": "SINGLE_CHOICE"}, "answer": {"choices": [{"text": "Yes"}]}}')),
(16, pg_temp.pl('survey.step.answered', 28, 'S1.live',   'j1', true,
        '{"step": {"uid": "s6", "title": "Your e-mail?", "answer": "jo@example.com"}}')),
(17, pg_temp.pl('survey.completed',     29, 'S1.live',   'j1', true)),
(18, pg_temp.pl('survey.status-changed',30, 'S1.paused', 'u2', true)),
(19, pg_temp.pl('survey.deleted',       31, 'Sd.paused', 'u1', true)),
-- Checklists (9 events)
(20, pg_temp.pl('checklist.created',    40, 'C1.draft',  'u2')),
(21, pg_temp.pl('checklist.published',  41, 'C1.live',   'u2')),
(22, pg_temp.pl('checklist.started',    42, 'C1.live',   'j1')),
(23, pg_temp.pl('checklist.started',    42, 'C1.live',   'j2')),
(24, pg_temp.pl('checklist.task.completed', 43, 'C1.live', 'j1', false,
        '{"task": {"uid": "k1", "title": "Invite a teammate", "position": 1}}')),
(25, pg_temp.pl('checklist.task.skipped',   44, 'C1.live', 'j1', false,
        '{"task": {"id": "k2", "name": "Connect Slack"}}')),
(26, pg_temp.pl('checklist.task.completed', 45, 'C1.live', 'j2', false,
        '{"task": "k3"}')),
(27, pg_temp.pl('checklist.completed',  45, 'C1.live',   'j1')),
(28, pg_temp.pl('checklist.dismissed',  46, 'C1.live',   'j2')),
(29, pg_temp.pl('checklist.status-changed', 47, 'C1.paused', 'u1')),
(30, pg_temp.pl('checklist.deleted',    48, 'Cd.paused', 'u1')),
-- Hints (5 events); u1 has a new e-mail from here on
(31, pg_temp.pl('hint.created',         60, 'H1.draft',  'u1b')),
(32, pg_temp.pl('hint.published',       61, 'H1.live',   'u1b')),
(33, pg_temp.pl('hint.seen',            63, 'H1.live',   'j1')),
(34, pg_temp.pl('hint.seen',            64, 'H1.live',   'j1')),
(35, pg_temp.pl('hint.seen',            65, 'H1.live',   'j2')),
(36, pg_temp.pl('hint.status-changed',  66, 'H1.paused', 'u1b')),
(37, pg_temp.pl('hint.deleted',         67, 'Hd.paused', 'u2')),
-- Banners (5 events)
(38, pg_temp.pl('banner.created',       80, 'B1.draft',  'u1b')),
(39, pg_temp.pl('banner.published',     81, 'B1.live',   'u1b')),
(40, pg_temp.pl('banner.seen',          82, 'B1.live',   'j1')),
(41, pg_temp.pl('banner.status-changed',83, 'B1.paused', 'u2')),
(42, pg_temp.pl('banner.deleted',       84, 'Bd.paused', 'u2')),
-- Changelog posts (5 events), all with the project
(43, pg_temp.pl('post.created',        100, 'P1.draft',  'u1b', true)),
(44, pg_temp.pl('post.published',      101, 'P1.live',   'u1b', true)),
(45, pg_temp.pl('post.liked',          102, 'P1.live',   'j1', true)),
(46, pg_temp.pl('post.liked',          104, 'P1.live',   'j2', true)),
(47, pg_temp.pl('post.commented',      103, 'P1.live',   'j1', true,
        '{"comment": {"uid": "cm1", "content": "Love the new export"}}')),
(48, pg_temp.pl('post.commented',      104, 'P1.live',   'j2', true,
        '{"comment": {"id": "cm2", "text": "Nice!", "mood": "happy"}}')),
(49, pg_temp.pl('post.commented',      105, 'P1.live',   'j1', true,
        '{"comment": "Me too"}')),
(50, pg_temp.pl('post.deleted',        106, 'Pd.paused', 'u2', true)),
-- Not documented: an unknown event name with an unknown sub-object; an event
-- that mentions no object at all; a second start of the tour by j2.
(51, pg_temp.pl('widget.opened',         6, 'T1.live',   'j1', false,
        '{"widget": {"uid": "w1", "placement": "bottom-right"}}')),
(52, '{"event": "account.plan-changed", "version": "1", "time": 1740787200000, "plan": "pro"}'),
(53, pg_temp.pl('tour.started',          7, 'T1.live',   'j2'));

-- The two request examples that Jimo publishes, byte for byte.
\set example_created `cat test/fixtures/examples/tour.created.json`
\set example_completed `cat test/fixtures/examples/tour.completed.json`
INSERT INTO payloads VALUES (54, :'example_created'), (55, :'example_completed');

-- The inputs, for reading the results below.
SELECT seq, body FROM payloads ORDER BY seq;

-- 37 documented event names, 6 categories
SELECT count(DISTINCT body::jsonb ->> 'event') AS documented_names
FROM payloads
WHERE seq <= 50;

-- One call for all of them: every one is new.
SELECT r.status, r.error, count(*) AS n,
       count(DISTINCT r.event_id) AS distinct_ids,
       min(r.ord) AS first_ord, max(r.ord) AS last_ord
FROM jimo.receive_batch(ARRAY(SELECT body FROM payloads ORDER BY seq)) AS r
GROUP BY r.status, r.error;

-- events: one row per payload, with the envelope typed
SELECT name, version, occurred_at, experience_uid, jimer_uid, user_uid,
       project_uid, deliveries
FROM jimo.events
ORDER BY occurred_at, name, jimer_uid, user_uid;

-- the raw payload is kept whole, so are its unknown keys
SELECT count(*) AS payloads_kept_whole
FROM jimo.events e JOIN payloads p ON e.payload = p.body::jsonb;
SELECT name, payload -> 'locale' AS locale, payload -> 'widget' AS widget,
       payload -> 'plan' AS plan
FROM jimo.events
WHERE payload ?| ARRAY['locale', 'widget', 'plan']
ORDER BY name;

-- experiences: the snapshot of each one's newest event; old ones deleted
SELECT uid, title, type, state, is_draft, created_at, published_at,
       expires_at, trigger_type, recurrency_type, recurrency_value,
       project_uid, is_deleted, deleted_at, first_event_at, state_at,
       state_rank
FROM jimo.experiences
ORDER BY uid;
SELECT uid, tags, snapshot -> 'color' AS color
FROM jimo.experiences
WHERE tags IS NOT NULL OR snapshot ? 'color'
ORDER BY uid;
SELECT count(*) AS snapshot_is_newest_events_experience
FROM jimo.experiences x
JOIN jimo.events e ON e.experience_uid = x.uid
                  AND e.occurred_at = x.state_at
                  AND jimo.event_rank(e.name) = x.state_rank
WHERE x.snapshot = e.payload -> 'experience';

SELECT experience_uid, tag_uid, name
FROM jimo.experience_tags
ORDER BY experience_uid, tag_uid;

-- jimers, users, projects
SELECT uid, identify_token, username, email, created_at, last_activity_at,
       project_uid, first_event_at, state_at, state_rank
FROM jimo.jimers
ORDER BY uid;
SELECT uid, email, first_name, last_name, project_uid, first_event_at,
       state_at, state_rank
FROM jimo.users
ORDER BY uid;
SELECT uid, name, snapshot, first_event_at, state_at, state_rank
FROM jimo.projects
ORDER BY uid;

-- survey answers: every shape of step and answer
SELECT e.name, a.experience_uid, a.jimer_uid, a.answered_at, a.step_uid,
       a.step_title, a.step_type, a.step_position, a.answer_text,
       a.answer_number, a.answer_choices, a.step, a.answer
FROM jimo.survey_answers a JOIN jimo.events e ON e.id = a.event_id
ORDER BY a.answered_at, a.step_uid NULLS LAST;
SELECT pg_typeof(answer_choices) AS choices_type,
       pg_typeof(answer_number) AS number_type,
       pg_typeof(step_position) AS position_type
FROM jimo.survey_answers
LIMIT 1;
-- survey steps kept at ingest: one row per step (title, type and position of
-- its newest answer) and one per step and jimer
SELECT experience_uid, step_uid, step_title, step_type, step_position,
       first_answered_at, last_answered_at, answers, state_at, state_rank
FROM jimo.survey_steps
ORDER BY experience_uid, step_uid;
SELECT experience_uid, step_uid, jimer_uid, first_answered_at, last_answered_at, answers
FROM jimo.survey_step_journeys
ORDER BY experience_uid, step_uid, jimer_uid;

-- checklist tasks
SELECT e.name, t.experience_uid, t.jimer_uid, t.occurred_at, t.outcome,
       t.task_uid, t.task_title, t.task
FROM jimo.checklist_tasks t JOIN jimo.events e ON e.id = t.event_id
ORDER BY t.occurred_at, t.jimer_uid;

-- post comments and likes
SELECT e.name, c.experience_uid, c.jimer_uid, c.commented_at, c.comment_uid,
       c.content, c.comment
FROM jimo.post_comments c JOIN jimo.events e ON e.id = c.event_id
ORDER BY c.commented_at, c.jimer_uid;
SELECT e.name, l.experience_uid, l.jimer_uid, l.liked_at
FROM jimo.post_likes l JOIN jimo.events e ON e.id = l.event_id
ORDER BY l.liked_at, l.jimer_uid;
-- every fact row points at the event it came from
SELECT count(*) AS facts_at_their_event_time
FROM (SELECT event_id, answered_at AS t FROM jimo.survey_answers
      UNION ALL SELECT event_id, occurred_at FROM jimo.checklist_tasks
      UNION ALL SELECT event_id, commented_at FROM jimo.post_comments
      UNION ALL SELECT event_id, liked_at FROM jimo.post_likes) f
JOIN jimo.events e ON e.id = f.event_id AND e.occurred_at = f.t;

-- journeys: one row per jimer x experience they interacted with
SELECT experience_uid, jimer_uid,
       first_started_at, last_started_at, starts,
       first_progress_at, last_progress_at, progress_events,
       first_completed_at, last_completed_at, completions,
       first_dismissed_at, last_dismissed_at, dismissals
FROM jimo.journeys
ORDER BY experience_uid, jimer_uid;
SELECT experience_uid, jimer_uid,
       first_seen_at, last_seen_at, views,
       first_liked_at, last_liked_at, likes,
       first_commented_at, last_commented_at, comments
FROM jimo.journeys
ORDER BY experience_uid, jimer_uid;

-- event_rank: the documented tie-break precedence
SELECT name, jimo.event_rank(name) AS rank
FROM (VALUES ('tour.created'), ('tour.published'), ('tour.status-changed'),
             ('tour.started'), ('hint.seen'), ('survey.step.answered'),
             ('checklist.task.completed'), ('checklist.task.skipped'),
             ('post.liked'), ('post.commented'), ('tour.completed'),
             ('checklist.dismissed'), ('tour.deleted'), ('widget.opened'),
             ('nodots')) AS v(name)
ORDER BY rank, name;

DROP FUNCTION pg_temp.pl(text, int, text, text, boolean, jsonb);
