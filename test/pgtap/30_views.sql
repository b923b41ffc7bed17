-- The BI views: every contract view and column exists, every view and column
-- of schema jimo carries a comment (BI tools and \d+ show them), and the reader
-- role can read every view but write no table.
-- test/run gives this file a fresh database with pgtap and jimo_webhooks; the
-- IF NOT EXISTS lines let it also run by hand in any database.
BEGIN;
SET LOCAL client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS jimo_webhooks;

-- The contract: dashboards are built on these names (views may have more).
CREATE TEMP TABLE contract (view_name text, column_name text, ord int) ON COMMIT DROP;
INSERT INTO contract
SELECT v, c, o
FROM (VALUES
    ('tour_funnel', '{experience_uid,title,state,is_deleted,started_jimers,completed_jimers,conversion_rate,drop_off_jimers,median_seconds_to_complete,p90_seconds_to_complete,completed_without_start,first_activity_at,last_activity_at}'::text[]),
    ('tour_funnel_daily', '{day,experience_uid,title,state,is_deleted,started_jimers,completed_jimers,conversion_rate,drop_off_jimers,median_seconds_to_complete,p90_seconds_to_complete,completed_without_start,first_activity_at,last_activity_at}'),
    ('survey_responses', '{experience_uid,survey_title,jimer_uid,identify_token,email,step_uid,step_title,step_type,step_position,answer,answer_text,answer_number,answer_choices,answered_at}'),
    ('survey_funnel', '{experience_uid,step_uid,step_position,reached_jimers,conversion_from_start,conversion_from_previous,drop_off_jimers,stage,stage_index,is_deleted}'),
    ('survey_nps', '{experience_uid,step_uid,responses,promoters,passives,detractors,nps,nps_margin_95,is_deleted}'),
    ('survey_step_scales', '{experience_uid,step_uid,step_type,is_nps,is_rating,is_choice,scale_min_seen,scale_max_seen}'),
    ('survey_ratings', '{experience_uid,step_uid,responses,respondents,mean,median,scale_min_seen,scale_max_seen,distribution,is_deleted}'),
    ('survey_choices', '{experience_uid,step_uid,choice,selections,respondents,step_respondents,share_of_respondents,is_deleted}'),
    ('survey_nps_trend', '{experience_uid,step_uid,grain,period_start,responses,promoters,passives,detractors,nps}'),
    ('survey_ratings_trend', '{experience_uid,step_uid,grain,period_start,responses,mean,median}'),
    ('funnel_cohorts', '{experience_uid,type,title,is_deleted,project_uid,tags,grain,cohort_start,started_jimers,completed_jimers,conversion_rate,median_seconds_to_complete,p90_seconds_to_complete,window_closes_at}'),
    ('time_to_complete', '{experience_uid,type,title,project_uid,tags,bucket_index,bucket,completed_jimers,share}'),
    ('jimer_dimension', '{jimer_uid,identify_token,email,username,project_uid,experiences,experiences_started,experiences_completed}'),
    ('checklist_funnel', '{experience_uid,title,started_jimers,completed_jimers,dismissed_jimers,completion_rate,dismiss_rate,median_seconds_to_complete,is_deleted}'),
    ('checklist_tasks_summary', '{experience_uid,task_uid,task_title,completed_jimers,skipped_jimers,is_deleted}'),
    ('experience_reach', '{experience_uid,type,title,unique_jimers,views,first_seen_at,last_seen_at,is_deleted}'),
    ('experience_reach_daily', '{day,experience_uid,type,title,unique_jimers,views,first_seen_at,last_seen_at,is_deleted}'),
    ('post_engagement', '{experience_uid,title,likes,comments,engaged_jimers,is_deleted}'),
    ('delivery_health', '{day,stored,duplicate_deliveries,rejected,median_lag_seconds,max_lag_seconds}')
) AS t(v, cols)
CROSS JOIN LATERAL unnest(cols) WITH ORDINALITY AS u(c, o);
GRANT SELECT ON contract TO PUBLIC;

SELECT plan(
    (SELECT count(DISTINCT view_name) FROM contract)::int      -- has_view
    + (SELECT count(*) FROM contract)::int                     -- has_column
    + 6                                                        -- column types
    + 3                                                        -- comments
    + (SELECT count(*)::int FROM pg_class
       WHERE relnamespace = 'jimo'::regnamespace AND relkind = 'v') -- reader selects
    + 1                                                        -- reader's view list
    + 3 * (SELECT count(*)::int FROM pg_tables WHERE schemaname = 'jimo')  -- reader writes
    + 3                                                        -- funnel_window
);

SELECT has_view('jimo', view_name, format('view jimo.%s exists', view_name))
FROM (SELECT DISTINCT view_name FROM contract) v
ORDER BY view_name;

SELECT has_column('jimo', view_name, column_name,
                  format('jimo.%s has column %s', view_name, column_name))
FROM contract
ORDER BY view_name, ord;

-- Types that charts depend on.
SELECT col_type_is('jimo', 'tour_funnel', 'conversion_rate', 'numeric', 'tour_funnel.conversion_rate is numeric');
SELECT col_type_is('jimo', 'tour_funnel', 'started_jimers', 'bigint', 'tour_funnel.started_jimers is bigint');
SELECT col_type_is('jimo', 'tour_funnel_daily', 'day', 'date', 'tour_funnel_daily.day is a date');
SELECT col_type_is('jimo', 'survey_responses', 'answer', 'jsonb', 'survey_responses.answer is jsonb');
SELECT col_type_is('jimo', 'survey_responses', 'answer_choices', 'text[]', 'survey_responses.answer_choices is text[]');
SELECT col_type_is('jimo', 'delivery_health', 'median_lag_seconds', 'double precision', 'delivery_health.median_lag_seconds is double precision');

-- Comments: on every view of the schema, not only the contract ones.
SELECT is_empty(
    $$SELECT c.relname FROM pg_class c
      WHERE c.relnamespace = 'jimo'::regnamespace AND c.relkind = 'v'
        AND coalesce(obj_description(c.oid, 'pg_class'), '') = ''$$,
    'every view in schema jimo has a comment');
SELECT is_empty(
    $$SELECT c.relname || '.' || a.attname FROM pg_class c
      JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
      WHERE c.relnamespace = 'jimo'::regnamespace AND c.relkind = 'v'
        AND coalesce(col_description(c.oid, a.attnum), '') = ''$$,
    'every column of every view in schema jimo has a comment');
SELECT ok((SELECT count(*) FROM pg_class
           WHERE relnamespace = 'jimo'::regnamespace AND relkind = 'v')
          >= (SELECT count(DISTINCT view_name) FROM contract),
          'the comment checks above looked at the views');

-- The reader role: reads every view (with any funnel window), writes nothing.
SET LOCAL ROLE jimo_reader;

-- every view of the schema, so that a function a view calls is checked too
SELECT lives_ok(format('SELECT * FROM jimo.%I', relname),
                format('jimo_reader can select from jimo.%s', relname))
FROM pg_class WHERE relnamespace = 'jimo'::regnamespace AND relkind = 'v'
ORDER BY relname;

SELECT is_empty(
    $$SELECT c.relname FROM pg_class c
      WHERE c.relnamespace = 'jimo'::regnamespace AND c.relkind = 'v'
        AND NOT has_table_privilege(c.oid, 'SELECT')$$,
    'jimo_reader can select from every view in schema jimo');

SELECT throws_ok(format('INSERT INTO jimo.%I DEFAULT VALUES', tablename), '42501', NULL,
                 format('jimo_reader cannot insert into jimo.%s', tablename))
FROM pg_tables WHERE schemaname = 'jimo' ORDER BY tablename;
SELECT throws_ok(format('UPDATE jimo.%I SET %I = %I', tablename, col, col), '42501', NULL,
                 format('jimo_reader cannot update jimo.%s', tablename))
FROM (SELECT t.tablename,
             (SELECT a.attname FROM pg_attribute a
              WHERE a.attrelid = format('jimo.%I', t.tablename)::regclass
                AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
                AND a.attidentity = ''
              ORDER BY a.attnum LIMIT 1) AS col
      FROM pg_tables t WHERE t.schemaname = 'jimo') t
ORDER BY tablename;
SELECT throws_ok(format('DELETE FROM jimo.%I', tablename), '42501', NULL,
                 format('jimo_reader cannot delete from jimo.%s', tablename))
FROM pg_tables WHERE schemaname = 'jimo' ORDER BY tablename;

RESET ROLE;

-- The conversion window is read at query time: a completion 20 days after the
-- start converts with a 30-day window and not with the default 14 days.
INSERT INTO jimo.journeys (experience_uid, jimer_uid, first_started_at, last_started_at, starts,
                           first_completed_at, last_completed_at, completions)
VALUES ('00000000-0000-4000-8000-0000000000a1', '00000000-0000-4000-8000-0000000000b1',
        '2025-03-01 10:00+00', '2025-03-01 10:00+00', 1,
        '2025-03-21 10:00+00', '2025-03-21 10:00+00', 1);
SET LOCAL jimo.funnel_window = '14 days';
SELECT is((SELECT converted FROM jimo.journey_conversions
           WHERE jimer_uid = '00000000-0000-4000-8000-0000000000b1'), false,
          'with a 14-day window, a completion 20 days after the start does not convert');
SET LOCAL jimo.funnel_window = '30 days';
SELECT is((SELECT converted FROM jimo.journey_conversions
           WHERE jimer_uid = '00000000-0000-4000-8000-0000000000b1'), true,
          'with jimo.funnel_window = 30 days it converts');
SELECT is((SELECT seconds_to_complete FROM jimo.journey_conversions
           WHERE jimer_uid = '00000000-0000-4000-8000-0000000000b1'), 20 * 86400::double precision,
          'seconds_to_complete is the time from first start to completion');

SELECT * FROM finish();
ROLLBACK;
