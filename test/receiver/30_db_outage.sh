#!/usr/bin/env bash
# PostgreSQL stops in the middle of a load and comes back: the receiver answers 503 with
# Retry-After while it is gone (never 200), reconnects by itself, and once Jimo's retries
# (here: reposting every delivery that was not answered 200) are in, the table holds
# exactly the events that were acknowledged, all of them. Uses a cluster of its own, so
# stopping it disturbs nothing else. TAP output.
# shellcheck source=test/receiver/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=test/lib/cluster.sh
source "$RECV_ROOT/test/lib/cluster.sh"

trap 'cluster_stop; _recv_cleanup' EXIT
events=600
parallel=8

as_server() {
    if ((EUID == 0)); then
        (cd / && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}
pg_stop() { as_server "$("${PG_CONFIG:-pg_config}" --bindir)/pg_ctl" -D "$JIMO_CLUSTER_DIR/data" -m fast -w -s stop; }
pg_start() {
    as_server "$("${PG_CONFIG:-pg_config}" --bindir)/pg_ctl" -D "$JIMO_CLUSTER_DIR/data" -l "$JIMO_CLUSTER_LOG" \
        -w -s start
}

cluster_start recv-outage >/dev/null || { ok 1 "own cluster starts"; done_testing; }
cluster_createdb jimo_recv_outage || { ok 1 "database"; done_testing; }
export PGDATABASE=jimo_recv_outage
psql_ -c "CREATE EXTENSION jimo_webhooks" >/dev/null ||
    { ok 1 "CREATE EXTENSION jimo_webhooks"; done_testing; }

recv_start --db-connections 2 || { ok 1 "receiver starts"; done_testing; }
check "ready" recv_wait_ready

# One file per event; distinct events (the generator never repeats content).
mkdir "$RECV_WORK/ev" "$RECV_WORK/res"
python3 "$RECV_ROOT/test/bench/gen_events.py" --events "$events" --seed 7 |
    split -l 1 -a 4 - "$RECV_WORK/ev/e"

# Post one event file; record "code event_id" and the headers (for Retry-After).
# shellcheck disable=SC2317 # run by xargs through export -f
post_one() {
    local f="$1" name out
    name="$(basename "$f")"
    out="$(curl -s -m 30 -D "$RECV_WORK/res/$name.h" -w '\n%{http_code}' -X POST \
        --data-binary @"$f" "$RECV_URL")"
    printf '%s %s\n' "${out##*$'\n'}" "$(sed -nE 's/.*"event_id":([0-9]+).*/\1/p' <<<"${out%$'\n'*}")" \
        >"$RECV_WORK/res/$name"
    sleep 0.02
}
export -f post_one
export RECV_WORK RECV_URL

# shellcheck disable=SC2016 # $0 is expanded by the inner bash
find "$RECV_WORK/ev" -type f -print0 | xargs -0 -P "$parallel" -n 1 bash -c 'post_one "$0"' &
loader=$!

# Let a fifth of the load through, then pull the database away for two seconds.
answered() { local f n=0; for f in "$RECV_WORK"/res/e????; do [[ -e "$f" ]] && n=$((n + 1)); done; echo "$n"; }
while (($(answered) < events / 5)); do sleep 0.05; done
pg_stop
ok $? "PostgreSQL stopped mid-load"
sleep 2
code_down="$(curl -s -o /dev/null -w '%{http_code}' "$RECV_OPS_BASE/readyz")"
pg_start
ok $? "PostgreSQL started again"
wait "$loader"

is "$code_down" 503 "readyz was 503 while the database was down"
codes="$(cat "$RECV_WORK"/res/e???? | awk '{print $1}' | sort | uniq -c | awk '{print $2}' | paste -sd' ')"
is "$codes" "200 503" "every delivery was answered 200 or 503, and both happened"
n503=0
no_retry_after=0
for f in "$RECV_WORK"/res/e????; do
    if [[ "$(cut -d' ' -f1 "$f")" == 503 ]]; then
        n503=$((n503 + 1))
        grep -qi '^Retry-After: [0-9]' "$f.h" || no_retry_after=$((no_retry_after + 1))
    fi
done
echo "# $n503 of $events deliveries answered 503 during the outage"
is "$no_retry_after" 0 "every 503 carries Retry-After"

check "readyz is 200 again without a restart of the receiver" recv_wait_ready 150
check "metrics count the reconnects" test "$(metric jimo_receiver_db_reconnects_total)" -ge 1

# No acknowledged loss: every event_id answered 200 is in jimo.events.
awk '$1 == 200 {print $2}' "$RECV_WORK"/res/e???? | sort -u >"$RECV_WORK/acked"
psql_ -c "CREATE TABLE acked (id bigint)" -c "\\copy acked FROM '$RECV_WORK/acked'"
is "$(psql_ -c "SELECT count(*) FROM acked WHERE id NOT IN (SELECT id FROM jimo.events)")" 0 \
    "every event acknowledged during the outage is in jimo.events ($(wc -l <"$RECV_WORK/acked") acked)"

# Jimo retries what was not acknowledged: now everything must go in.
# shellcheck disable=SC2016 # $0 is expanded by the inner bash
for f in "$RECV_WORK"/res/e????; do
    if [[ "$(cut -d' ' -f1 "$f")" != 200 ]]; then
        echo "$RECV_WORK/ev/$(basename "$f")"
    fi
done | xargs -r -P "$parallel" -n 1 bash -c 'post_one "$0"'
codes="$(cat "$RECV_WORK"/res/e???? | awk '{print $1}' | sort -u | paste -sd' ')"
is "$codes" "200" "after the retries every delivery is acknowledged"
awk '{print $2}' "$RECV_WORK"/res/e???? | sort -u >"$RECV_WORK/acked"
psql_ -c "TRUNCATE acked" -c "\\copy acked FROM '$RECV_WORK/acked'"
is "$(psql_ -c "SELECT count(*) FROM jimo.events")" "$events" "jimo.events holds all $events events"
is "$(psql_ -c "SELECT count(*) FROM jimo.events e JOIN acked a USING (id)")" "$events" \
    "and exactly the acknowledged ones"
is "$(psql_ -c "SELECT count(*) FROM jimo.rejected")" 0 "nothing was rejected"

recv_stop
is "$RECV_STATUS" 0 "clean exit"
done_testing
