-- jimo_webhooks 0.7 -> 0.8 (ALTER EXTENSION jimo_webhooks UPDATE TO '0.8').
-- Assembled by the Makefile from sql/upgrade/0.7--0.8/*.sql, one file per change.
-- Released install scripts are frozen; everything 0.8 changes in the schema is
-- here, and test/integration/upgrade.sh checks that a 0.7 (0.6, ..., 0.1)
-- database holding data and upgraded with it equals a fresh 0.8 install fed the
-- same events.
\echo Use "ALTER EXTENSION jimo_webhooks UPDATE TO '0.8'" to load this file. \quit
-- A body deferred for its month (53400) and sent again is stored as if it
-- had been stored at its first delivery: ingest retries its row in
-- jimo.rejected first (src/deferred.c, jimo.retry_deferred()), instead of
-- storing it as new and leaving the row behind (0.7).
CREATE INDEX rejected_deferred_idx ON jimo.rejected (digest) WHERE sqlstate = '53400';

-- A retry is not a delivery: a body still rejected keeps its row as it was
-- (with the current error), and one now accepted leaves jimo.rejected with
-- its original arrival times and delivery count carried over to the event.
-- Bodies go in as bytes in the database encoding, so the session's
-- client_encoding cannot change them.
-- The delivery rollup (jimo.delivery_days and jimo.delivery_lags)
-- would count a retried body as arriving now: ingest leaves it alone here
-- (jimo.delivery_rollup = off, set by the caller until it returns) and the
-- body is counted where its rows end up, at its original arrival.
-- The caller locks the row (FOR UPDATE): a second retry running at the same
-- time waits for it and then skips a body the first one stored (its row is
-- gone), instead of carrying the same deliveries over twice.
-- Returns the status ingest gave the body: stored, duplicate or rejected.
CREATE FUNCTION jimo.retry_rejected_row(r jimo.rejected)
    RETURNS text
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    x record;
    e record;
BEGIN
    SELECT * INTO x FROM jimo.receive_batch(ARRAY[coalesce(
        convert_to(r.body, current_setting('server_encoding')), r.body_bytes)]);
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
           SET deliveries = deliveries - 1 + r.deliveries
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

CREATE OR REPLACE FUNCTION jimo.retry_rejected(OUT retried integer, OUT stored integer, OUT still_rejected integer)
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
REVOKE ALL ON FUNCTION jimo.retry_rejected_row(jimo.rejected), jimo.retry_deferred(bytea[]) FROM PUBLIC;
