-- Retrying a kept body whose event was stored since keeps the event's latest
-- arrival the later of the two, not the time of the retry (which the delivery
-- rollup showed as a redelivery lag): jimo.retry_rejected_row() finds and
-- locks the event first, through jimo.event_key(). It also hands a kept text
-- body to ingest as UTF-8, as receive_batch(bytea[]) now reads bytes.
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

CREATE OR REPLACE FUNCTION jimo.retry_rejected_row(r jimo.rejected)
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
REVOKE ALL ON FUNCTION jimo.event_key(text) FROM PUBLIC;
