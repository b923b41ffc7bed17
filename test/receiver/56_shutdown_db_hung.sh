#!/usr/bin/env bash
# SIGTERM while PostgreSQL hangs in the middle of a funnel cohort refresh (the refresh
# waits on a lock, then the postmaster and every backend are stopped with SIGSTOP): the
# receiver stops accepting at once (a new connection is refused, not left in the
# listen backlog to hang), and exits 0 within --shutdown-timeout and a second, without
# an answer to its cancel. Before 0.15 it waited forever on the cancel of the refresh,
# still accepting connections. Uses a cluster of its own. TAP output.
# shellcheck source=test/receiver/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=test/lib/cluster.sh
source "$RECV_ROOT/test/lib/cluster.sh"

shutdown_s=3     # --shutdown-timeout
margin=2         # scheduling on a shared 2-core machine, process start-up

locker=""
trap 'resume_all; [[ -n "$locker" ]] && kill "$locker" 2>/dev/null; cluster_stop; _recv_cleanup' EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", b - a}'; }

cluster_start recv-shut-hung >/dev/null || { ok 1 "own cluster starts"; done_testing; }
cluster_createdb jimo_recv_shut_hung || { ok 1 "database"; done_testing; }
export PGDATABASE=jimo_recv_shut_hung
psql_ -c "CREATE EXTENSION jimo_webhooks" >/dev/null ||
    { ok 1 "CREATE EXTENSION jimo_webhooks"; done_testing; }

# Hold the table every refresh writes first, so that the next refresh waits on it.
psql_ -c "BEGIN" -c "LOCK TABLE jimo.funnel_cohort_state IN ACCESS EXCLUSIVE MODE" \
    -c "SELECT pg_sleep(120)" -c "COMMIT" >/dev/null 2>&1 &
locker=$!
recv_start --refresh-cohorts 1 --db-timeout 2s --shutdown-timeout "$shutdown_s" ||
    { ok 1 "receiver starts"; done_testing; }
check "ready" recv_wait_ready
waiting=0
for ((i = 0; i < 100; i++)); do
    waiting="$(psql_ -c "SELECT count(*) FROM pg_stat_activity
                         WHERE query LIKE '%refresh_funnel_cohorts%' AND wait_event_type = 'Lock'
                           AND pid <> pg_backend_pid()")"
    [[ "$waiting" == 1 ]] && break
    sleep 0.1
done
is "$waiting" 1 "a refresh waits on the lock"

# Stop the postmaster and every backend: nothing answers any more, a cancel included.
pids="$(psql_ -c "SELECT pid FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND backend_type = 'client backend'")"
mapfile -t backends <<<"$pids"
stopped=("$(head -n1 "$JIMO_CLUSTER_DATA/postmaster.pid")" "${backends[@]}")
kill -STOP "${stopped[@]}"

t0="$(now)"
kill -TERM "$RECV_PID"
sleep 0.5
curl -s -m 3 -o /dev/null -X POST --data-binary '{}' "$RECV_URL"
rc=$?
is "$rc" 7 "a new connection while shutting down is refused at once (curl exit 7, not a hang)"
exited=never
for ((i = 0; i < 200; i++)); do
    if ! kill -0 "$RECV_PID" 2>/dev/null; then
        exited="$(elapsed "$t0" "$(now)")"
        break
    fi
    sleep 0.05
done
echo "# exited ${exited} s after SIGTERM (--shutdown-timeout ${shutdown_s})"
check "the receiver exits within --shutdown-timeout + 1 s + ${margin} s (${exited} s)" \
    le "$exited" "$((shutdown_s + 1 + margin))"
if [[ "$exited" != never ]]; then
    wait "$RECV_PID"
    is "$?" 0 "with status 0"
    RECV_PID=""
fi
check "the log says it did not wait for the refresh" grep -q 'no answer to its cancel' "$RECV_LOG"
resume_all
done_testing
