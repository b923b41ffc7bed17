# shellcheck shell=bash
# Source this file, then:
#
#   jimo_delivery_health_diff DB
#
# prints how many rows of jimo.delivery_health differ (either way) from the same numbers
# counted from jimo.events and jimo.rejected (UTC days of first arrival, lags bucketed as
# jimo.delivery_lags keeps them): 0 when the rollup it reads is right. For tests whose
# databases cannot share the rollup's rows (they are keyed by arrival: day, writer slot,
# lag) but can check what it shows against their own events.
jimo_delivery_health_diff() {
    psql -X -q -At -v ON_ERROR_STOP=1 -d "${1:?usage: jimo_delivery_health_diff DB}" <<'SQL'
CREATE TEMP VIEW health_scan AS
WITH ev AS (
    SELECT (received_at AT TIME ZONE 'UTC')::date AS day, count(*) AS stored,
           sum(deliveries - 1) AS duplicate_deliveries, sum(deliveries) AS deliveries,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY jimo.delivery_lag_bucket(received_at - occurred_at)) AS median_lag_seconds,
           max(date_part('epoch', received_at - occurred_at)) AS max_lag_seconds,
           max(date_part('epoch', last_received_at - occurred_at)) AS max_redelivery_lag_seconds
    FROM jimo.events GROUP BY 1),
rj AS (
    SELECT (received_at AT TIME ZONE 'UTC')::date AS day, count(*) AS rejected, sum(deliveries) AS rejected_deliveries
    FROM jimo.rejected GROUP BY 1)
SELECT coalesce(ev.day, rj.day) AS day, coalesce(ev.stored, 0) AS stored,
       coalesce(ev.duplicate_deliveries, 0) AS duplicate_deliveries, coalesce(rj.rejected, 0) AS rejected,
       coalesce(rj.rejected_deliveries, 0) AS rejected_deliveries,
       coalesce(ev.deliveries, 0) + coalesce(rj.rejected_deliveries, 0) AS deliveries,
       ev.median_lag_seconds, ev.max_lag_seconds, ev.max_redelivery_lag_seconds
FROM ev FULL JOIN rj ON rj.day = ev.day;
SELECT (SELECT count(*) FROM (SELECT * FROM jimo.delivery_health EXCEPT ALL SELECT * FROM health_scan) a)
     + (SELECT count(*) FROM (SELECT * FROM health_scan EXCEPT ALL SELECT * FROM jimo.delivery_health) b);
SQL
}
