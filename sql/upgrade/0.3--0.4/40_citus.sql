
-------------------------------------------------------------------------------
-- 40: Citus.  Every unique key of a table Citus shards
-- must hold the shard column, which must never be NULL: jimo.events and the
-- fact tables get jimer_key (the jimer's uid, or the nil uuid for events
-- without a jimer), and their partitions' keys take it in.  Rows are kept;
-- jimer_key is filled from each row's own jimer_uid.
-------------------------------------------------------------------------------

-- Added NULL, filled from each row, then made NOT NULL.  Not with the nil
-- uuid as a default (which would spare rewriting rows without a jimer):
-- such a default stays in the catalog as the column's "missing value", and
-- the upgraded schema would differ from a fresh install's.
DO $$
DECLARE
    t name;
BEGIN
    FOREACH t IN ARRAY ARRAY['events', 'survey_answers', 'checklist_tasks', 'post_comments', 'post_likes']::name[] LOOP
        EXECUTE format('ALTER TABLE jimo.%I ADD COLUMN jimer_key uuid', t);
        EXECUTE format('UPDATE jimo.%I SET jimer_key = coalesce(jimer_uid, %L)',
                       t, '00000000-0000-0000-0000-000000000000');
        EXECUTE format('ALTER TABLE jimo.%I ALTER COLUMN jimer_key SET NOT NULL', t);
    END LOOP;
END
$$;
COMMENT ON COLUMN jimo.events.jimer_key IS 'jimer_uid, or the nil uuid for events without a jimer: the column jimo.distribute() shards by on Citus (which needs it never NULL and in every key)';

CREATE OR REPLACE FUNCTION jimo.partitioned_tables(OUT table_name name, OUT time_column name,
                                                   OUT keys text[], OUT indexes text[])
    RETURNS SETOF record
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    VALUES ('events'::name, 'occurred_at'::name, ARRAY['PRIMARY KEY (id, jimer_key)', 'UNIQUE (digest, jimer_key)'], ARRAY[]::text[]),
           ('survey_answers', 'answered_at', ARRAY['PRIMARY KEY (jimer_key, event_id)'], ARRAY['experience_uid, step_uid']),
           ('checklist_tasks', 'occurred_at', ARRAY['PRIMARY KEY (jimer_key, event_id)'], ARRAY['experience_uid, task_uid']),
           ('post_comments', 'commented_at', ARRAY['PRIMARY KEY (jimer_key, event_id)'], ARRAY['experience_uid']),
           ('post_likes', 'liked_at', ARRAY['PRIMARY KEY (jimer_key, event_id)'], ARRAY['experience_uid'])
$$;

-- Each existing partition's keys, as jimo.ensure_partitions() now makes them.
DO $$
DECLARE
    tbl record;
    part regclass;
    con name;
    k text;
BEGIN
    FOR tbl IN SELECT * FROM jimo.partitioned_tables() LOOP
        FOR part IN SELECT i.inhrelid::regclass FROM pg_inherits i
                    WHERE i.inhparent = format('jimo.%I', tbl.table_name)::regclass LOOP
            FOR con IN SELECT c.conname FROM pg_constraint c
                       WHERE c.conrelid = part AND c.contype IN ('p', 'u') LOOP
                EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', part, con);
            END LOOP;
            FOREACH k IN ARRAY tbl.keys LOOP
                EXECUTE format('ALTER TABLE %s ADD %s', part, k);
            END LOOP;
        END LOOP;
    END LOOP;
END
$$;
