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
