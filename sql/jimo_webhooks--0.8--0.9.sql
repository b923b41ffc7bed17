-- jimo_webhooks 0.8 -> 0.9 (ALTER EXTENSION jimo_webhooks UPDATE TO '0.9').
-- Assembled by the Makefile from sql/upgrade/0.8--0.9/*.sql, one file per change.
-- Released install scripts are frozen; everything 0.9 changes in the schema is
-- here, and test/integration/upgrade.sh checks that a 0.8 (0.7, ..., 0.1)
-- database holding data and upgraded with it equals a fresh 0.9 install fed the
-- same events.
\echo Use "ALTER EXTENSION jimo_webhooks UPDATE TO '0.9'" to load this file. \quit
-- Retrying a kept body whose event was stored since keeps the event's latest
-- arrival the later of the two, not the time of the retry (which the delivery
-- rollup showed as a redelivery lag): jimo.retry_rejected_row() finds and
-- locks the event first, through jimo.event_key(). It also hands a kept text
-- body to ingest as UTF-8, as receive_batch(bytea[]) now reads bytes.
-- The key a body is stored under, NULLs when ingest rejects it (nothing is
-- written): jimo.retry_rejected_row() finds with it the event a kept body
-- already became.
CREATE FUNCTION jimo.event_key(body text,
    OUT digest bytea, OUT occurred_at timestamptz, OUT jimer_key uuid)
    RETURNS record
    AS 'MODULE_PATHNAME', 'jimo_event_key'
    LANGUAGE C STABLE STRICT PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION jimo.event_key(text) IS 'Internal to jimo.retry_rejected_row(): the (digest, occurred_at, jimer_key) a body is stored under, NULLs when ingest rejects it';

CREATE OR REPLACE FUNCTION jimo.retry_rejected_row(r jimo.rejected)
    RETURNS text
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    x record;
    e record;
    k record;
    prior timestamptz;
BEGIN
    -- the event this body already is, if any, locked as ingest would lock it
    SELECT * INTO k FROM jimo.event_key(r.body);
    IF k.digest IS NOT NULL THEN
        SELECT last_received_at INTO prior FROM jimo.events AS ev
         WHERE ev.digest = k.digest AND ev.jimer_key = k.jimer_key
           AND ev.occurred_at = k.occurred_at
        FOR NO KEY UPDATE;
    END IF;
    SELECT * INTO x FROM jimo.receive_batch(ARRAY[coalesce(
        convert_to(r.body, 'UTF8'), r.body_bytes)]);
    IF x.status = 'rejected' THEN
        UPDATE jimo.rejected
           SET deliveries = r.deliveries, last_received_at = r.last_received_at
         WHERE id = r.id;
        RETURN x.status;
    END IF;
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
           SET deliveries = deliveries - 1 + r.deliveries,
               last_received_at = greatest(coalesce(prior, last_received_at), r.last_received_at)
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
    RETURN x.status;
END
$$;
REVOKE ALL ON FUNCTION jimo.event_key(text) FROM PUBLIC;
-- A session that needs a new month once another session created it goes on
-- using that month, whatever its isolation level: under REPEATABLE READ the
-- second creator read pg_class as of its snapshot, created the month again
-- and failed whole with "relation already exists".
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
        -- Another session may have created it while we waited.  to_regclass()
        -- reads the catalogs as they are now (taking the lock processed that
        -- session's invalidations); a SELECT from pg_class would read them
        -- as of the transaction's snapshot, which under REPEATABLE READ
        -- predates that session's commit: the month was created again and
        -- the whole call failed with "relation already exists".
        CONTINUE WHEN to_regclass('jimo.' || quote_ident(p.partition_name)) IS NOT NULL;
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

-- A month is dropped only once it ended both the retention and 30 days ago:
-- jimo.expire('1 mon') in early March dropped January 28 days after it ended.
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
        FOR tbl IN SELECT * FROM jimo.partitioned_tables() LOOP
            EXECUTE format('DROP TABLE IF EXISTS jimo.%I',
                           tbl.table_name || substring(part.partition_name FROM length('events') + 1));
        END LOOP;
        INSERT INTO jimo.expired_months VALUES (row.*)
            ON CONFLICT (lower_bound) DO NOTHING;
        RETURN NEXT row;
    END LOOP;
END
$$;
-- window_closes_at (tour_funnel_daily, funnel_cohorts) closes the window as
-- elapsed time, as the conversion rule counts it (a day 24 hours, a month 30
-- days), not in the session's calendar and TimeZone: with '1 mon' a cohort of
-- Jan 31 was said final on Feb 28 while completions until Mar 2 still
-- converted (QA round 9, test/pgtap/99_window_closes_elapsed.sql).
-- When the conversion window of a first start closes: the start plus
-- jimo.funnel_window as an elapsed duration, a day 24 hours and a month 30
-- days, as interval comparison counts them (journey_conversions compares
-- completed - started with the window). timestamptz + interval adds days and
-- months in the session's TimeZone and calendar instead, so a window of
-- '1 mon' from Jan 31 closed on Feb 28 (conversions counted until Mar 2) and
-- a '1 day' window closed an hour off across a DST change (0.7). A plain SQL
-- function of its arguments: inlined.
CREATE FUNCTION jimo.funnel_window_end(started timestamptz, funnel_window interval)
    RETURNS timestamptz
    LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT started
           + ((extract(year FROM funnel_window) * 12 + extract(month FROM funnel_window)) * 30
              + extract(day FROM funnel_window))::double precision * interval '24 hours'
           + (funnel_window - date_trunc('day', funnel_window))
$$;
COMMENT ON FUNCTION jimo.funnel_window_end(timestamptz, interval) IS
'The moment a conversion window opened at started closes: started plus the window as elapsed time (a day 24 hours, a month 30 days, whatever the session''s TimeZone), the last moment a completion still converts';
REVOKE ALL ON FUNCTION jimo.funnel_window_end(timestamptz, interval) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION jimo.funnel_window_end(timestamptz, interval) TO jimo_reader;

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
        max(jimo.funnel_window_end(c.first_started_at, c.funnel_window)) AS window_closes_at
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
               max(jimo.funnel_window_end(c.first_started_at, c.funnel_window)) AS window_closes_at
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
               max(jimo.funnel_window_end(c.first_started_at, c.funnel_window)) AS window_closes_at
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
               max(jimo.funnel_window_end(c.first_started_at, c.funnel_window)) AS window_closes_at
        FROM jimo.journey_conversions c
        WHERE c.experience_uid = k.experience_uid AND c.starts > 0
        GROUP BY 2
) a
WHERE k.type IN ('TOUR', 'SURVEY', 'CHECKLIST');
-- (their Citus forms: 90_citus_views.sql)
-- The mean of survey_ratings and survey_ratings_trend counts an answer beyond
-- +-1e1000 as +-1e1000: two answers written out with 131 072 digits each
-- overflowed numeric in the sum, and both views failed for every survey (QA
-- round 9, test/pgtap/99_rating_mean_overflow.sql).
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
        -- a JSON number may be written out with up to 131 072 digits, and
        -- numeric holds it, but the sum of two such answers overflows
        -- numeric ("value overflows numeric format" failed the view for
        -- every survey): beyond +-1e1000, the largest a number in exponent
        -- notation can be, an answer counts as +-1e1000 in the mean
        round(avg(least(greatest(a.answer_number, -1e1000), 1e1000)), 2) AS mean,
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
COMMENT ON COLUMN jimo.survey_ratings.mean IS 'Mean answer (2 decimals); an answer beyond +-1e1000 counts as +-1e1000';

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
COMMENT ON COLUMN jimo.survey_ratings_trend.mean IS 'Mean answer in the period (2 decimals); an answer beyond +-1e1000 counts as +-1e1000';
-- (their Citus forms: 90_citus_views.sql)
-- The views replaced by this upgrade (tour_funnel_daily, funnel_cohorts,
-- survey_ratings, survey_ratings_trend) in their Citus forms, as
-- jimo.distribute() gives them: jimo.use_citus_views() as 0.8 defines it,
-- and, on a distributed database, called once, after every view is replaced.
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
            max(jimo.funnel_window_end(c.first_started_at, c.funnel_window)) AS window_closes_at
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
                   max(jimo.funnel_window_end(c.first_started_at, c.funnel_window)) AS window_closes_at
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
                   max(jimo.funnel_window_end(c.first_started_at, c.funnel_window)) AS window_closes_at
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
                   max(jimo.funnel_window_end(c.first_started_at, c.funnel_window)) AS window_closes_at
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
