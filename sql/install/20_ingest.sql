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
    LANGUAGE C VOLATILE CALLED ON NULL INPUT SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION jimo.receive(text) IS 'Store one webhook body: stored, duplicate or rejected (kept in jimo.rejected; NULL is an empty body). Never raises for bad input.';

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

-- Bodies rejected by an older version (or before a fix) can be tried again.
-- A retry is not a delivery: a body still rejected keeps its row as it was
-- (with the current error), and one now accepted leaves jimo.rejected with
-- its original arrival times and delivery count carried over to the event.
-- Bodies go in as UTF-8 bytes, as jimo-receiver sends them (JSON's encoding,
-- which receive_batch(bytea[]) reads and converts to the database's), so the
-- session's client_encoding cannot change them.
-- The delivery rollup (jimo.delivery_days and jimo.delivery_lags)
-- would count a retried body as arriving now: ingest leaves it alone here
-- (jimo.delivery_rollup = off, set by the caller until it returns) and the
-- body is counted where its rows end up, at its original arrival.
-- The caller locks the row (FOR UPDATE): a second retry running at the same
-- time waits for it and then skips a body the first one stored (its row is
-- gone), instead of carrying the same deliveries over twice.
-- A body whose event is stored already (delivered again since it was kept)
-- adds its deliveries to the event, whose latest arrival becomes the later
-- of the two: ingest, which counts the retry as an arrival now, would set it
-- to the time of the retry, and the delivery rollup would show a
-- redelivery lag up to the retry.
-- Returns the status ingest gave the body: stored, duplicate or rejected.
CREATE FUNCTION jimo.retry_rejected_row(r jimo.rejected)
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
COMMENT ON FUNCTION jimo.retry_rejected_row(jimo.rejected) IS 'Internal to jimo.retry_rejected() and jimo.retry_deferred(): ingest one kept body again, carrying its arrivals over; the caller locks the row and turns jimo.delivery_rollup off';

CREATE FUNCTION jimo.retry_rejected(OUT retried integer, OUT stored integer, OUT still_rejected integer)
    RETURNS record
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r jimo.rejected;
    rollup text;
BEGIN
    retried := 0; stored := 0; still_rejected := 0;
    PERFORM jimo.event_rank('');  -- loads the library, which defines the setting
    rollup := current_setting('jimo.delivery_rollup');
    PERFORM set_config('jimo.delivery_rollup', 'off', true);
    FOR r IN SELECT * FROM jimo.rejected ORDER BY id FOR UPDATE LOOP
        retried := retried + 1;
        IF jimo.retry_rejected_row(r) = 'rejected' THEN
            still_rejected := still_rejected + 1;
        ELSE
            stored := stored + 1;
        END IF;
    END LOOP;
    -- a local setting would last until the transaction ends
    PERFORM set_config('jimo.delivery_rollup', rollup, true);
END
$$;
COMMENT ON FUNCTION jimo.retry_rejected() IS 'Run every rejected body through ingest again (after an upgrade); those now accepted are removed from jimo.rejected';

-- Ingest calls this for the bodies of a chunk before it writes them when
-- some body is kept as deferred (53400: its month was past what one
-- transaction creates; src/deferred.c): a deferred body sent again is first
-- stored from its row, as jimo.retry_rejected() would, and the chunk then
-- counts its own delivery as a redelivery.
CREATE FUNCTION jimo.retry_deferred(digests bytea[])
    RETURNS integer
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r jimo.rejected;
    rollup text;
    stored integer := 0;
BEGIN
    rollup := current_setting('jimo.delivery_rollup');
    PERFORM set_config('jimo.delivery_rollup', 'off', true);
    FOR r IN SELECT * FROM jimo.rejected
              WHERE sqlstate = '53400' AND digest = ANY (digests)
              ORDER BY id FOR UPDATE LOOP
        IF jimo.retry_rejected_row(r) <> 'rejected' THEN
            stored := stored + 1;
        END IF;
    END LOOP;
    PERFORM set_config('jimo.delivery_rollup', rollup, true);
    RETURN stored;
END
$$;
COMMENT ON FUNCTION jimo.retry_deferred(bytea[]) IS 'Internal to ingest: store the bodies with these digests that jimo.rejected keeps as deferred for their month (53400) from their rows, as jimo.retry_rejected() does; returns how many were stored';

