#!/usr/bin/env bash
# PostgreSQL hangs: its processes are stopped (SIGSTOP), so every socket stays open and
# nothing answers, as in a network partition. The receiver must not hang with it: a
# batch without an answer within --db-timeout is answered 503 with Retry-After, /readyz
# turns 503 within a bounded time even without traffic, and once the database answers
# again (SIGCONT) the receiver recovers by itself. Nothing answered 200 may be missing.
# Stops the postmaster too, so that new connections hang like the old ones instead of
# getting fresh backends. Uses a cluster of its own. TAP output; prints the timings.
# shellcheck source=test/receiver/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=test/lib/cluster.sh
source "$RECV_ROOT/test/lib/cluster.sh"

timeout_s=2      # --db-timeout
margin=1.5       # scheduling on a shared 2-core machine, curl and process start-up
probe_s=1        # an idle worker checks its connection this often (db.c PROBE_MS)

# Whatever happens, nothing stays stopped (resume_all, lib.sh).
trap 'resume_all; cluster_stop; _recv_cleanup' EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", b - a}'; }

cluster_start recv-hung >/dev/null || { ok 1 "own cluster starts"; done_testing; }
cluster_createdb jimo_recv_hung || { ok 1 "database"; done_testing; }
export PGDATABASE=jimo_recv_hung
psql_ -c "CREATE EXTENSION jimo_webhooks" >/dev/null ||
    { ok 1 "CREATE EXTENSION jimo_webhooks"; done_testing; }

recv_start --db-timeout "${timeout_s}s" --db-connections 2 || { ok 1 "receiver starts"; done_testing; }
check "ready" recv_wait_ready

event() { printf '{"event":"tour.started","version":"0","time":%s}' "$((1740133769000 + $1))"; }
declare -A acked=()
post_event() { # N [RESULT_FILE]: post event N; "code seconds retry_after event_id"
    local out code time ra id
    out="$(curl -s -m 30 -D "$RECV_WORK/h$1" -w '\n%{http_code} %{time_total}' -X POST \
        --data-binary "$(event "$1")" "$RECV_URL")"
    read -r code time <<<"${out##*$'\n'}"
    ra="$(tr -d '\r' <"$RECV_WORK/h$1" | sed -n 's/^Retry-After: //Ip')"
    id="$(sed -nE 's/.*"event_id":([0-9]+).*/\1/p' <<<"${out%$'\n'*}")"
    echo "$code $time ${ra:--} ${id:--}" >"${2:-$RECV_WORK/r$1}"
}
record() { # N: sets CODE from the result of event N and remembers its id if acknowledged
    local time ra id
    read -r CODE time ra id <"$RECV_WORK/r$1"
    if [[ "$CODE" == 200 ]]; then
        acked[$id]=1
    fi
}

post_event 1
record 1
is "$CODE" 200 "a delivery before the hang: 200"

# Stop the receiver's backends and the postmaster.
hang() {
    local pids
    pids="$(psql_ -c "SELECT pid FROM pg_stat_activity WHERE application_name = 'jimo-receiver'")"
    backends=()
    mapfile -t backends <<<"$pids"
    stopped=("$(head -n1 "$JIMO_CLUSTER_DATA/postmaster.pid")" "${backends[@]}")
    kill -STOP "${stopped[@]}"
    t_stop="$(now)"
}
# Print seconds from t_stop until /readyz answers 503 (gives up after 15 s).
readyz_503_after() {
    local t
    for ((t = 0; t < 150; t++)); do
        if [[ "$(curl -s -m 1 -o /dev/null -w '%{http_code}' "$RECV_OPS_BASE/readyz")" == 503 ]]; then
            elapsed "$t_stop" "$(now)"
            return 0
        fi
        sleep 0.1
    done
    echo never
}

# --- 1: deliveries while the database hangs get 503 within the deadline ---
hang
is "${#backends[@]}" 2 "found the receiver's two backends in pg_stat_activity"
readyz_503_after >"$RECV_WORK/ready1" &
poller=$!
posters=()
for n in 2 3 4 5; do
    post_event "$n" &
    posters+=($!)
done
post_event 6
wait "${posters[@]}"
bound="$(awk -v a="$timeout_s" -v m="$margin" 'BEGIN {print a + m}')"
slowest=0
codes=""
no_ra=0
for n in 2 3 4 5 6; do
    read -r code time ra _ <"$RECV_WORK/r$n"
    codes+="$code "
    [[ "$ra" =~ ^[0-9]+$ ]] || no_ra=$((no_ra + 1))
    le "$time" "$slowest" || slowest="$time"
done
echo "# five deliveries during the hang answered in at most ${slowest} s (--db-timeout ${timeout_s}s)"
is "$codes" "503 503 503 503 503 " "every delivery during the hang is answered 503"
is "$no_ra" 0 "each with Retry-After"
check "within --db-timeout + ${margin} s (slowest ${slowest} s)" le "$slowest" "$bound"
wait "$poller"
ready1="$(cat "$RECV_WORK/ready1")"
echo "# /readyz turned 503 ${ready1} s after the hang began (deliveries in flight)"
check "/readyz turned 503 within --db-timeout + ${probe_s} s + ${margin} s (${ready1} s)" \
    le "$ready1" "$(awk -v a="$timeout_s" -v p="$probe_s" -v m="$margin" 'BEGIN {print a + p + m}')"
is "$(curl -s -o /dev/null -w '%{http_code}' "$RECV_OPS_BASE/healthz")" 200 "healthz stays 200"

resume_all
t_cont="$(now)"
check "ready again after SIGCONT, without a restart" recv_wait_ready 150
echo "# ready $(elapsed "$t_cont" "$(now)") s after SIGCONT"

# --- 2: no traffic at all: /readyz alone notices the hang ---
hang
ready2="$(readyz_503_after)"
echo "# without traffic /readyz turned 503 ${ready2} s after the hang began"
check "without traffic /readyz turns 503 within --db-timeout + ${probe_s} s + ${margin} s (${ready2} s)" \
    le "$ready2" "$(awk -v a="$timeout_s" -v p="$probe_s" -v m="$margin" 'BEGIN {print a + p + m}')"
post_event 7
read -r code time _ <"$RECV_WORK/r7"
is "$code" 503 "a delivery while no worker is connected: 503"
echo "# answered in ${time} s"
check "at once (${time} s)" le "$time" 1
resume_all
t_cont="$(now)"
check "ready again after SIGCONT" recv_wait_ready 150
echo "# ready $(elapsed "$t_cont" "$(now)") s after SIGCONT"

# --- recovery: new deliveries are stored, Jimo's retries of the refused ones too ---
post_event 8
record 8
is "$CODE" 200 "a new delivery after the hang: 200"
read -r _ _ _ id8 <"$RECV_WORK/r8"
is "$(psql_ -c "SELECT count(*) FROM jimo.events WHERE id = ${id8/-/0}")" 1 "and it is in jimo.events"
retried=""
for n in 2 3 4 5 6 7; do
    post_event "$n"
    record "$n"
    retried+="$CODE "
done
is "$retried" "200 200 200 200 200 200 " "Jimo's retries of the six refused deliveries: 200"
check "metrics count the timeouts" test "$(metric jimo_receiver_db_timeouts_total)" -ge 1

# Nothing answered 200 is missing, and every event is there once (a batch answered 503
# may have committed when its backend resumed: the retry then was a duplicate).
missing=0
for id in "${!acked[@]}"; do
    [[ "$(psql_ -c "SELECT count(*) FROM jimo.events WHERE id = $id")" == 1 ]] || missing=$((missing + 1))
done
is "$missing" 0 "every event answered 200 (${#acked[@]}) is in jimo.events"
is "$(psql_ -c "SELECT count(*) FROM jimo.events")" 8 "jimo.events holds the 8 events, each once"

recv_stop
is "$RECV_STATUS" 0 "clean exit"
check "the log names the deadline" grep -q 'within --db-timeout' "$RECV_LOG"
done_testing
