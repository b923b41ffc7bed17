-- jimo_webhooks 0.6 -> 0.7 (ALTER EXTENSION jimo_webhooks UPDATE TO '0.7').
-- Assembled by the Makefile from sql/upgrade/0.6--0.7/*.sql, one file per change.
-- Released install scripts are frozen; everything 0.7 changes in the schema is
-- here, and test/integration/upgrade.sh checks that a 0.6 (0.5, ..., 0.1)
-- database holding data and upgraded with it equals a fresh 0.7 install fed the
-- same events.
\echo Use "ALTER EXTENSION jimo_webhooks UPDATE TO '0.7'" to load this file. \quit
-- Payloads compressed with lz4 as they are written (src/bulk.c, see
-- 10_tables.sql).  SET COMPRESSION on a partitioned table does not reach its
-- partitions, so each existing month is set too (new months copy the
-- parent's: INCLUDING COMPRESSION).  The payloads already stored stay as they
-- are (no rewrite) and read the same either way.
DO $$
DECLARE
    month regclass;
BEGIN
    ALTER TABLE jimo.events ALTER COLUMN payload SET COMPRESSION lz4;
    FOR month IN SELECT inhrelid::regclass FROM pg_inherits WHERE inhparent = 'jimo.events'::regclass
    LOOP
        EXECUTE format('ALTER TABLE %s ALTER COLUMN payload SET COMPRESSION lz4', month);
    END LOOP;
EXCEPTION WHEN feature_not_supported THEN
    RAISE NOTICE 'jimo_webhooks: this PostgreSQL has no lz4, payloads are stored uncompressed';
END
$$;
-- The three cohort indexes of jimo.journeys hold only journeys that belong to
-- a cohort (started, or completed without a start): the journeys of banners,
-- hints and posts, only seen, liked or commented, are in no cohort and were
-- most of their entries (57 % of the journeys of the generated events), each
-- written at ingest and read by nobody.  Same names, same expressions; a
-- filter on a cohort's day, week or month implies the predicate, so it is
-- still a range of these indexes (see 12_rollups.sql).
-- On a distributed database the indexes are left whole: inside ALTER
-- EXTENSION, Citus fails to drop an index of a distributed table on the
-- workers ("cannot insert multiple commands into a prepared statement", on
-- a database distributed under 0.4), and whole indexes give the same
-- answers.  README "Scaling out" says how to swap them by hand there.
DO $$
DECLARE
    distributed boolean := false;
BEGIN
    IF EXISTS (SELECT FROM pg_extension WHERE extname = 'citus') THEN
        EXECUTE 'SELECT EXISTS (SELECT FROM pg_dist_partition WHERE logicalrelid = ''jimo.journeys''::regclass)'
            INTO distributed;
    END IF;
    IF distributed THEN
        RETURN;
    END IF;
    DROP INDEX jimo.journeys_first_day_idx;
    DROP INDEX jimo.journeys_first_week_idx;
    DROP INDEX jimo.journeys_first_month_idx;
    CREATE INDEX journeys_first_day_idx ON jimo.journeys
        (experience_uid, ((coalesce(first_started_at, first_completed_at) AT TIME ZONE 'UTC')::date))
        WHERE coalesce(first_started_at, first_completed_at) IS NOT NULL;
    CREATE INDEX journeys_first_week_idx ON jimo.journeys
        (experience_uid, (date_trunc('week', coalesce(first_started_at, first_completed_at) AT TIME ZONE 'UTC')::date))
        WHERE coalesce(first_started_at, first_completed_at) IS NOT NULL;
    CREATE INDEX journeys_first_month_idx ON jimo.journeys
        (experience_uid, (date_trunc('month', coalesce(first_started_at, first_completed_at) AT TIME ZONE 'UTC')::date))
        WHERE coalesce(first_started_at, first_completed_at) IS NOT NULL;
END
$$;
-- jimo.tag_names() in C (src/tags.c): the same names in the same order for
-- every input, without a SQL function call per row (journey_conversions
-- calls it on each of its rows).  CREATE OR REPLACE keeps the function's oid,
-- so the views that call it stay as they are.
CREATE OR REPLACE FUNCTION jimo.tag_names(tags jsonb) RETURNS text[]
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'jimo_tag_names';
-- time_to_complete works out the conversion rule only for journeys with a start
-- and a completion, and buckets them in one pass (see sql/install/34_views_cohorts.sql):
-- same columns and rows.
CREATE OR REPLACE VIEW jimo.time_to_complete AS
WITH b(bucket_index, bucket) AS (
    VALUES (1, '< 10 s'), (2, '10 s - 1 min'), (3, '1 - 5 min'), (4, '5 - 30 min'),
           (5, '30 min - 1 h'), (6, '1 h - 1 d'), (7, '1 d or more')
), counts AS (
    SELECT c.experience_uid,
           width_bucket(c.seconds_to_complete, ARRAY[10, 60, 300, 1800, 3600, 86400]::float8[]) + 1 AS bucket_index,
           count(*) AS jimers
    FROM jimo.journey_conversions c
    WHERE c.converted AND c.starts > 0 AND c.completions > 0
    GROUP BY 1, 2
)
SELECT
    e.experience_uid,
    k.type,
    k.title,
    x.project_uid,
    jimo.tag_names(x.tags) AS tags,
    b.bucket_index,
    b.bucket,
    coalesce(n.jimers, 0) AS completed_jimers,
    round(coalesce(n.jimers, 0)::numeric
          / nullif(sum(coalesce(n.jimers, 0)) OVER (PARTITION BY e.experience_uid), 0), 4) AS share
FROM (SELECT DISTINCT experience_uid FROM counts) e
JOIN jimo.all_experiences k ON k.experience_uid = e.experience_uid
LEFT JOIN jimo.experiences x ON x.uid = e.experience_uid
CROSS JOIN b
LEFT JOIN counts n ON n.experience_uid = e.experience_uid AND n.bucket_index = b.bucket_index;
-- experience_reach_daily groups the experience subquery by every column it
-- reads, not by its key alone: on Citus, SELECT count(*) FROM the view (the
-- other columns dropped) failed with "column e.type must appear in the GROUP
-- BY clause".  Same columns and rows.
CREATE OR REPLACE VIEW jimo.experience_reach_daily AS
SELECT
    t.day,
    t.experience_uid,
    coalesce(upper(x.type), upper(t.event_prefix COLLATE "default")) AS type,
    x.title,
    coalesce(x.is_deleted, false) AS is_deleted,
    t.unique_jimers::bigint AS unique_jimers,
    t.views::bigint AS views,
    t.new_jimers::bigint AS new_jimers,
    t.first_seen_at,
    t.last_seen_at,
    x.project_uid,
    x.tags
FROM jimo.seen_day_totals t
-- tag names computed once per experience, not once per day: grouped by its
-- key, the subquery is not pulled up into the join (a filter on the
-- experience still reaches its primary key); 0.5 named the tags of every
-- day's row, most of the view's time (10.5 -> 6.5 ms at 1M events). Every
-- column it reads is in its GROUP BY (0.7): Citus, given a query that reads
-- only some of them (SELECT count(*) FROM the view), did not see that the
-- key determines the rest and refused it.
LEFT JOIN (
    SELECT e.uid, e.type, e.title, e.is_deleted, e.project_uid, jimo.tag_names(e.tags) AS tags
    FROM jimo.experiences e
    GROUP BY e.uid, e.type, e.title, e.is_deleted, e.project_uid, e.tags
) x ON x.uid = t.experience_uid;
-- QA round 7: equal numbers sent in two forms (5 and 5.0, 4.5 and 4.50) show
-- in their shortest form (trim_scale) in survey_step_scales' scale_min_seen
-- and scale_max_seen (and survey_ratings' through it) and as the keys of
-- survey_ratings' distribution; the form shown was that of whichever equal
-- answer was read first, so the same answers in another order could show
-- 5.0 or {"5.0": 2} instead (test/pgtap/99_survey_number_text.sql).
CREATE OR REPLACE VIEW jimo.survey_step_scales AS
SELECT
    experience_uid,
    step_uid,
    step_type,
    nps_typed,
    answers,
    numeric_answers,
    scale_min_seen,
    scale_max_seen,
    nps_typed OR (step_type IS NULL AND all_scores AND scale_max_seen > 7) AS is_nps,
    NOT (nps_typed OR (step_type IS NULL AND all_scores AND scale_max_seen > 7))
        AND numeric_answers = answers AS is_rating,
    coalesce(step_type ~* 'choice|select|multiple|single|checkbox|radio|poll', false)
        OR with_choices AS is_choice
FROM (
    -- per step, from one row per step type sent (t below): the type of the
    -- latest answer (ties: the first type in order), and the type tested
    -- once per type rather than once per answer
    SELECT
        t.experience_uid,
        t.step_uid,
        (array_agg(t.step_type ORDER BY t.last_answered_at DESC, t.step_type)
             FILTER (WHERE t.step_type IS NOT NULL))[1] AS step_type,
        coalesce(bool_or(t.step_type ~* 'nps|net.?promoter'), false) AS nps_typed,
        sum(t.answers)::bigint AS answers,
        sum(t.numeric_answers)::bigint AS numeric_answers,
        bool_and(t.all_scores) AS all_scores,
        -- equal numbers sent as 5 and 5.0: the shortest form, whichever
        -- of them was read first
        trim_scale(min(t.scale_min_seen)) AS scale_min_seen,
        trim_scale(max(t.scale_max_seen)) AS scale_max_seen,
        bool_or(t.with_choices) AS with_choices
    FROM (
        SELECT
            a.experience_uid,
            a.step_uid,
            a.step_type,
            max(a.answered_at) AS last_answered_at,
            count(*) AS answers,
            count(a.answer_number) AS numeric_answers,
            bool_and(coalesce(a.answer_number BETWEEN 0 AND 10
                              AND a.answer_number = trunc(a.answer_number), false)) AS all_scores,
            min(a.answer_number) AS scale_min_seen,
            max(a.answer_number) AS scale_max_seen,
            bool_or(a.answer_choices IS NOT NULL) AS with_choices
        FROM jimo.survey_answers a
        GROUP BY a.experience_uid, a.step_uid, a.step_type
    ) t
    GROUP BY t.experience_uid, t.step_uid
) g;

COMMENT ON COLUMN jimo.survey_step_scales.scale_min_seen IS 'Lowest numeric answer seen (the scale itself is not sent by Jimo), in its shortest form (5.0 shows as 5)';
COMMENT ON COLUMN jimo.survey_step_scales.scale_max_seen IS 'Highest numeric answer seen, in its shortest form';

CREATE OR REPLACE VIEW jimo.survey_ratings AS
SELECT
    r.experience_uid,
    x.title,
    coalesce(x.is_deleted, false) AS is_deleted,
    r.step_uid,
    r.step_title,
    r.step_type,
    r.responses,
    r.respondents,
    r.mean,
    r.median,
    r.scale_min_seen,
    r.scale_max_seen,
    d.distribution,
    x.project_uid,
    jimo.tag_names(x.tags) AS tags
FROM (
    SELECT
        a.experience_uid,
        a.step_uid,
        (array_agg(a.step_title ORDER BY a.answered_at DESC, a.step_title)
             FILTER (WHERE a.step_title IS NOT NULL))[1] AS step_title,
        k.step_type,
        k.scale_min_seen,
        k.scale_max_seen,
        count(*) AS responses,
        count(DISTINCT a.jimer_uid) AS respondents,
        round(avg(a.answer_number), 2) AS mean,
        -- percentile_cont takes double precision; an answer beyond its range
        -- (1e400 is valid JSON and a valid numeric) must not fail the view:
        -- such answers sort as +-Infinity or 0, in the same order
        percentile_cont(0.5) WITHIN GROUP (ORDER BY jimo.answer_float8(a.answer_number)) AS median
    FROM jimo.survey_answers a
    JOIN jimo.survey_step_scales k
      ON k.is_rating
     AND coalesce(k.experience_uid::text, '') = coalesce(a.experience_uid::text, '')
     AND coalesce(k.step_uid, '') = coalesce(a.step_uid, '')
     AND (k.step_uid IS NULL) = (a.step_uid IS NULL)
    GROUP BY a.experience_uid, a.step_uid, k.step_type, k.scale_min_seen, k.scale_max_seen
) r
JOIN (
    -- how many answers each value got, for every step with numbers at once
    -- (every answer of a rating step is a number)
    SELECT v.experience_uid, v.step_uid, jsonb_object_agg(v.value, v.answers) AS distribution
    FROM (
        -- keyed by the shortest form of the number: 5 and 5.0 count together
        -- as "5", whichever was read first
        SELECT a.experience_uid, a.step_uid, trim_scale(a.answer_number)::text AS value, count(*) AS answers
        FROM jimo.survey_answers a
        WHERE a.answer_number IS NOT NULL
        GROUP BY a.experience_uid, a.step_uid, a.answer_number
    ) v
    GROUP BY v.experience_uid, v.step_uid
) d
  ON coalesce(d.experience_uid::text, '') = coalesce(r.experience_uid::text, '')
 AND coalesce(d.step_uid, '') = coalesce(r.step_uid, '')
 AND (d.step_uid IS NULL) = (r.step_uid IS NULL)
LEFT JOIN jimo.experiences x ON x.uid = r.experience_uid;

COMMENT ON COLUMN jimo.survey_ratings.scale_min_seen IS 'Lowest answer seen (Jimo does not send the scale itself), in its shortest form (5.0 shows as 5)';
COMMENT ON COLUMN jimo.survey_ratings.scale_max_seen IS 'Highest answer seen, in its shortest form';
COMMENT ON COLUMN jimo.survey_ratings.distribution IS 'Answers per value, as a JSON object {"value": answers}; a value in its shortest form (answers 5 and 5.0 count together as "5")';

-- the Citus form of survey_ratings keys its distribution the same way
CREATE OR REPLACE FUNCTION jimo.use_citus_views()
    RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    CREATE OR REPLACE VIEW jimo.all_experiences AS
    WITH journey_experiences AS MATERIALIZED (
        SELECT DISTINCT experience_uid AS uid FROM jimo.journeys
    ), k AS MATERIALIZED (
        SELECT coalesce(x.uid, je.uid) AS experience_uid,
               upper(x.type) AS type,
               x.title,
               x.state,
               coalesce(x.is_deleted, false) AS is_deleted,
               x.uid IS NOT NULL AS has_row,
               x.project_uid,
               jimo.tag_names(x.tags) AS tags
        FROM jimo.experiences x
        FULL JOIN journey_experiences je ON je.uid = x.uid
    ), untyped AS MATERIALIZED (
        SELECT e.experience_uid, min(upper(split_part(e.name, '.', 1))) AS type
        FROM jimo.events e
        WHERE e.experience_uid IN (SELECT experience_uid FROM k WHERE type IS NULL)
        GROUP BY e.experience_uid
    )
    SELECT k.experience_uid,
           coalesce(k.type, u.type) AS type,
           k.title,
           k.state,
           k.is_deleted,
           k.has_row,
           k.project_uid,
           k.tags
    FROM k
    LEFT JOIN untyped u ON u.experience_uid = k.experience_uid;

    -- The rare journey whose 3+ completions bracket its first start looks
    -- its answer up in jimo.events by a LATERAL join on the jimer, which
    -- runs on the shard that holds both.
    CREATE OR REPLACE VIEW jimo.journey_conversions AS
    WITH w AS MATERIALIZED (
        SELECT coalesce(nullif(current_setting('jimo.funnel_window', true), ''),
                        '14 days')::interval AS funnel_window
    )
    SELECT
        j.experience_uid,
        j.jimer_uid,
        upper(x.type) AS experience_type,
        j.starts,
        j.first_started_at,
        j.last_started_at,
        j.completions,
        j.first_completed_at,
        j.last_completed_at,
        j.completed_after_start_at,
        w.funnel_window,
        coalesce(j.completed_after_start_at - j.first_started_at <= w.funnel_window, false) AS converted,
        CASE WHEN j.completed_after_start_at - j.first_started_at <= w.funnel_window
             THEN date_part('epoch', j.completed_after_start_at - j.first_started_at)
        END AS seconds_to_complete,
        (j.completions > 0 AND j.starts = 0) AS completed_without_start,
        j.progress_events,
        j.dismissals,
        j.first_dismissed_at,
        j.last_dismissed_at,
        j.views,
        j.first_seen_at,
        j.last_seen_at,
        j.likes,
        j.comments,
        least(j.first_started_at, j.first_progress_at, j.first_completed_at, j.first_dismissed_at,
              j.first_seen_at, j.first_liked_at, j.first_commented_at) AS first_activity_at,
        greatest(j.last_started_at, j.last_progress_at, j.last_completed_at, j.last_dismissed_at,
                 j.last_seen_at, j.last_liked_at, j.last_commented_at) AS last_activity_at,
        x.project_uid,
        jimo.tag_names(x.tags) AS tags
    FROM (
        SELECT j.*,
               CASE WHEN j.first_started_at IS NULL OR j.last_completed_at IS NULL
                         OR j.last_completed_at < j.first_started_at THEN NULL
                    WHEN j.first_completed_at >= j.first_started_at THEN j.first_completed_at
                    WHEN j.completions <= 2 THEN j.last_completed_at
                    ELSE p.completed_at
               END AS completed_after_start_at
        FROM jimo.journeys j
        LEFT JOIN LATERAL (
            SELECT min(e.occurred_at) AS completed_at
            FROM jimo.events e
            WHERE e.jimer_key = j.jimer_uid AND e.experience_uid = j.experience_uid
              AND e.occurred_at >= j.first_started_at
              AND e.name LIKE '%.completed' AND e.name NOT LIKE '%.%.%'
              AND j.completions > 2 AND j.first_completed_at < j.first_started_at
              AND j.last_completed_at >= j.first_started_at
        ) p ON true
    ) j
    LEFT JOIN jimo.experiences x ON x.uid = j.experience_uid
    CROSS JOIN w;

    CREATE OR REPLACE VIEW jimo.tour_funnel AS
    WITH k AS MATERIALIZED (
        SELECT * FROM jimo.all_experiences WHERE type = 'TOUR'
    ), j AS MATERIALIZED (
        SELECT c.experience_uid, c.starts, c.completions, c.first_started_at, c.last_started_at,
               c.first_completed_at, c.last_completed_at, c.funnel_window,
               c.completed_after_start_at - c.first_started_at AS time_to_complete
        FROM jimo.journey_conversions c
        WHERE c.experience_uid IN (SELECT experience_uid FROM k)
    )
    SELECT
        k.experience_uid,
        k.title,
        k.state,
        k.is_deleted,
        coalesce(a.started_jimers, 0) AS started_jimers,
        coalesce(a.completed_jimers, 0) AS completed_jimers,
        round(a.completed_jimers::numeric / nullif(a.started_jimers, 0), 4) AS conversion_rate,
        coalesce(a.started_jimers - a.completed_jimers, 0) AS drop_off_jimers,
        a.median_seconds_to_complete,
        a.p90_seconds_to_complete,
        coalesce(a.completed_without_start, 0) AS completed_without_start,
        coalesce(a.completed_before_start_only, 0) AS completed_before_start_only,
        coalesce(a.completed_after_window, 0) AS completed_after_window,
        a.first_activity_at,
        a.last_activity_at,
        k.project_uid,
        k.tags
    FROM k
    LEFT JOIN (
        SELECT
            j.experience_uid,
            count(*) FILTER (WHERE j.starts > 0) AS started_jimers,
            count(*) FILTER (WHERE j.time_to_complete <= j.funnel_window) AS completed_jimers,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY CASE WHEN j.time_to_complete <= j.funnel_window
                THEN date_part('epoch', j.time_to_complete) END) AS median_seconds_to_complete,
            percentile_cont(0.9) WITHIN GROUP (ORDER BY CASE WHEN j.time_to_complete <= j.funnel_window
                THEN date_part('epoch', j.time_to_complete) END) AS p90_seconds_to_complete,
            count(*) FILTER (WHERE j.completions > 0 AND j.starts = 0) AS completed_without_start,
            count(*) FILTER (WHERE j.starts > 0 AND j.completions > 0
                               AND j.time_to_complete IS NULL) AS completed_before_start_only,
            count(*) FILTER (WHERE j.time_to_complete > j.funnel_window) AS completed_after_window,
            least(min(j.first_started_at), min(j.first_completed_at)) AS first_activity_at,
            greatest(max(j.last_started_at), max(j.last_completed_at)) AS last_activity_at
        FROM j
        GROUP BY j.experience_uid
    ) a ON a.experience_uid = k.experience_uid;

    CREATE OR REPLACE VIEW jimo.tour_funnel_daily AS
    WITH k AS MATERIALIZED (
        SELECT * FROM jimo.all_experiences WHERE type = 'TOUR'
    ), c AS MATERIALIZED (
        SELECT * FROM jimo.journey_conversions c
        WHERE c.experience_uid IN (SELECT experience_uid FROM k)
          AND (c.starts > 0 OR c.completed_without_start)
    )
    SELECT
        a.day,
        k.experience_uid,
        k.title,
        k.state,
        k.is_deleted,
        a.started_jimers,
        a.completed_jimers,
        round(a.completed_jimers::numeric / nullif(a.started_jimers, 0), 4) AS conversion_rate,
        a.started_jimers - a.completed_jimers AS drop_off_jimers,
        a.median_seconds_to_complete,
        a.p90_seconds_to_complete,
        a.completed_without_start,
        a.first_activity_at,
        a.last_activity_at,
        a.window_closes_at,
        k.project_uid,
        k.tags
    FROM k
    JOIN (
        SELECT
            c.experience_uid,
            (coalesce(c.first_started_at, c.first_completed_at) AT TIME ZONE 'UTC')::date AS day,
            count(*) FILTER (WHERE c.starts > 0) AS started_jimers,
            count(*) FILTER (WHERE c.converted) AS completed_jimers,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY c.seconds_to_complete) AS median_seconds_to_complete,
            percentile_cont(0.9) WITHIN GROUP (ORDER BY c.seconds_to_complete) AS p90_seconds_to_complete,
            count(*) FILTER (WHERE c.completed_without_start) AS completed_without_start,
            min(c.first_activity_at) AS first_activity_at,
            max(c.last_activity_at) AS last_activity_at,
            max(c.first_started_at + c.funnel_window) AS window_closes_at
        FROM c
        GROUP BY 1, 2
    ) a ON a.experience_uid = k.experience_uid;

    CREATE OR REPLACE VIEW jimo.survey_funnel AS
    WITH counts AS MATERIALIZED (
        SELECT jj.experience_uid,
               count(*) FILTER (WHERE jj.starts > 0) AS started_jimers,
               count(*) FILTER (WHERE jj.completions > 0) AS completed_jimers
        FROM jimo.journeys jj
        GROUP BY jj.experience_uid
    ), reached AS MATERIALIZED (
        SELECT sj.experience_uid, sj.step_uid, count(*) AS jimers
        FROM jimo.survey_step_journeys sj
        GROUP BY sj.experience_uid, sj.step_uid
    ), surveys AS (
        SELECT k.experience_uid, k.title, k.is_deleted,
               coalesce(j.started_jimers, 0) AS started_jimers,
               coalesce(j.completed_jimers, 0) AS completed_jimers
        FROM jimo.all_experiences k
        LEFT JOIN counts j ON j.experience_uid = k.experience_uid
        WHERE k.type = 'SURVEY'
    ), steps AS (
        SELECT s.experience_uid,
               nullif(s.step_uid, '') AS step_uid,
               s.step_title,
               s.step_type,
               s.step_position,
               coalesce(r.jimers, 0) AS reached_jimers
        FROM jimo.survey_steps s
        LEFT JOIN reached r ON r.experience_uid = s.experience_uid AND r.step_uid = s.step_uid
    ), stages AS (
        SELECT experience_uid, 0 AS stage_index, 'started' AS stage,
               NULL::text AS step_uid, NULL::text AS step_title, NULL::text AS step_type,
               NULL::integer AS step_position, started_jimers AS reached_jimers
        FROM surveys
        UNION ALL
        SELECT experience_uid,
               row_number() OVER (PARTITION BY experience_uid
                                  ORDER BY step_position NULLS LAST, reached_jimers DESC, step_uid)::integer,
               'step', step_uid, step_title, step_type, step_position, reached_jimers
        FROM steps
        UNION ALL
        SELECT s.experience_uid,
               (SELECT count(*) FROM steps st WHERE st.experience_uid = s.experience_uid)::integer + 1,
               'completed', NULL, NULL, NULL, NULL, s.completed_jimers
        FROM surveys s
    )
    SELECT
        st.experience_uid,
        x.title,
        coalesce(x.is_deleted, false) AS is_deleted,
        st.stage_index,
        st.stage,
        st.step_uid,
        st.step_title,
        st.step_type,
        st.step_position,
        st.reached_jimers,
        round(st.reached_jimers::numeric
              / nullif(first_value(st.reached_jimers) OVER w, 0), 4) AS conversion_from_start,
        round(st.reached_jimers::numeric / nullif(lag(st.reached_jimers) OVER w, 0), 4) AS conversion_from_previous,
        lag(st.reached_jimers) OVER w - st.reached_jimers AS drop_off_jimers,
        x.project_uid,
        jimo.tag_names(x.tags) AS tags
    FROM stages st
    LEFT JOIN jimo.experiences x ON x.uid = st.experience_uid
    WINDOW w AS (PARTITION BY st.experience_uid ORDER BY st.stage_index);

    CREATE OR REPLACE VIEW jimo.checklist_funnel AS
    WITH k AS MATERIALIZED (
        SELECT * FROM jimo.all_experiences WHERE type = 'CHECKLIST'
    ), c AS MATERIALIZED (
        SELECT * FROM jimo.journey_conversions c
        WHERE c.experience_uid IN (SELECT experience_uid FROM k)
    )
    SELECT
        k.experience_uid,
        k.title,
        k.state,
        k.is_deleted,
        coalesce(a.started_jimers, 0) AS started_jimers,
        coalesce(a.progressed_jimers, 0) AS progressed_jimers,
        coalesce(a.completed_jimers, 0) AS completed_jimers,
        coalesce(a.dismissed_jimers, 0) AS dismissed_jimers,
        round(a.completed_jimers::numeric / nullif(a.started_jimers, 0), 4) AS completion_rate,
        round(a.dismissed_jimers::numeric / nullif(a.started_jimers, 0), 4) AS dismiss_rate,
        a.median_seconds_to_complete,
        coalesce(a.completed_without_start, 0) AS completed_without_start,
        a.first_activity_at,
        a.last_activity_at,
        k.project_uid,
        k.tags
    FROM k
    LEFT JOIN (
        SELECT
            c.experience_uid,
            count(*) FILTER (WHERE c.starts > 0) AS started_jimers,
            count(*) FILTER (WHERE c.starts > 0 AND c.progress_events > 0) AS progressed_jimers,
            count(*) FILTER (WHERE c.converted) AS completed_jimers,
            count(*) FILTER (WHERE c.last_dismissed_at >= c.first_started_at) AS dismissed_jimers,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY c.seconds_to_complete) AS median_seconds_to_complete,
            count(*) FILTER (WHERE c.completed_without_start) AS completed_without_start,
            min(c.first_activity_at) AS first_activity_at,
            max(c.last_activity_at) AS last_activity_at
        FROM c
        GROUP BY c.experience_uid
    ) a ON a.experience_uid = k.experience_uid;

    CREATE OR REPLACE VIEW jimo.funnel_cohorts AS
    WITH k AS MATERIALIZED (
        SELECT * FROM jimo.all_experiences WHERE type IN ('TOUR', 'SURVEY', 'CHECKLIST')
    ), c AS MATERIALIZED (
        SELECT * FROM jimo.journey_conversions c
        WHERE c.experience_uid IN (SELECT experience_uid FROM k) AND c.starts > 0
    )
    SELECT
        k.experience_uid,
        k.type,
        k.title,
        k.is_deleted,
        k.project_uid,
        k.tags,
        a.grain,
        a.cohort_start,
        a.started_jimers,
        a.completed_jimers,
        round(a.completed_jimers::numeric / a.started_jimers, 4) AS conversion_rate,
        a.median_seconds_to_complete,
        a.p90_seconds_to_complete,
        a.window_closes_at
    FROM k
    JOIN (
            SELECT c.experience_uid,
                   'day'::text AS grain,
                   (coalesce(c.first_started_at, c.first_completed_at) AT TIME ZONE 'UTC')::date AS cohort_start,
                   count(*) AS started_jimers,
                   count(*) FILTER (WHERE c.converted) AS completed_jimers,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY c.seconds_to_complete) AS median_seconds_to_complete,
                   percentile_cont(0.9) WITHIN GROUP (ORDER BY c.seconds_to_complete) AS p90_seconds_to_complete,
                   max(c.first_started_at + c.funnel_window) AS window_closes_at
            FROM c
            GROUP BY 1, 3
        UNION ALL
            SELECT c.experience_uid,
                   'week'::text,
                   date_trunc('week', coalesce(c.first_started_at, c.first_completed_at) AT TIME ZONE 'UTC')::date,
                   count(*) AS started_jimers,
                   count(*) FILTER (WHERE c.converted) AS completed_jimers,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY c.seconds_to_complete) AS median_seconds_to_complete,
                   percentile_cont(0.9) WITHIN GROUP (ORDER BY c.seconds_to_complete) AS p90_seconds_to_complete,
                   max(c.first_started_at + c.funnel_window) AS window_closes_at
            FROM c
            GROUP BY 1, 3
        UNION ALL
            SELECT c.experience_uid,
                   'month'::text,
                   date_trunc('month', coalesce(c.first_started_at, c.first_completed_at) AT TIME ZONE 'UTC')::date,
                   count(*) AS started_jimers,
                   count(*) FILTER (WHERE c.converted) AS completed_jimers,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY c.seconds_to_complete) AS median_seconds_to_complete,
                   percentile_cont(0.9) WITHIN GROUP (ORDER BY c.seconds_to_complete) AS p90_seconds_to_complete,
                   max(c.first_started_at + c.funnel_window) AS window_closes_at
            FROM c
            GROUP BY 1, 3
    ) a ON a.experience_uid = k.experience_uid;

    CREATE OR REPLACE VIEW jimo.time_to_complete AS
    WITH c AS MATERIALIZED (
        SELECT experience_uid, seconds_to_complete FROM jimo.journey_conversions WHERE converted
    ), b(bucket_index, bucket, from_seconds, to_seconds) AS (
        VALUES (1, '< 10 s', 0, 10), (2, '10 s - 1 min', 10, 60), (3, '1 - 5 min', 60, 300),
               (4, '5 - 30 min', 300, 1800), (5, '30 min - 1 h', 1800, 3600),
               (6, '1 h - 1 d', 3600, 86400), (7, '1 d or more', 86400, NULL)
    ), counts AS (
        SELECT c.experience_uid, b.bucket_index, count(*) AS jimers
        FROM c
        JOIN b ON c.seconds_to_complete >= b.from_seconds
              AND (b.to_seconds IS NULL OR c.seconds_to_complete < b.to_seconds)
        GROUP BY 1, 2
    )
    SELECT
        e.experience_uid,
        k.type,
        k.title,
        x.project_uid,
        jimo.tag_names(x.tags) AS tags,
        b.bucket_index,
        b.bucket,
        coalesce(n.jimers, 0) AS completed_jimers,
        round(coalesce(n.jimers, 0)::numeric
              / nullif(sum(coalesce(n.jimers, 0)) OVER (PARTITION BY e.experience_uid), 0), 4) AS share
    FROM (SELECT DISTINCT experience_uid FROM c) e
    JOIN jimo.all_experiences k ON k.experience_uid = e.experience_uid
    LEFT JOIN jimo.experiences x ON x.uid = e.experience_uid
    CROSS JOIN b
    LEFT JOIN counts n ON n.experience_uid = e.experience_uid AND n.bucket_index = b.bucket_index;

    -- An answer is on the shard of its jimer_key, and jimo.jimers on that of
    -- its uid: the join is on those, which Citus can join shard by shard.
    CREATE OR REPLACE VIEW jimo.survey_responses AS
    SELECT
        a.experience_uid,
        x.title AS survey_title,
        a.jimer_uid,
        jm.identify_token,
        jm.email,
        a.step_uid,
        a.step_title,
        a.step_type,
        a.step_position,
        a.answer,
        a.answer_text,
        a.answer_number,
        a.answer_choices,
        a.answered_at,
        coalesce(x.is_deleted, false) AS is_deleted,
        a.event_id,
        x.project_uid,
        jimo.tag_names(x.tags) AS tags
    FROM jimo.survey_answers a
    LEFT JOIN jimo.experiences x ON x.uid = a.experience_uid
    LEFT JOIN jimo.jimers jm ON jm.uid = a.jimer_key AND a.jimer_uid IS NOT NULL;

    CREATE OR REPLACE VIEW jimo.survey_ratings AS
    WITH k AS MATERIALIZED (
        SELECT * FROM jimo.survey_step_scales
    ), a AS MATERIALIZED (
        SELECT a.experience_uid, a.step_uid, a.step_title, a.answered_at, a.jimer_uid, a.answer_number
        FROM jimo.survey_answers a
        WHERE a.experience_uid IS NULL
           OR a.experience_uid IN (SELECT experience_uid FROM k WHERE is_rating)
    )
    SELECT
        r.experience_uid,
        x.title,
        coalesce(x.is_deleted, false) AS is_deleted,
        r.step_uid,
        r.step_title,
        k.step_type,
        r.responses,
        r.respondents,
        r.mean,
        r.median,
        k.scale_min_seen,
        k.scale_max_seen,
        d.distribution,
        x.project_uid,
        jimo.tag_names(x.tags) AS tags
    FROM (
        SELECT
            a.experience_uid,
            a.step_uid,
            (array_agg(a.step_title ORDER BY a.answered_at DESC, a.step_title)
                 FILTER (WHERE a.step_title IS NOT NULL))[1] AS step_title,
            count(*) AS responses,
            count(DISTINCT a.jimer_uid) AS respondents,
            round(avg(a.answer_number), 2) AS mean,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY jimo.answer_float8(a.answer_number)) AS median
        FROM a
        JOIN k
          ON k.is_rating
         AND k.experience_uid IS NOT DISTINCT FROM a.experience_uid
         AND k.step_uid IS NOT DISTINCT FROM a.step_uid
        GROUP BY a.experience_uid, a.step_uid
    ) r
    JOIN k
      ON k.experience_uid IS NOT DISTINCT FROM r.experience_uid
     AND k.step_uid IS NOT DISTINCT FROM r.step_uid
    CROSS JOIN LATERAL (
        SELECT jsonb_object_agg(v.value, v.answers) AS distribution
        FROM (
            SELECT trim_scale(a.answer_number)::text AS value, count(*) AS answers
            FROM a
            WHERE a.experience_uid IS NOT DISTINCT FROM r.experience_uid
              AND a.step_uid IS NOT DISTINCT FROM r.step_uid
            GROUP BY a.answer_number
        ) v
    ) d
    LEFT JOIN jimo.experiences x ON x.uid = r.experience_uid;
END
$fn$;

-- (On a distributed database, survey_ratings gets its Citus form back at the
-- end of the update: 90_citus_views.sql.)

-- QA round 7: jimo.retry_rejected() locks each row of jimo.rejected as it
-- reads it, so that two running at the same time retry a body once; both
-- stored or counted it, and the event counted its deliveries twice while
-- delivery_health went negative (test/integration/retry_rejected_race.sh).
CREATE OR REPLACE FUNCTION jimo.retry_rejected(OUT retried integer, OUT stored integer, OUT still_rejected integer)
    RETURNS record
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r record;
    x record;
    e record;
    rollup text;
BEGIN
    retried := 0; stored := 0; still_rejected := 0;
    PERFORM jimo.event_rank('');  -- loads the library, which defines the setting
    rollup := current_setting('jimo.delivery_rollup');
    PERFORM set_config('jimo.delivery_rollup', 'off', true);
    FOR r IN SELECT * FROM jimo.rejected ORDER BY id FOR UPDATE LOOP
        SELECT * INTO x FROM jimo.receive_batch(ARRAY[coalesce(
            convert_to(r.body, current_setting('server_encoding')), r.body_bytes)]);
        retried := retried + 1;
        IF x.status = 'rejected' THEN
            still_rejected := still_rejected + 1;
            UPDATE jimo.rejected
               SET deliveries = r.deliveries, last_received_at = r.last_received_at
             WHERE id = r.id;
        ELSE
            stored := stored + 1;
            DELETE FROM jimo.rejected WHERE id = r.id;
            INSERT INTO jimo.delivery_days AS t
                (day, slot, stored, deliveries, rejected, rejected_deliveries)
            VALUES ((r.received_at AT TIME ZONE 'UTC')::date, 0, 0, 0, -1, -r.deliveries)
            ON CONFLICT (day, slot) DO UPDATE
               SET rejected = t.rejected + excluded.rejected,
                   rejected_deliveries = t.rejected_deliveries + excluded.rejected_deliveries;
            IF x.status = 'stored' THEN
                UPDATE jimo.events
                   SET received_at = r.received_at,
                       last_received_at = r.last_received_at,
                       deliveries = r.deliveries
                 WHERE id = x.event_id
                RETURNING received_at, last_received_at, occurred_at, 1 AS stored INTO e;
            ELSE
                UPDATE jimo.events
                   SET deliveries = deliveries - 1 + r.deliveries
                 WHERE id = x.event_id
                RETURNING received_at, last_received_at, occurred_at, 0 AS stored INTO e;
            END IF;
            INSERT INTO jimo.delivery_days AS t
                (day, slot, stored, deliveries, rejected, rejected_deliveries, max_lag, max_redelivery_lag)
            VALUES ((e.received_at AT TIME ZONE 'UTC')::date, 0, e.stored, r.deliveries, 0, 0,
                    CASE WHEN e.stored = 1 THEN e.received_at - e.occurred_at END,
                    e.last_received_at - e.occurred_at)
            ON CONFLICT (day, slot) DO UPDATE
               SET stored = t.stored + excluded.stored,
                   deliveries = t.deliveries + excluded.deliveries,
                   max_lag = greatest(t.max_lag, excluded.max_lag),
                   max_redelivery_lag = greatest(t.max_redelivery_lag, excluded.max_redelivery_lag);
            IF e.stored = 1 THEN
                INSERT INTO jimo.delivery_lags AS t (day, lag_seconds, slot, events)
                VALUES ((e.received_at AT TIME ZONE 'UTC')::date,
                        jimo.delivery_lag_bucket(e.received_at - e.occurred_at), 0, 1)
                ON CONFLICT (day, lag_seconds, slot) DO UPDATE SET events = t.events + 1;
            END IF;
        END IF;
    END LOOP;
    -- a local setting would last until the transaction ends
    PERFORM set_config('jimo.delivery_rollup', rollup, true);
END
$$;

-- QA round 7: jimo.ensure_partitions() creates a month as a heap table in the
-- tablespace of its partitioned table, whatever the caller's session says
-- (default_table_access_method, default_tablespace): a jimo_writer decided how
-- and where the owner's tables were created (test/pgtap/99_partition_ddl_settings.sql).
CREATE OR REPLACE FUNCTION jimo.ensure_partitions(event_times timestamptz[])
    RETURNS timestamptz
    LANGUAGE plpgsql VOLATILE STRICT SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    -- the bounds go through text (ATTACH ... FOR VALUES FROM ('...')): written
    -- in another DateStyle, a zone abbreviation may be read back as another
    -- zone (CST of Asia/Shanghai as US Central), attaching a month hours off
    SET DateStyle = 'ISO, YMD'
    SET TimeZone = 'UTC'
    SET default_table_access_method = 'heap'
    SET default_tablespace = ''
AS $$
DECLARE
    horizon timestamptz;
    t timestamptz;
    p record;
    tbl record;
    k text;
    space text;
BEGIN
    SELECT max(upper_bound) INTO horizon FROM jimo.expired_months;
    FOR t IN SELECT DISTINCT u FROM unnest(event_times) AS u
             WHERE u IS NOT NULL AND u >= coalesce(horizon, '-infinity') LOOP
        p := jimo.partition_for('events', t);
        CONTINUE WHEN to_regclass('jimo.' || quote_ident(p.partition_name)) IS NOT NULL;
        -- One creator at a time: SHARE UPDATE EXCLUSIVE on jimo.events
        -- conflicts with itself (and with ATTACH), not with inserts.  Taken
        -- before any month's work, it orders every creator the same way; a
        -- lock per month let two sessions that each needed two new months
        -- deadlock, each holding what the other's ATTACH waited for.
        LOCK TABLE jimo.events IN SHARE UPDATE EXCLUSIVE MODE;
        -- Another session may have created it while we waited.  Read
        -- pg_class itself: this statement's snapshot sees that session's
        -- commit.
        CONTINUE WHEN EXISTS (SELECT FROM pg_class
                              WHERE relname = p.partition_name
                                AND relnamespace = 'jimo'::regnamespace);
        FOR tbl IN SELECT * FROM jimo.partitioned_tables() LOOP
            p := jimo.partition_for(tbl.table_name, t);
            SELECT ' TABLESPACE ' || quote_ident(s.spcname) INTO space
            FROM pg_class c JOIN pg_tablespace s ON s.oid = c.reltablespace
            WHERE c.oid = format('jimo.%I', tbl.table_name)::regclass;
            EXECUTE format('CREATE TABLE jimo.%I (LIKE jimo.%I INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE INCLUDING COMPRESSION)%s',
                           p.partition_name, tbl.table_name, coalesce(space, ''));
            FOR k IN SELECT unnest(tbl.keys) LOOP
                EXECUTE format('ALTER TABLE jimo.%I ADD %s', p.partition_name, k);
            END LOOP;
            FOR k IN SELECT unnest(tbl.indexes) LOOP
                EXECUTE format('CREATE INDEX ON jimo.%I (%s)', p.partition_name, k);
            END LOOP;
            EXECUTE format('ALTER TABLE jimo.%I ATTACH PARTITION jimo.%I FOR VALUES FROM (%s) TO (%s)',
                           tbl.table_name, p.partition_name,
                           CASE WHEN p.lower_bound = '-infinity' THEN 'MINVALUE' ELSE quote_literal(p.lower_bound) END,
                           CASE WHEN p.upper_bound = 'infinity' THEN 'MAXVALUE' ELSE quote_literal(p.upper_bound) END);
        END LOOP;
    END LOOP;
    RETURN horizon;
END
$$;
-- On a distributed database, the views replaced above that have a Citus form
-- of their own (time_to_complete, survey_ratings) get it back, once, after
-- every fragment (jimo.use_citus_views(), as jimo.distribute() gives it).
DO $$
DECLARE
    distributed boolean := false;
BEGIN
    IF EXISTS (SELECT FROM pg_extension WHERE extname = 'citus') THEN
        EXECUTE 'SELECT EXISTS (SELECT FROM pg_dist_partition WHERE logicalrelid = ''jimo.journeys''::regclass)'
            INTO distributed;
    END IF;
    IF distributed THEN
        PERFORM jimo.use_citus_views();
    END IF;
END
$$;
