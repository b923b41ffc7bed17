-- jimo_webhooks 0.9 -> 0.10 (ALTER EXTENSION jimo_webhooks UPDATE TO '0.10').
-- Assembled by the Makefile from sql/upgrade/0.9--0.10/*.sql, one file per change.
-- Released install scripts are frozen; everything 0.10 changes in the schema is
-- here, and test/integration/upgrade.sh checks that a 0.9 (0.8, ..., 0.1)
-- database holding data and upgraded with it equals a fresh 0.10 install fed the
-- same events.
\echo Use "ALTER EXTENSION jimo_webhooks UPDATE TO '0.10'" to load this file. \quit
-- QA round 9: jimo.expire() changed funnels of the kept period.
--   * A journey whose completions bracket its first start converts on the
--     first completion at or after that start, looked up in jimo.events; once
--     its month was dropped, the lookup found another.  expire() now keeps it
--     on the journey (expired_completion_at) and the lookup reads it too.
--   * An experience whose snapshots carry no type took it from its events;
--     once they expired it left the funnels of its type.  Ingest now keeps
--     the first part of its event names (experiences.event_type), filled here
--     from the events still stored.
-- Both columns are added last, where a fresh install has them too.  IF NOT
-- EXISTS because on Citus the update runs on every worker after the
-- coordinator, whose ALTER TABLE already reached the workers' copies.
ALTER TABLE jimo.journeys ADD COLUMN IF NOT EXISTS expired_completion_at timestamptz;
COMMENT ON COLUMN jimo.journeys.expired_completion_at IS 'Set by jimo.expire() for a journey with a completion before its first start: the earliest completion at or after the first start among the events it dropped, so that the conversion stays what it was once they are gone (0.10); NULL otherwise';
ALTER TABLE jimo.experiences ADD COLUMN IF NOT EXISTS event_type text COLLATE "C";
COMMENT ON COLUMN jimo.experiences.event_type IS 'The first part of its event names (tour in tour.started), the least in byte order when they differ, kept at ingest: the type of an experience whose snapshots carry none, which stays known once its events expire (0.10)';

-- One pass over the events still stored, one row per experience; an UPDATE
-- per experience, as Citus modifies a reference table.  Not on a Citus
-- worker, where Citus runs this script again with DDL propagation off: the
-- coordinator's update has filled the rows for every node.
DO $$
DECLARE
    r record;
BEGIN
    IF coalesce(current_setting('citus.enable_ddl_propagation', true), 'on') = 'off' THEN
        RETURN;
    END IF;
    FOR r IN
        SELECT e.experience_uid, min(split_part(e.name, '.', 1) COLLATE "C") AS event_type
        FROM jimo.events e
        WHERE e.experience_uid IS NOT NULL
        GROUP BY e.experience_uid
    LOOP
        UPDATE jimo.experiences x SET event_type = r.event_type
         WHERE x.uid = r.experience_uid AND x.event_type IS DISTINCT FROM r.event_type;
    END LOOP;
END
$$;

-- the type from the kept column, no longer from jimo.events
CREATE OR REPLACE VIEW jimo.all_experiences AS
WITH RECURSIVE journey_experiences(uid) AS (
    SELECT (SELECT experience_uid FROM jimo.journeys ORDER BY experience_uid LIMIT 1)
    UNION ALL
    SELECT (SELECT j.experience_uid FROM jimo.journeys j WHERE j.experience_uid > je.uid
            ORDER BY j.experience_uid LIMIT 1)
    FROM journey_experiences je
    WHERE je.uid IS NOT NULL
)
SELECT
    coalesce(x.uid, je.uid) AS experience_uid,
    coalesce(upper(x.type), upper(x.event_type COLLATE "default")) AS type,
    x.title,
    x.state,
    coalesce(x.is_deleted, false) AS is_deleted,
    x.uid IS NOT NULL AS has_row,
    x.project_uid,
    jimo.tag_names(x.tags) AS tags
FROM jimo.experiences x
FULL JOIN (SELECT uid FROM journey_experiences WHERE uid IS NOT NULL) je ON je.uid = x.uid;
COMMENT ON COLUMN jimo.all_experiences.type IS 'TOUR, SURVEY, CHECKLIST, HINT, BANNER or POST: jimo.experiences.type in upper case, or the first part of its event names (jimo.experiences.event_type) when its latest snapshot has no type';

-- the earliest completion after the first start, expired ones included
CREATE OR REPLACE FUNCTION jimo.completion_at_or_after(experience uuid, jimer uuid, since timestamptz)
    RETURNS timestamptz
    LANGUAGE sql STABLE STRICT PARALLEL SAFE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT least(
        (SELECT min(e.occurred_at)
           FROM jimo.events e
          WHERE e.jimer_uid = $2 AND e.experience_uid = $1 AND e.occurred_at >= $3
            AND e.name LIKE '%.completed' AND e.name NOT LIKE '%.%.%'),
        (SELECT j.expired_completion_at
           FROM jimo.journeys j
          WHERE j.experience_uid = $1 AND j.jimer_uid = $2 AND j.expired_completion_at >= $3))
$$;
COMMENT ON FUNCTION jimo.completion_at_or_after(uuid, uuid, timestamptz) IS
'Time of the first *.completed event of that jimer and experience at or after since (NULL if none): a lookup in jimo.events and in what jimo.expire() kept of the events it dropped (journeys.expired_completion_at), used by jimo.journey_conversions only when journeys alone cannot tell';

-- A journey whose completions bracket its first start is resolved by a
-- lookup in jimo.events (jimo.completion_at_or_after): the first completion
-- at or after the first start.  Before a month of events is dropped, the
-- earliest such completion it holds is kept on the journey, so the funnels
-- of the kept period answer as before.  Only journeys with a completion
-- before their first start can need it; the join is on the jimer, so on
-- Citus it runs shard by shard.
CREATE FUNCTION jimo.keep_expired_completions(month regclass)
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
                 WHERE e.name LIKE '%%.completed' AND e.name NOT LIKE '%%.%%.%%'
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
COMMENT ON FUNCTION jimo.keep_expired_completions(regclass) IS
'Internal, called by jimo.expire() before it drops a month of jimo.events: keeps in journeys.expired_completion_at the earliest completion of that month at or after the first start of each journey with a completion before its first start. Returns the journeys changed.';
REVOKE ALL ON FUNCTION jimo.keep_expired_completions(regclass) FROM PUBLIC;

CREATE OR REPLACE FUNCTION jimo.expire(retention interval DEFAULT NULL)
    RETURNS SETOF jimo.expired_months
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    -- the bounds are read back from pg_get_expr() text: see ensure_partitions
    SET DateStyle = 'ISO, YMD'
    SET TimeZone = 'UTC'
AS $$
DECLARE
    keep interval := coalesce(retention,
                              nullif(current_setting('jimo.retention', true), '')::interval);
    cutoff timestamptz;
    part record;
    tbl record;
    row jimo.expired_months;
    expiring jimo.expired_months[] := '{}';
    months oid[] := '{}';
    names text[] := '{}';
    i integer;
BEGIN
    IF keep IS NULL THEN
        RAISE EXCEPTION 'jimo: no retention given'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Pass one, as in jimo.expire(''400 days''), or set jimo.retention.';
    END IF;
    -- A redelivery of an event whose month is gone is rejected, not stored
    -- again; Jimo retries for about 11 days, so keep well beyond that.
    IF keep < interval '30 days' THEN
        RAISE EXCEPTION 'jimo: a retention of % is too short', keep
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'Jimo redelivers events for about 11 days; a month must outlive that with a margin.',
                  HINT = 'Use at least 30 days.';
    END IF;
    -- An interval of months is as long as the months it is counted from:
    -- now() - '1 mon' in March is 28 days ago.  A month is dropped only once
    -- it ended both the retention and 30 days ago.
    cutoff := date_trunc('month', (least(now() - keep, now() - interval '30 days'))
                                  AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
    FOR part IN
        SELECT c.oid, c.relname AS partition_name,
               pg_get_expr(c.relpartbound, c.oid) AS bound
        FROM pg_inherits i
        JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'jimo.events'::regclass
        ORDER BY 2
    LOOP
        row := NULL;
        row.upper_bound := CASE WHEN part.bound LIKE '%TO (MAXVALUE)' THEN 'infinity'
                                ELSE substring(part.bound FROM 'TO \(''([^'']*)''\)')::timestamptz END;
        CONTINUE WHEN row.upper_bound > cutoff;
        row.lower_bound := CASE WHEN part.bound LIKE 'FOR VALUES FROM (MINVALUE)%' THEN '-infinity'
                                ELSE substring(part.bound FROM 'FROM \(''([^'']*)''\)')::timestamptz END;
        row.expired_at := now();
        row.retention := keep;
        -- on Citus, the shards' estimate: the coordinator's copy holds nothing
        row.events_estimate := (jimo.partition_stats(part.oid)).rows_estimate;
        expiring := expiring || row;
        months := months || part.oid;
        names := names || part.partition_name::text;
    END LOOP;
    -- Every month's size is read before anything is written: Citus refuses
    -- its size functions in a transaction that modified several shards.
    -- The partitioned tables are locked before journeys are: dropping a month
    -- locks them anyway, and an ingest transaction writes jimo.events before
    -- its journeys, so taking them in the other order (journeys' rows, on
    -- Citus their shards, then the tables) deadlocked with ingest in flight.
    IF cardinality(months) > 0 THEN
        FOR tbl IN SELECT * FROM jimo.partitioned_tables() LOOP
            EXECUTE format('LOCK TABLE jimo.%I IN ACCESS EXCLUSIVE MODE', tbl.table_name);
        END LOOP;
    END IF;
    FOR i IN 1 .. cardinality(months) LOOP
        PERFORM jimo.keep_expired_completions(months[i]);
    END LOOP;
    FOR i IN 1 .. cardinality(months) LOOP
        FOR tbl IN SELECT * FROM jimo.partitioned_tables() LOOP
            EXECUTE format('DROP TABLE IF EXISTS jimo.%I',
                           tbl.table_name || substring(names[i] FROM length('events') + 1));
        END LOOP;
        row := expiring[i];
        INSERT INTO jimo.expired_months VALUES (row.*)
            ON CONFLICT (lower_bound) DO NOTHING;
        RETURN NEXT row;
    END LOOP;
END
$$;
COMMENT ON FUNCTION jimo.expire(interval) IS 'Drop the months of events (and their survey answers, checklist tasks, post comments and likes) that ended more than the retention ago (default: the jimo.retention setting, at least 30 days); journeys, rollups and latest states are kept (a journey keeps the dropped completion its conversion needs, journeys.expired_completion_at). Returns what it removed.';

-- post_engagement: its posts are the experiences of type POST by the same
-- rule as all_experiences (before, an untyped post had its likes but no title)
CREATE OR REPLACE VIEW jimo.post_engagement AS
SELECT
    coalesce(x.uid, a.experience_uid) AS experience_uid,
    x.title,
    x.state,
    coalesce(x.is_deleted, false) AS is_deleted,
    coalesce(a.likes, 0) AS likes,
    coalesce(a.comments, 0) AS comments,
    coalesce(a.engaged_jimers, 0) AS engaged_jimers,
    coalesce(a.liking_jimers, 0) AS liking_jimers,
    coalesce(a.commenting_jimers, 0) AS commenting_jimers,
    a.first_engaged_at,
    a.last_engaged_at,
    x.project_uid,
    jimo.tag_names(x.tags) AS tags
-- a post whose snapshots carry no type is one by its event names (0.10)
FROM (SELECT * FROM jimo.experiences
      WHERE coalesce(upper(type), upper(event_type COLLATE "default")) = 'POST') x
FULL JOIN (
    SELECT experience_uid,
           sum(likes) AS likes,
           sum(comments) AS comments,
           count(*) AS engaged_jimers,
           count(*) FILTER (WHERE likes > 0) AS liking_jimers,
           count(*) FILTER (WHERE comments > 0) AS commenting_jimers,
           min(least(first_liked_at, first_commented_at)) AS first_engaged_at,
           max(greatest(last_liked_at, last_commented_at)) AS last_engaged_at
    FROM jimo.journeys
    WHERE likes > 0 OR comments > 0
    GROUP BY experience_uid
) a ON a.experience_uid = x.uid;

-- journey_conversions.experience_type by the same rule as all_experiences
-- (0.9: NULL for an experience whose snapshots carry no type)
CREATE OR REPLACE VIEW jimo.journey_conversions AS
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
    c.completed_after_start_at,
    w.funnel_window,
    coalesce(c.completed_after_start_at - j.first_started_at <= w.funnel_window, false) AS converted,
    CASE WHEN c.completed_after_start_at - j.first_started_at <= w.funnel_window
         THEN date_part('epoch', c.completed_after_start_at - j.first_started_at)
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
FROM jimo.journeys j
LEFT JOIN jimo.experiences x ON x.uid = j.experience_uid
CROSS JOIN (SELECT coalesce(nullif(current_setting('jimo.funnel_window', true), ''),
                            '14 days')::interval AS funnel_window
            OFFSET 0) w
CROSS JOIN LATERAL (
    SELECT jimo.first_completion_after_start(j.experience_uid, j.jimer_uid, j.first_started_at,
               j.first_completed_at, j.last_completed_at, j.completions)
           AS completed_after_start_at
) c;

COMMENT ON COLUMN jimo.journey_conversions.experience_type IS 'TOUR, SURVEY, CHECKLIST, HINT, BANNER or POST, as jimo.all_experiences tells it: jimo.experiences.type in upper case, or the first part of its event names when its latest snapshot has none (0.9: NULL then)';

-- experience_reach_daily.type by all_experiences' rule too (0.9: an untyped
-- experience took the first part of each day's event names, which could
-- differ from day to day)
CREATE OR REPLACE VIEW jimo.experience_reach_daily AS
SELECT
    t.day,
    t.experience_uid,
    coalesce(upper(x.type), upper(x.event_type COLLATE "default"),
             upper(t.event_prefix COLLATE "default")) AS type,
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
    SELECT e.uid, e.type, e.event_type, e.title, e.is_deleted, e.project_uid, jimo.tag_names(e.tags) AS tags
    FROM jimo.experiences e
    GROUP BY e.uid, e.type, e.event_type, e.title, e.is_deleted, e.project_uid, e.tags
) x ON x.uid = t.experience_uid;
COMMENT ON COLUMN jimo.experience_reach_daily.type IS 'HINT, BANNER, ... (upper case), as jimo.all_experiences tells it (0.10; before, an experience whose snapshots carry no type took the first part of that day''s event names)';
-- window_closes_at of tour_funnel_daily and funnel_cohorts: the window end of
-- the cohort's latest start, computed once per cohort instead of once per
-- journey (the same value: the end grows with the start); 0.69x the time of
-- tour_funnel_daily at 96k journeys.  (Their Citus forms: 90_citus_views.sql.)
CREATE OR REPLACE VIEW jimo.tour_funnel_daily AS
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
FROM jimo.all_experiences k
CROSS JOIN LATERAL (
    SELECT
        (coalesce(c.first_started_at, c.first_completed_at) AT TIME ZONE 'UTC')::date AS day,
        count(*) FILTER (WHERE c.starts > 0) AS started_jimers,
        count(*) FILTER (WHERE c.converted) AS completed_jimers,
        percentile_cont(0.5) WITHIN GROUP (ORDER BY c.seconds_to_complete) AS median_seconds_to_complete,
        percentile_cont(0.9) WITHIN GROUP (ORDER BY c.seconds_to_complete) AS p90_seconds_to_complete,
        count(*) FILTER (WHERE c.completed_without_start) AS completed_without_start,
        min(c.first_activity_at) AS first_activity_at,
        max(c.last_activity_at) AS last_activity_at,
        jimo.funnel_window_end(max(c.first_started_at), max(c.funnel_window)) AS window_closes_at
    FROM jimo.journey_conversions c
    WHERE c.experience_uid = k.experience_uid
      AND (c.starts > 0 OR c.completed_without_start)
    GROUP BY 1
) a
WHERE k.type = 'TOUR';

CREATE OR REPLACE VIEW jimo.funnel_cohorts AS
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
FROM jimo.all_experiences k
CROSS JOIN LATERAL (
        SELECT 'day'::text AS grain,
               (coalesce(c.first_started_at, c.first_completed_at) AT TIME ZONE 'UTC')::date AS cohort_start,
               count(*) AS started_jimers,
               count(*) FILTER (WHERE c.converted) AS completed_jimers,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY c.seconds_to_complete) AS median_seconds_to_complete,
               percentile_cont(0.9) WITHIN GROUP (ORDER BY c.seconds_to_complete) AS p90_seconds_to_complete,
               jimo.funnel_window_end(max(c.first_started_at), max(c.funnel_window)) AS window_closes_at
        FROM jimo.journey_conversions c
        WHERE c.experience_uid = k.experience_uid AND c.starts > 0
        GROUP BY 2
    UNION ALL
        SELECT 'week'::text,
               date_trunc('week', coalesce(c.first_started_at, c.first_completed_at) AT TIME ZONE 'UTC')::date,
               count(*) AS started_jimers,
               count(*) FILTER (WHERE c.converted) AS completed_jimers,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY c.seconds_to_complete) AS median_seconds_to_complete,
               percentile_cont(0.9) WITHIN GROUP (ORDER BY c.seconds_to_complete) AS p90_seconds_to_complete,
               jimo.funnel_window_end(max(c.first_started_at), max(c.funnel_window)) AS window_closes_at
        FROM jimo.journey_conversions c
        WHERE c.experience_uid = k.experience_uid AND c.starts > 0
        GROUP BY 2
    UNION ALL
        SELECT 'month'::text,
               date_trunc('month', coalesce(c.first_started_at, c.first_completed_at) AT TIME ZONE 'UTC')::date,
               count(*) AS started_jimers,
               count(*) FILTER (WHERE c.converted) AS completed_jimers,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY c.seconds_to_complete) AS median_seconds_to_complete,
               percentile_cont(0.9) WITHIN GROUP (ORDER BY c.seconds_to_complete) AS p90_seconds_to_complete,
               jimo.funnel_window_end(max(c.first_started_at), max(c.funnel_window)) AS window_closes_at
        FROM jimo.journey_conversions c
        WHERE c.experience_uid = k.experience_uid AND c.starts > 0
        GROUP BY 2
) a
WHERE k.type IN ('TOUR', 'SURVEY', 'CHECKLIST');
-- On a distributed database, the views replaced above that have a Citus form
-- (all_experiences, tour_funnel_daily, funnel_cohorts) get it back, and
-- journey_conversions' Citus form reads expired_completion_at:
-- jimo.use_citus_views() is replaced once, here at the end, as
-- jimo.distribute() gives it.
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
    LEFT JOIN jimo.experiences x ON x.uid = r.experience_uid;
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
