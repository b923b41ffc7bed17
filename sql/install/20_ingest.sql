-------------------------------------------------------------------------------
-- Tie-break precedence for events with equal times
-------------------------------------------------------------------------------

CREATE FUNCTION jimo.event_rank(name text) RETURNS integer
    AS 'MODULE_PATHNAME', 'jimo_event_rank'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION jimo.event_rank(text) IS 'Precedence of an event among events with the same time: created < published < status-changed < started/seen < step/task/like/comment < completed/dismissed < deleted';

-------------------------------------------------------------------------------
-- Ingest functions
-------------------------------------------------------------------------------

CREATE FUNCTION jimo.receive_batch(bodies text[],
    OUT ord integer, OUT event_id bigint, OUT status text, OUT error text)
    RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'jimo_receive_batch_text'
    LANGUAGE C VOLATILE STRICT SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION jimo.receive_batch(text[]) IS 'Store many webhook bodies at once; one row per element: stored, duplicate or rejected (kept in jimo.rejected). Never raises for bad input.';

CREATE FUNCTION jimo.receive_batch(bodies bytea[],
    OUT ord integer, OUT event_id bigint, OUT status text, OUT error text)
    RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'jimo_receive_batch_bytea'
    LANGUAGE C VOLATILE STRICT SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION jimo.receive_batch(bytea[]) IS 'As receive_batch(text[]) for raw request bodies: bodies that are not valid text are rejected and kept in jimo.rejected.body_bytes';

CREATE FUNCTION jimo.receive(body text,
    OUT event_id bigint, OUT status text, OUT error text)
    RETURNS record
    AS 'MODULE_PATHNAME', 'jimo_receive'
    LANGUAGE C VOLATILE STRICT SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION jimo.receive(text) IS 'Store one webhook body: stored, duplicate or rejected (kept in jimo.rejected). Never raises for bad input.';

CREATE FUNCTION jimo.ingest(payload jsonb,
    OUT event_id bigint, OUT status text)
    RETURNS record
    AS 'MODULE_PATHNAME', 'jimo_ingest_jsonb'
    LANGUAGE C VOLATILE STRICT SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION jimo.ingest(jsonb) IS 'Store one event: stored or duplicate; raises an error (SQLSTATE 22023) for an unusable payload';

CREATE FUNCTION jimo.ingest(payload text,
    OUT event_id bigint, OUT status text)
    RETURNS record
    AS 'MODULE_PATHNAME', 'jimo_ingest_text'
    LANGUAGE C VOLATILE STRICT SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION jimo.ingest(text) IS 'Store one event from text: raises 22P02 when it is not JSON, 22023 for an unusable payload';

-- Bodies rejected by an older version (or before a fix) can be tried again.
-- A retry is not a delivery: a body still rejected keeps its row as it was
-- (with the current error), and one now accepted leaves jimo.rejected with
-- its original arrival times and delivery count carried over to the event.
-- Bodies go in as bytes in the database encoding, so the session's
-- client_encoding cannot change them.
CREATE FUNCTION jimo.retry_rejected(OUT retried integer, OUT stored integer, OUT still_rejected integer)
    RETURNS record
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r record;
    x record;
BEGIN
    retried := 0; stored := 0; still_rejected := 0;
    FOR r IN SELECT * FROM jimo.rejected ORDER BY id LOOP
        SELECT * INTO x FROM jimo.receive_batch(ARRAY[coalesce(
            convert_to(r.body, current_setting('server_encoding')), r.body_bytes)]);
        retried := retried + 1;
        IF x.status = 'rejected' THEN
            still_rejected := still_rejected + 1;
            UPDATE jimo.rejected
               SET deliveries = r.deliveries, last_received_at = r.last_received_at
             WHERE id = r.id;
        ELSE
            stored := stored + 1;
            DELETE FROM jimo.rejected WHERE id = r.id;
            IF x.status = 'stored' THEN
                UPDATE jimo.events
                   SET received_at = r.received_at,
                       last_received_at = r.last_received_at,
                       deliveries = r.deliveries
                 WHERE id = x.event_id;
            ELSE
                UPDATE jimo.events
                   SET deliveries = deliveries - 1 + r.deliveries
                 WHERE id = x.event_id;
            END IF;
        END IF;
    END LOOP;
END
$$;
COMMENT ON FUNCTION jimo.retry_rejected() IS 'Run every rejected body through ingest again (after an upgrade); those now accepted are removed from jimo.rejected';

