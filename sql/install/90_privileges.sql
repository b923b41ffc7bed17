-------------------------------------------------------------------------------
-- Roles for least privilege. Roles are cluster-wide, so they are created only
-- when missing and are left in place by DROP EXTENSION.
-------------------------------------------------------------------------------

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'jimo_writer') THEN
        CREATE ROLE jimo_writer NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'jimo_reader') THEN
        CREATE ROLE jimo_reader NOLOGIN;
    END IF;
END
$$;

REVOKE ALL ON ALL TABLES IN SCHEMA jimo FROM PUBLIC;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA jimo FROM PUBLIC;
GRANT USAGE ON SCHEMA jimo TO jimo_writer, jimo_reader;
GRANT EXECUTE ON FUNCTION jimo.receive_batch(text[]), jimo.receive_batch(bytea[]),
    jimo.receive(text), jimo.ingest(jsonb), jimo.ingest(text)
    TO jimo_writer;
GRANT EXECUTE ON FUNCTION jimo.event_rank(text) TO jimo_writer, jimo_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA jimo TO jimo_reader;
