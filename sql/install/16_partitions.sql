-------------------------------------------------------------------------------
-- Time partitions and retention.
--
-- jimo.events and the fact tables (one row per event) are partitioned by
-- month of event time, in UTC, with the same bounds, so that a month of
-- history can be expired by dropping its partitions: no mass DELETE, no
-- dead rows, no long lock.  A month is created the first time an event of
-- that month is stored (ingest calls jimo.ensure_partitions before it
-- writes), whatever the event time: Jimo retries for 11 days, clocks are
-- wrong, and backfills reach years back.  Months before 2015 (before Jimo)
-- share one partition, and so do months from 2100 on, so that a sender with
-- a broken clock cannot create thousands of tables.
--
-- Partitions are created by ingest, not by CREATE EXTENSION, so they are
-- ordinary tables attached to the extension's tables: pg_dump writes them
-- and their rows like any other table, and DROP EXTENSION drops them with
-- their parent.
-------------------------------------------------------------------------------

-- The tables partitioned together, the column each is partitioned on, and
-- the keys and indexes each partition gets (see 10_tables.sql for why they
-- are the partitions' own).  Every key holds jimer_key: on Citus a unique
-- key must hold the distribution column (jimo.distribute()).  Dedup stays
-- exact: the digest covers the payload, the jimer in it included, so one
-- digest has one jimer_key.  A survey answer's index ends with its time
-- (0.12): the survey views read a step's answers period by period
-- (jimo.step_answers), and a week or a filtered period is then a range of
-- it, not every answer of that step in the month.
CREATE FUNCTION jimo.partitioned_tables(OUT table_name name, OUT time_column name,
                                        OUT keys text[], OUT indexes text[])
    RETURNS SETOF record
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    VALUES ('events'::name, 'occurred_at'::name, ARRAY['PRIMARY KEY (id, jimer_key)', 'UNIQUE (digest, jimer_key)'], ARRAY[]::text[]),
           ('survey_answers', 'answered_at', ARRAY['PRIMARY KEY (jimer_key, event_id)'], ARRAY['experience_uid, step_uid, answered_at']),
           ('checklist_tasks', 'occurred_at', ARRAY['PRIMARY KEY (jimer_key, event_id)'], ARRAY['experience_uid, task_uid']),
           ('post_comments', 'commented_at', ARRAY['PRIMARY KEY (jimer_key, event_id)'], ARRAY['experience_uid']),
           ('post_likes', 'liked_at', ARRAY['PRIMARY KEY (jimer_key, event_id)'], ARRAY['experience_uid'])
$$;
COMMENT ON FUNCTION jimo.partitioned_tables() IS 'The tables partitioned by month of event time, their time column, and the keys and indexes of each partition';

-- What retention removed, one row per expired partition range.  Events older
-- than the newest upper bound here are rejected from then on (a redelivery
-- of an expired event must not come back as a new one).
CREATE TABLE jimo.expired_months (
    lower_bound      timestamptz NOT NULL PRIMARY KEY,
    upper_bound      timestamptz NOT NULL,
    expired_at       timestamptz NOT NULL DEFAULT now(),
    retention        interval NOT NULL,
    events_estimate  bigint NOT NULL
);
COMMENT ON TABLE jimo.expired_months IS 'Partitions removed by jimo.expire(): events with an earlier time are rejected from then on';
COMMENT ON COLUMN jimo.expired_months.lower_bound IS 'Start of the expired range (-infinity for the partition of events before 2015)';
COMMENT ON COLUMN jimo.expired_months.upper_bound IS 'End of the expired range (exclusive)';
COMMENT ON COLUMN jimo.expired_months.expired_at IS 'When jimo.expire() removed it';
COMMENT ON COLUMN jimo.expired_months.retention IS 'The retention that jimo.expire() applied';
COMMENT ON COLUMN jimo.expired_months.events_estimate IS 'Events the partition held, as estimated by the last VACUUM or ANALYZE (counting them exactly would read the partition)';

-- The partition of a table that holds an event time: its name and bounds.
CREATE FUNCTION jimo.partition_for(table_name name, event_time timestamptz,
                                   OUT partition_name name,
                                   OUT lower_bound timestamptz,
                                   OUT upper_bound timestamptz)
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    utc timestamp := event_time AT TIME ZONE 'UTC';
BEGIN
    IF utc < timestamp '2015-01-01' THEN
        partition_name := table_name || '_before_2015';
        lower_bound := '-infinity';
        upper_bound := timestamp '2015-01-01' AT TIME ZONE 'UTC';
    ELSIF utc >= timestamp '2100-01-01' THEN
        partition_name := table_name || '_from_2100';
        lower_bound := timestamp '2100-01-01' AT TIME ZONE 'UTC';
        upper_bound := 'infinity';
    ELSE
        partition_name := table_name || '_p' || to_char(utc, 'YYYY_MM');
        lower_bound := date_trunc('month', utc) AT TIME ZONE 'UTC';
        upper_bound := (date_trunc('month', utc) + interval '1 month') AT TIME ZONE 'UTC';
    END IF;
END
$$;
COMMENT ON FUNCTION jimo.partition_for(name, timestamptz) IS 'Name and bounds of the partition of a partitioned jimo table that holds an event time (months in UTC)';

-- Create the partitions for these event times (any time in a month will do),
-- and return the retention horizon: ingest rejects events before it.
-- Partitions are created apart and then attached, because ATTACH PARTITION
-- takes a lock on the parent that concurrent inserts do not wait for (CREATE
-- TABLE ... PARTITION OF would stop every ingest until it commits).  Two
-- sessions that need the same new month create it once: the second waits
-- for the first's lock, then finds it.
-- The tables are created as the owner, but a caller's session settings would
-- still say how and where (a jimo_writer's default_table_access_method or
-- default_tablespace): a month is a heap table, in the tablespace of its
-- partitioned table (ALTER TABLE jimo.events SET TABLESPACE ...), else the
-- database's.
CREATE FUNCTION jimo.ensure_partitions(event_times timestamptz[])
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
COMMENT ON FUNCTION jimo.ensure_partitions(timestamptz[]) IS 'Create the monthly partitions that events of these times need (ingest calls it; call it to create months ahead); returns the retention horizon';

-- Rows (as the last VACUUM or ANALYZE estimated them) and bytes on disk of a
-- partition.  On Citus (jimo.distribute()) a distributed partition's rows are
-- in its shards on the workers: the coordinator's own table is empty, or
-- holds the stale copy create_distributed_table() leaves behind, so its
-- statistics and size say nothing; the shards' are summed instead, read on
-- the workers.  Citus' functions exist only with Citus: called through
-- EXECUTE.  SECURITY DEFINER: reading the shards opens connections to the
-- workers, as the owner rather than as a reader who may have no role there.
CREATE FUNCTION jimo.partition_stats(part regclass, OUT rows_estimate bigint, OUT total_bytes bigint)
    LANGUAGE plpgsql STABLE STRICT SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    distributed boolean := false;
BEGIN
    IF EXISTS (SELECT FROM pg_extension WHERE extname = 'citus') THEN
        EXECUTE 'SELECT EXISTS (SELECT FROM pg_dist_partition WHERE logicalrelid = $1)'
            INTO distributed USING part;
    END IF;
    IF distributed THEN
        EXECUTE $q$SELECT coalesce(sum(greatest(result::float8, 0)), 0)::bigint
                   FROM run_command_on_shards($1, 'SELECT reltuples FROM pg_class WHERE oid = ''%s''::regclass')
                   WHERE success$q$
            INTO rows_estimate USING part;
        EXECUTE 'SELECT citus_total_relation_size($1)' INTO total_bytes USING part;
    ELSE
        SELECT greatest(c.reltuples, 0)::bigint INTO rows_estimate FROM pg_class c WHERE c.oid = part;
        total_bytes := pg_total_relation_size(part);
    END IF;
END
$$;
COMMENT ON FUNCTION jimo.partition_stats(regclass) IS 'Rows (estimated by the last VACUUM or ANALYZE) and bytes on disk of a partition; on Citus, of its shards on the workers';

-- Drop every month that ended more than the retention ago.
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
COMMENT ON FUNCTION jimo.keep_expired_completions(regclass) IS
'Internal, called by jimo.expire() before it drops a month of jimo.events: keeps in journeys.expired_completion_at the earliest completion of that month at or after the first start of each journey with a completion before its first start. Returns the journeys changed.';

CREATE FUNCTION jimo.expire(retention interval DEFAULT NULL)
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
    lock_wait text := current_setting('lock_timeout');
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
        -- a DEFAULT partition a user attached holds no month: it is kept
        -- (0.15 took it for an expiring month and failed on its bounds)
        CONTINUE WHEN part.bound = 'DEFAULT';
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
    --
    -- The locks are asked for in tries of 100 ms.  Waiting for them in one go
    -- behind a long reader (a report, pg_dump) queued every ingest call behind
    -- this one for as long (an audit measured a one-body call of 5.6 s in
    -- 0.15); between tries ingest goes on.  A failed try releases what it
    -- took (its subtransaction), and the next waits longer, up to 1 s.
    IF cardinality(months) > 0 THEN
        i := 0;
        LOOP
            BEGIN
                PERFORM set_config('lock_timeout', '100ms', true);
                FOR tbl IN SELECT * FROM jimo.partitioned_tables() LOOP
                    EXECUTE format('LOCK TABLE jimo.%I IN ACCESS EXCLUSIVE MODE', tbl.table_name);
                END LOOP;
                PERFORM set_config('lock_timeout', lock_wait, true);
                EXIT;
            EXCEPTION WHEN lock_not_available THEN
                i := i + 1;
                PERFORM pg_sleep(least(0.05 * i, 1.0));
            END;
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

CREATE VIEW jimo.partitions AS
SELECT p.relname AS table_name,
       c.relname AS partition_name,
       pg_get_expr(c.relpartbound, c.oid) AS bounds,
       (jimo.partition_stats(c.oid)).rows_estimate,
       (jimo.partition_stats(c.oid)).total_bytes
FROM pg_inherits i
JOIN pg_class c ON c.oid = i.inhrelid
JOIN pg_class p ON p.oid = i.inhparent
WHERE p.relnamespace = 'jimo'::regnamespace AND p.relkind = 'p';
COMMENT ON VIEW jimo.partitions IS 'Every monthly partition of the jimo tables, with its bounds and size';
COMMENT ON COLUMN jimo.partitions.table_name IS 'The partitioned table (events, survey_answers, checklist_tasks, post_comments, post_likes)';
COMMENT ON COLUMN jimo.partitions.partition_name IS 'The partition: <table>_pYYYY_MM, <table>_before_2015 or <table>_from_2100';
COMMENT ON COLUMN jimo.partitions.bounds IS 'Its range of event time';
COMMENT ON COLUMN jimo.partitions.rows_estimate IS 'Rows, as estimated by the last VACUUM or ANALYZE (on Citus, of its shards)';
COMMENT ON COLUMN jimo.partitions.total_bytes IS 'Bytes on disk, indexes and TOAST included (on Citus, of its shards)';

SELECT pg_catalog.pg_extension_config_dump('jimo.expired_months', '');
