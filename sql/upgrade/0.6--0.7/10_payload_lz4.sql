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
