#!/usr/bin/env bash
# jimo-receiver refreshes the funnel cohort cache every --refresh-cohorts seconds
# (extension 0.13): after events are posted, the marks ingest wrote are consumed and
# the cache holds the cohorts, with a log line per refresh; with --refresh-cohorts 0
# it never does; SIGTERM in the middle of the wait stops at once. TAP output.
# shellcheck source=test/receiver/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

example="$RECV_ROOT/test/fixtures/examples/tour.completed.json"
started="$(python3 -c 'import json, sys
ev = json.load(open(sys.argv[1])); ev["event"] = "tour.started"; ev["time"] = ev["time"] - 60000
print(json.dumps(ev))' "$example")"

# --- never: the marks stay
recv_start --refresh-cohorts 0 || { ok 1 "receiver starts"; done_testing; }
check "ready (--refresh-cohorts 0)" recv_wait_ready
post "$RECV_URL" --data-binary "$started"
is "$CODE" 200 "a tour.started stored"
sleep 2
is "$(psql_ -c "SELECT count(*) FROM jimo.funnel_cohort_state")" 0 "--refresh-cohorts 0: no refresh ran"
marks="$(psql_ -c "SELECT count(*) > 0 FROM jimo.funnel_cohort_marks")"
is "$marks" t "--refresh-cohorts 0: the marks ingest wrote are still there"
recv_stop
is "$RECV_STATUS" 0 "stopped"

# --- every second
recv_start --refresh-cohorts 1 || { ok 1 "receiver starts"; done_testing; }
check "ready (--refresh-cohorts 1)" recv_wait_ready
post "$RECV_URL" --data-binary @"$example"
is "$CODE" 200 "a tour.completed stored"
for _ in $(seq 1 50); do
    [[ "$(psql_ -c "SELECT count(*) FROM jimo.funnel_cohort_marks")" == 0 ]] &&
        [[ "$(psql_ -c "SELECT count(*) FROM jimo.funnel_cohort_state")" == 1 ]] && break
    sleep 0.2
done
is "$(psql_ -c "SELECT count(*) FROM jimo.funnel_cohort_marks")" 0 "the receiver's refresh consumed the marks"
is "$(psql_ -c "SELECT count(*) > 0 FROM jimo.funnel_cohort_cache")" t "and stored the cohorts"
is "$(psql_ -c "SELECT completed_jimers FROM jimo.tour_funnel_daily")" 1 "tour_funnel_daily reads the jimer's conversion"
check "a log line per refresh" grep -q '"funnel cohorts refreshed"\|msg="funnel cohorts refreshed"' "$RECV_LOG"
t0=$(date +%s%N)
recv_stop
t1=$(date +%s%N)
is "$RECV_STATUS" 0 "stopped"
ok "$([ $(((t1 - t0) / 1000000)) -lt 3000 ] && echo 0 || echo 1)" "SIGTERM does not wait for the next refresh ($(((t1 - t0) / 1000000)) ms)"
done_testing
