-- A completion is the same event in the funnels' lookup as in the journeys
-- (classify() in src/event.c): a name ending in .completed that is not a
-- step's or a task's.  The lookup in jimo.events (completion_at_or_after, the
-- Citus form of journey_conversions, keep_expired_completions) left out every
-- name of three parts, so a jimer converted by tour.v2.completed was
-- un-converted when a later one arrived (an audit of 0.15; Jimo sends no such
-- names).  No stored row changes.
CREATE OR REPLACE FUNCTION jimo.completion_at_or_after(experience uuid, jimer uuid, since timestamptz)
    RETURNS timestamptz
    LANGUAGE sql STABLE STRICT PARALLEL SAFE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT least(
        (SELECT min(e.occurred_at)
           FROM jimo.events e
          WHERE e.jimer_uid = $2 AND e.experience_uid = $1 AND e.occurred_at >= $3
            AND e.name LIKE '%.completed' AND e.name !~ '^[^.]*\.(step|task)\.completed$'),
        (SELECT j.expired_completion_at
           FROM jimo.journeys j
          WHERE j.experience_uid = $1 AND j.jimer_uid = $2 AND j.expired_completion_at >= $3))
$$;
CREATE OR REPLACE FUNCTION jimo.keep_expired_completions(month regclass)
    RETURNS bigint
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    n bigint;
BEGIN
    EXECUTE format($q$
        UPDATE jimo.journeys j
           SET expired_completion_at = least(j.expired_completion_at, c.completed_at)
          FROM (SELECT e.jimer_key, e.experience_uid, min(e.occurred_at) AS completed_at
                  FROM %s e
                  JOIN jimo.journeys s
                    ON s.jimer_uid = e.jimer_key AND s.experience_uid = e.experience_uid
                 WHERE e.name LIKE '%%.completed' AND e.name !~ '^[^.]*\.(step|task)\.completed$'
                   AND s.first_completed_at < s.first_started_at
                   AND e.occurred_at >= s.first_started_at
                 GROUP BY e.jimer_key, e.experience_uid) c
         WHERE j.jimer_uid = c.jimer_key AND j.experience_uid = c.experience_uid
           AND j.expired_completion_at IS DISTINCT FROM least(j.expired_completion_at, c.completed_at)
        $q$, month);
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;
CREATE OR REPLACE FUNCTION jimo.use_citus_views()
    RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    CREATE OR REPLACE VIEW jimo.all_experiences AS
    WITH journey_experiences AS MATERIALIZED (
        SELECT DISTINCT experience_uid AS uid FROM jimo.journeys
    )
    SELECT coalesce(x.uid, je.uid) AS experience_uid,
           coalesce(upper(x.type), upper(x.event_type COLLATE "default")) AS type,
           x.title,
           x.state,
           coalesce(x.is_deleted, false) AS is_deleted,
           x.uid IS NOT NULL AS has_row,
           x.project_uid,
           jimo.tag_names(x.tags) AS tags
    FROM jimo.experiences x
    FULL JOIN journey_experiences je ON je.uid = x.uid;

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
        coalesce(upper(x.type), upper(x.event_type COLLATE "default")) AS experience_type,
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
                    ELSE least(p.completed_at,
                               CASE WHEN j.expired_completion_at >= j.first_started_at
                                    THEN j.expired_completion_at END)
               END AS completed_after_start_at
        FROM jimo.journeys j
        LEFT JOIN LATERAL (
            SELECT min(e.occurred_at) AS completed_at
            FROM jimo.events e
            WHERE e.jimer_key = j.jimer_uid AND e.experience_uid = j.experience_uid
              AND e.occurred_at >= j.first_started_at
              AND e.name LIKE '%.completed' AND e.name !~ '^[^.]*\.(step|task)\.completed$'
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
            jimo.funnel_window_end(max(c.first_started_at), max(c.funnel_window)) AS window_closes_at
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
                   jimo.funnel_window_end(max(c.first_started_at), max(c.funnel_window)) AS window_closes_at
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
                   jimo.funnel_window_end(max(c.first_started_at), max(c.funnel_window)) AS window_closes_at
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
                   jimo.funnel_window_end(max(c.first_started_at), max(c.funnel_window)) AS window_closes_at
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

    -- (0.12) On one node these read one step at a time (jimo.step_answers(),
    -- a LATERAL call per step), which Citus cannot plan over the distributed
    -- answers: here they join every answer to its step, as until 0.10.
    CREATE OR REPLACE VIEW jimo.survey_nps AS
    SELECT
        g.experience_uid,
        g.title,
        g.is_deleted,
        g.step_uid,
        CASE WHEN ss.experience_uid IS NULL THEN g.step_title ELSE ss.step_title END AS step_title,
        g.nps_typed,
        g.responses,
        g.respondents,
        g.promoters,
        g.passives,
        g.detractors,
        round(100.0 * (g.promoters - g.detractors) / g.responses, 1) AS nps,
        round((1.96 * 100 * sqrt((g.promoters::numeric / g.responses + g.detractors::numeric / g.responses
                                  - ((g.promoters - g.detractors)::numeric / g.responses) ^ 2)
                                 / g.responses))::numeric, 1) AS nps_margin_95,
        g.project_uid,
        jimo.tag_names(g.tags) AS tags
    FROM (
        SELECT
            a.experience_uid,
            x.title,
            coalesce(x.is_deleted, false) AS is_deleted,
            a.step_uid,
            (array_agg(a.step_title ORDER BY a.answered_at DESC, a.step_title)
                 FILTER (WHERE a.step_title IS NOT NULL))[1] AS step_title,
            k.nps_typed,
            count(*) FILTER (WHERE s.is_score) AS responses,
            count(DISTINCT a.jimer_uid) FILTER (WHERE s.is_score) AS respondents,
            count(*) FILTER (WHERE s.is_score AND a.answer_number >= 9) AS promoters,
            count(*) FILTER (WHERE s.is_score AND a.answer_number IN (7, 8)) AS passives,
            count(*) FILTER (WHERE s.is_score AND a.answer_number <= 6) AS detractors,
            x.project_uid,
            x.tags
        FROM jimo.survey_answers a
        JOIN jimo.survey_step_scales k
          ON k.is_nps
         AND coalesce(k.experience_uid::text, '') = coalesce(a.experience_uid::text, '')
         AND coalesce(k.step_uid, '') = coalesce(a.step_uid, '')
         AND (k.step_uid IS NULL) = (a.step_uid IS NULL)
        CROSS JOIN LATERAL (
            SELECT coalesce(a.answer_number BETWEEN 0 AND 10
                            AND a.answer_number = trunc(a.answer_number), false) AS is_score
        ) s
        LEFT JOIN jimo.experiences x ON x.uid = a.experience_uid
        GROUP BY a.experience_uid, x.title, x.is_deleted, a.step_uid, k.nps_typed, x.project_uid, x.tags
    ) g
    -- the title survey_funnel shows, as on one node
    LEFT JOIN jimo.survey_steps ss
           ON ss.experience_uid = g.experience_uid AND ss.step_uid = coalesce(g.step_uid, '')
    WHERE g.responses > 0;

    CREATE OR REPLACE VIEW jimo.survey_choices AS
    SELECT
        c.experience_uid,
        x.title,
        coalesce(x.is_deleted, false) AS is_deleted,
        c.step_uid,
        c.choice,
        c.selections,
        c.respondents,
        t.respondents AS step_respondents,
        round(c.respondents::numeric / nullif(t.respondents, 0), 4) AS share_of_respondents,
        x.project_uid,
        jimo.tag_names(x.tags) AS tags
    FROM (
        SELECT a.experience_uid, a.step_uid, o.choice,
               count(*) AS selections,
               count(DISTINCT a.jimer_uid) AS respondents
        FROM jimo.survey_answers a
        JOIN jimo.survey_step_scales k
          ON k.is_choice
         AND coalesce(k.experience_uid::text, '') = coalesce(a.experience_uid::text, '')
         AND coalesce(k.step_uid, '') = coalesce(a.step_uid, '')
         AND (k.step_uid IS NULL) = (a.step_uid IS NULL)
        -- each option once per answer: an answer that lists it twice chose it once
        CROSS JOIN LATERAL (SELECT DISTINCT u.choice
                            FROM unnest(coalesce(a.answer_choices, ARRAY[a.answer_text])) AS u(choice)) AS o
        WHERE o.choice IS NOT NULL
        GROUP BY a.experience_uid, a.step_uid, o.choice
    ) c
    JOIN (
        SELECT a.experience_uid, a.step_uid, count(DISTINCT a.jimer_uid) AS respondents
        FROM jimo.survey_answers a
        GROUP BY a.experience_uid, a.step_uid
    ) t ON coalesce(t.experience_uid::text, '') = coalesce(c.experience_uid::text, '')
       AND coalesce(t.step_uid, '') = coalesce(c.step_uid, '')
       AND (t.step_uid IS NULL) = (c.step_uid IS NULL)
    LEFT JOIN jimo.experiences x ON x.uid = c.experience_uid;

    CREATE OR REPLACE VIEW jimo.survey_nps_trend AS
    SELECT
        experience_uid,
        step_uid,
        grain,
        period_start,
        responses,
        promoters,
        passives,
        detractors,
        round(100.0 * (promoters - detractors) / responses, 1) AS nps,
        x.project_uid,
        jimo.tag_names(x.tags) AS tags
    FROM (
        SELECT
            a.experience_uid,
            a.step_uid,
            g.grain,
            date_trunc(g.grain, a.answered_at) AS period_start,
            count(*) AS responses,
            count(*) FILTER (WHERE a.answer_number >= 9) AS promoters,
            count(*) FILTER (WHERE a.answer_number IN (7, 8)) AS passives,
            count(*) FILTER (WHERE a.answer_number <= 6) AS detractors
        FROM jimo.survey_answers a
        JOIN jimo.survey_step_scales k
          ON k.is_nps
         AND coalesce(k.experience_uid::text, '') = coalesce(a.experience_uid::text, '')
         AND coalesce(k.step_uid, '') = coalesce(a.step_uid, '')
         AND (k.step_uid IS NULL) = (a.step_uid IS NULL)
        CROSS JOIN (VALUES ('week'), ('month')) AS g(grain)
        WHERE a.answer_number BETWEEN 0 AND 10 AND a.answer_number = trunc(a.answer_number)
        GROUP BY a.experience_uid, a.step_uid, g.grain, date_trunc(g.grain, a.answered_at)
    ) t
    LEFT JOIN jimo.experiences x ON x.uid = t.experience_uid;

    CREATE OR REPLACE VIEW jimo.survey_ratings_trend AS
    SELECT
        a.experience_uid,
        a.step_uid,
        g.grain,
        date_trunc(g.grain, a.answered_at) AS period_start,
        count(*) AS responses,
        -- beyond +-1e1000 an answer counts as +-1e1000 (see survey_ratings)
        round(avg(least(greatest(a.answer_number, -1e1000), 1e1000)), 2) AS mean,
        percentile_cont(0.5) WITHIN GROUP (ORDER BY jimo.answer_float8(a.answer_number)) AS median,
        x.project_uid,
        jimo.tag_names(x.tags) AS tags
    FROM jimo.survey_answers a
    JOIN jimo.survey_step_scales k
      ON k.is_rating
     AND coalesce(k.experience_uid::text, '') = coalesce(a.experience_uid::text, '')
     AND coalesce(k.step_uid, '') = coalesce(a.step_uid, '')
     AND (k.step_uid IS NULL) = (a.step_uid IS NULL)
    CROSS JOIN (VALUES ('week'), ('month')) AS g(grain)
    LEFT JOIN jimo.experiences x ON x.uid = a.experience_uid
    GROUP BY a.experience_uid, a.step_uid, g.grain, date_trunc(g.grain, a.answered_at), x.project_uid, x.tags;

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
        CASE WHEN ss.experience_uid IS NULL THEN r.step_title ELSE ss.step_title END AS step_title,
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
            round(avg(least(greatest(a.answer_number, -1e1000), 1e1000)), 2) AS mean,
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
    -- the title survey_funnel shows, as on one node
    LEFT JOIN jimo.survey_steps ss
           ON ss.experience_uid = r.experience_uid AND ss.step_uid = coalesce(r.step_uid, '')
    LEFT JOIN jimo.experiences x ON x.uid = r.experience_uid;

    -- 0.14: a distributed database keeps no jimo.jimer_journey_counts
    -- (ingest does not count there), so what it held before is emptied
    -- rather than left to go stale; the journeys of a jimer are on its
    -- jimers row's shard, so this GROUP BY runs shard by shard.
    TRUNCATE jimo.jimer_journey_counts;
    CREATE OR REPLACE VIEW jimo.jimer_dimension AS
    SELECT
        jm.uid AS jimer_uid,
        jm.identify_token,
        jm.email,
        jm.username,
        jm.project_uid,
        jm.created_at,
        jm.last_activity_at,
        jm.first_event_at,
        jm.state_at AS last_event_at,
        coalesce(j.experiences, 0) AS experiences,
        coalesce(j.started, 0) AS experiences_started,
        coalesce(j.completed, 0) AS experiences_completed
    FROM jimo.jimers jm
    LEFT JOIN (
        SELECT jimer_uid,
               count(*) AS experiences,
               count(*) FILTER (WHERE starts > 0) AS started,
               count(*) FILTER (WHERE completions > 0) AS completed
        FROM jimo.journeys
        GROUP BY jimer_uid
    ) j ON j.jimer_uid = jm.uid;
END
$fn$;
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
