-- jimo.expire(): a DEFAULT partition a user attached to jimo.events is kept
-- (0.15 took it for an expiring month and failed every time), and the locks
-- are asked for in tries of 100 ms, so that expiry queued behind a long
-- reader does not queue every ingest call behind it (0.15: 5.6 s for one
-- body).  Found by an audit.
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
