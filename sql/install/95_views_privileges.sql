-------------------------------------------------------------------------------
-- The views call jimo.completion_at_or_after(); a function called from a view
-- is checked against the role that reads the view, and 90_privileges.sql has
-- just revoked every function of the schema from PUBLIC.
-------------------------------------------------------------------------------

GRANT EXECUTE ON FUNCTION jimo.completion_at_or_after(uuid, uuid, timestamptz) TO jimo_reader;
