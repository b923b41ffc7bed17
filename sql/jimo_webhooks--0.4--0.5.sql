-- jimo_webhooks 0.4 -> 0.5 (ALTER EXTENSION jimo_webhooks UPDATE TO '0.5').
-- Assembled by the Makefile from sql/upgrade/0.4--0.5/*.sql, one file per change.
-- Released install scripts are frozen; everything 0.5 changes in the schema is
-- here, and test/integration/upgrade.sh checks that a 0.4 (0.3, 0.2, 0.1)
-- database holding data and upgraded with it equals a fresh 0.5 install fed the
-- same events.
\echo Use "ALTER EXTENSION jimo_webhooks UPDATE TO '0.5'" to load this file. \quit

-- jimo.receive(NULL) is an empty body, rejected and kept in jimo.rejected as
-- receive_batch() keeps a NULL element; it returned a row of NULLs (STRICT).
ALTER FUNCTION jimo.receive(text) CALLED ON NULL INPUT;
COMMENT ON FUNCTION jimo.receive(text) IS 'Store one webhook body: stored, duplicate or rejected (kept in jimo.rejected; NULL is an empty body). Never raises for bad input.';
-- Citus: partition sizes and the events_estimate of jimo.expire() read from the
-- shards on the workers (jimo.partition_stats()); on a distributed database the
-- coordinator's own copy of a partition is empty, or holds the stale copy that
-- create_distributed_table() left, and its statistics said 0 or nothing true.
-- No table changes: functions and a view replaced with the same columns.
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
REVOKE ALL ON FUNCTION jimo.partition_stats(regclass) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION jimo.partition_stats(regclass) TO jimo_reader; -- jimo.partitions

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
    cutoff := date_trunc('month', (now() - keep) AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
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

CREATE OR REPLACE VIEW jimo.partitions AS
SELECT p.relname AS table_name,
       c.relname AS partition_name,
       pg_get_expr(c.relpartbound, c.oid) AS bounds,
       (jimo.partition_stats(c.oid)).rows_estimate,
       (jimo.partition_stats(c.oid)).total_bytes
FROM pg_inherits i
JOIN pg_class c ON c.oid = i.inhrelid
JOIN pg_class p ON p.oid = i.inhparent
WHERE p.relnamespace = 'jimo'::regnamespace AND p.relkind = 'p';
COMMENT ON COLUMN jimo.partitions.rows_estimate IS 'Rows, as estimated by the last VACUUM or ANALYZE (on Citus, of its shards)';
COMMENT ON COLUMN jimo.partitions.total_bytes IS 'Bytes on disk, indexes and TOAST included (on Citus, of its shards)';
