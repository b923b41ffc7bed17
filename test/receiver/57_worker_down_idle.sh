#!/usr/bin/env bash
# A database worker without a connection must sleep until its next connection attempt,
# not spin, whether deliveries are there or not. Measures the receiver's CPU time
# (utime + stime from /proc/PID/stat) over a few seconds and wants it under a bound that
# a busy loop blows through (one spinning worker is most of a core):
#   1. the database is up but refuses new connections, and one worker lost its own: the
#      other stores every delivery, at once (a worker left waiting by the one without a
#      connection would sleep up to a second), and nobody spins;
#   2. the database is stopped (pg_ctl stop): idle, then with deliveries, each answered
#      503 with Retry-After at once; once it is started again a delivery is stored;
#   3. one worker's backend hangs (SIGSTOP) and the database shuts down around it
#      (pg_ctl stop without waiting: it waits for that backend and refuses new
#      connections): the other worker is without a connection while deliveries wait in
#      the queue for the hung one, until --db-timeout answers them 503; afterwards a
#      delivery is stored again.
# Nothing answered 200 may be missing. Uses a cluster of its own. TAP output; prints the
# figures with the load average.
# shellcheck source=test/receiver/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=test/lib/cluster.sh
source "$RECV_ROOT/test/lib/cluster.sh"

timeout_s=12 # --db-timeout: how long the hung worker of part 3 counts as connected
window=5     # seconds of CPU time measured
bound=20     # % of one core allowed; a spinning worker takes 80-100 %
margin=2     # scheduling on a shared 2-core machine, curl and process start-up

# Whatever happens, nothing stays stopped (resume_all, lib.sh).
trap 'resume_all; cluster_stop; _recv_cleanup' EXIT
trap 'exit 143' TERM
trap 'exit 130' INT


cluster_start recv-down-idle >/dev/null || { ok 1 "own cluster starts"; done_testing; }
cluster_createdb jimo_recv_down_idle || { ok 1 "database"; done_testing; }
export PGDATABASE=jimo_recv_down_idle
psql_ -c "CREATE EXTENSION jimo_webhooks" >/dev/null ||
    { ok 1 "CREATE EXTENSION jimo_webhooks"; done_testing; }

recv_start --db-timeout "${timeout_s}s" --db-connections 2 || { ok 1 "receiver starts"; done_testing; }
check "ready" recv_wait_ready

# CPU time of the receiver in clock ticks; the fields after the command name, which is
# in parentheses, are counted from 3 on: utime is the 14th, stime the 15th.
hz="$(getconf CLK_TCK)"
ticks() { sed 's/.*) //' "/proc/$RECV_PID/stat" | awk '{print $12 + $13}'; }

event() { printf '{"event":"tour.started","version":"0","time":%s}' "$((1740133769000 + $1))"; }
declare -A acked=()
post_event() { # N: post event N; writes "code seconds retry_after event_id" to r<N>
    local out code time ra id
    out="$(curl -s -m 60 -D "$RECV_WORK/h$1" -w '\n%{http_code} %{time_total}' -X POST \
        --data-binary "$(event "$1")" "$RECV_URL")"
    read -r code time <<<"${out##*$'\n'}"
    ra="$(tr -d '\r' <"$RECV_WORK/h$1" 2>/dev/null | sed -n 's/^Retry-After: //Ip')"
    id="$(sed -nE 's/.*"event_id":([0-9]+).*/\1/p' <<<"${out%$'\n'*}")"
    echo "${code:-000} ${time:-0} ${ra:--} ${id:--}" >"$RECV_WORK/r$1"
}
record() { # N: sets CODE TIME RA from the result of event N; remembers its id if acknowledged
    local id
    read -r CODE TIME RA id <"$RECV_WORK/r$1"
    if [[ "$CODE" == 200 ]]; then
        acked[$id]=1
    fi
}

# measure DESC FIRST LAST: CPU over $window seconds while events FIRST..LAST are posted,
# spread over the window (none when LAST < FIRST); sets PCT and POSTERS (their pids).
measure() {
    local desc="$1" first="$2" last="$3" t0 t1 c0 c1 n
    POSTERS=()
    c0="$(ticks)"
    t0="$(date +%s.%N)"
    for ((n = first; n <= last; n++)); do
        post_event "$n" &
        POSTERS+=($!)
        sleep "$(awk -v w="$window" -v k="$((last - first + 1))" 'BEGIN {print w / (k + 1)}')"
    done
    sleep "$(awk -v t0="$t0" -v now="$(date +%s.%N)" -v w="$window" \
        'BEGIN {d = t0 + w - now; print (d > 0 ? d : 0)}')"
    c1="$(ticks)"
    t1="$(date +%s.%N)"
    PCT="$(awk -v c="$((c1 - c0))" -v hz="$hz" -v t0="$t0" -v t1="$t1" \
        'BEGIN {printf "%.1f", c / hz / (t1 - t0) * 100}')"
    echo "# $desc: ${PCT} % of one core over $(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f", b - a}') s" \
        "(load average $(cut -d' ' -f1-3 /proc/loadavg))"
}
# wait_metric NAME VALUE [TRIES]: until the metric has that value (0.1 s apart; 100)
# shellcheck disable=SC2317 # called through check
wait_metric() {
    local i
    for ((i = 0; i < ${3:-100}; i++)); do
        [[ "$(metric "$1")" == "$2" ]] && return 0
        sleep 0.1
    done
    return 1
}
# summary FIRST LAST: records events FIRST..LAST; sets CODES, NO_RA (503s without
# Retry-After) and SLOWEST (seconds)
summary() {
    local n
    CODES=""
    NO_RA=0
    SLOWEST=0
    for ((n = $1; n <= $2; n++)); do
        record "$n"
        CODES+="${CODES:+ }$CODE"
        if [[ "$CODE" != 200 && ! "$RA" =~ ^[0-9]+$ ]]; then
            NO_RA=$((NO_RA + 1))
        fi
        le "$TIME" "$SLOWEST" || SLOWEST="$TIME"
    done
}
stored() { psql_ -c "SELECT count(*) FROM jimo.events WHERE id = ${1/-/0}"; }

post_event 1
record 1
is "$CODE" 200 "a delivery with the database up: 200"

# --- 1: up, but one worker cannot connect: the other takes every delivery at once ---
psql_ -d postgres -c "ALTER DATABASE $PGDATABASE ALLOW_CONNECTIONS false" >/dev/null
psql_ -d postgres -c "SELECT pg_terminate_backend((SELECT pid FROM pg_stat_activity
    WHERE application_name = 'jimo-receiver' AND datname = '$PGDATABASE' LIMIT 1))" >/dev/null
check "one worker lost its connection and cannot make it again" \
    wait_metric jimo_receiver_db_connections_up 1
measure "one worker without a connection, 10 deliveries" 2 11
wait "${POSTERS[@]}"
check "CPU while one worker cannot connect under ${bound} % (${PCT} %)" lt "$PCT" "$bound"
summary 2 11
is "$CODES" "200 200 200 200 200 200 200 200 200 200" "the connected worker stores all 10"
times="$(for n in {2..11}; do read -r _ t _ <"$RECV_WORK/r$n"; echo "$t"; done | sort -g)"
median="$(sed -n 5p <<<"$times")"
echo "# answered in $(paste -sd' ' <<<"$times") s"
check "at once: median ${median} s under 0.3 s (not waiting for a worker's probe)" lt "$median" 0.3
psql_ -d postgres -c "ALTER DATABASE $PGDATABASE ALLOW_CONNECTIONS true" >/dev/null
check "both workers connected again" wait_metric jimo_receiver_db_connections_up 2 50

# --- 2: the database is stopped ---
cluster_pg_ctl stop -m fast
ok $? "PostgreSQL stopped"
check "no worker connected (readyz 503 within --db-timeout)" \
    wait_metric jimo_receiver_db_connections_up 0 "$((timeout_s * 10))"
measure "database stopped, idle" 1 0
check "CPU while stopped and idle under ${bound} % (${PCT} %)" lt "$PCT" "$bound"
measure "database stopped, 5 deliveries" 12 16
wait "${POSTERS[@]}"
check "CPU while stopped with deliveries under ${bound} % (${PCT} %)" lt "$PCT" "$bound"
summary 12 16
is "$CODES" "503 503 503 503 503" "every delivery while stopped is answered 503"
is "$NO_RA" 0 "each with Retry-After"
check "at once (slowest ${SLOWEST} s)" le "$SLOWEST" 1
is "$(curl -s -o /dev/null -w '%{http_code}' "$RECV_OPS_BASE/readyz")" 503 "readyz is 503"

cluster_pg_ctl start
ok $? "PostgreSQL started again"
check "ready again, without a restart of the receiver" recv_wait_ready 150
check "both workers connected again" wait_metric jimo_receiver_db_connections_up 2 50
post_event 17
record 17
is "$CODE" 200 "a delivery after the restart: 200"
read -r _ _ _ id <"$RECV_WORK/r17"
is "$(stored "$id")" 1 "and it is in jimo.events"

# --- 3: one worker's backend hangs, the database shuts down around it ---
mapfile -t backends < <(psql_ -c "SELECT pid FROM pg_stat_activity
    WHERE application_name = 'jimo-receiver' AND datname = '$PGDATABASE'")
is "${#backends[@]}" 2 "found the receiver's two backends in pg_stat_activity"
stopped=("${backends[0]}")
kill -STOP "${stopped[@]}"
# -W: the postmaster waits for the stopped backend, refusing new connections meanwhile
cluster_pg_ctl stop -m fast -W
ok $? "PostgreSQL shutting down, one backend hung"
check "the other worker lost its connection" wait_metric jimo_receiver_db_connections_up 1 50
measure "one worker hung, the other without a connection, 3 deliveries" 18 20
check "CPU while deliveries wait for the hung worker under ${bound} % (${PCT} %)" lt "$PCT" "$bound"
# What was measured: deliveries queued all along (all 3, or 2 when the hung worker took
# the first), the hung worker counted as connected, so the other leaves them to it.
depth="$(metric jimo_receiver_queue_depth)"
is "$(metric jimo_receiver_db_connections_up)" 1 "at the end of the window one worker counts as connected"
check "and deliveries are still queued (${depth})" test "${depth:-0}" -ge 2
wait "${POSTERS[@]}"
summary 18 20
is "$CODES" "503 503 503" "they are answered 503 once the hung worker gives up"
is "$NO_RA" 0 "each with Retry-After"
check "within --db-timeout + ${margin} s (slowest ${SLOWEST} s)" \
    le "$SLOWEST" "$((timeout_s + margin))"

resume_all
# the backend ends, then the postmaster; start it again once it is gone
for ((i = 0; i < 300; i++)); do
    [[ -f "$JIMO_CLUSTER_DATA/postmaster.pid" ]] || break
    sleep 0.1
done
cluster_pg_ctl start
ok $? "PostgreSQL started again"
check "ready again, without a restart of the receiver" recv_wait_ready 150
post_event 21
record 21
is "$CODE" 200 "a delivery after the hang: 200"
read -r _ _ _ id <"$RECV_WORK/r21"
is "$(stored "$id")" 1 "and it is in jimo.events"

missing=0
for id in "${!acked[@]}"; do
    [[ "$(stored "$id")" == 1 ]] || missing=$((missing + 1))
done
is "$missing" 0 "every event answered 200 (${#acked[@]}) is in jimo.events"

recv_stop
is "$RECV_STATUS" 0 "clean exit"
done_testing
