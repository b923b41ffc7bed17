#!/usr/bin/env bash
# Slow-header clients without the secret cannot starve real deliveries. 1000 connections
# from 127.0.0.2-5 (250 each, test/receiver/slow_clients.py) send a request line and then
# one header byte every 10 s, and reconnect a second after they are closed; meanwhile a
# client on 127.0.0.1 delivers 20 events, each on a new connection. Every delivery must
# get 200, the slowest in under 2 s. Run twice: with the defaults, and with limits that
# admit every slow connection (--max-connections 1000, --max-per-ip 300), so that what is
# tested there is that slow clients are closed to make room, not the per-address limit.
# Then: a slow head is cut at --head-timeout. TAP output; prints the latencies.
# shellcheck source=test/receiver/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

slow_gen="$RECV_ROOT/test/receiver/slow_clients.py"
deliveries=20
limit_s=2
gen_pid=""
# shellcheck disable=SC2317 # called through the trap
stop_gen() {
    if [[ -n "$gen_pid" ]]; then
        kill -TERM "$gen_pid" 2>/dev/null
        wait "$gen_pid" 2>/dev/null
        gen_pid=""
    fi
}
trap 'stop_gen; _recv_cleanup' EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
# the receiver and the generator each need a descriptor per connection
ulimit -n 8192 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

# NAME MIN_HELD RECEIVER_FLAGS...: slow crowd + 20 deliveries against one receiver
run_case() {
    local name="$1" min_held="$2" i held=0 out code time codes="" times=() n_ok=0
    shift 2
    if ! { recv_start "$@" && recv_wait_ready; }; then
        ok 1 "$name: receiver starts"
        return
    fi
    python3 "$slow_gen" --port "$RECV_PORT" --per-source 250 --interval 10 \
        >"$RECV_WORK/slow.$name.out" 2>&1 &
    gen_pid=$!
    # wait until the receiver holds the slow connections it will hold
    for ((i = 0; i < 100; i++)); do
        held="$(metric jimo_receiver_connections_open)"
        if ((${held:-0} >= min_held)); then
            break
        fi
        sleep 0.1
    done
    echo "# $name: the receiver holds ${held:-?} connections before the deliveries"
    check "$name: the slow clients hold at least $min_held connections (${held:-?})" \
        test "${held:-0}" -ge "$min_held"

    for ((i = 1; i <= deliveries; i++)); do
        out="$(curl -s -m 5 -o /dev/null -w '%{http_code} %{time_total}' -X POST \
            --data-binary "{\"event\":\"hint.seen\",\"version\":\"0\",\"time\":$((1740133769000 + i)),\"run\":\"$name\"}" \
            "$RECV_URL")"
        read -r code time <<<"$out"
        codes+="$code "
        times+=("$time")
        [[ "$code" == 200 ]] && n_ok=$((n_ok + 1))
        sleep 0.2
    done
    held="$(metric jimo_receiver_connections_open)"
    local crowded head_cut
    crowded="$(metric 'jimo_receiver_connections_cut_total{reason="crowded_out"}')"
    head_cut="$(metric 'jimo_receiver_connections_cut_total{reason="head_timeout"}')"
    stop_gen
    read -r slowest median < <(printf '%s\n' "${times[@]}" | sort -g |
        awk '{a[NR]=$1} END {printf "%s %s\n", a[NR], (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}')
    echo "# $name: $n_ok of $deliveries delivered; latency slowest ${slowest} s, median ${median} s;" \
        "connections open at the end ${held:-?}; closed to make room ${crowded:-?}, at the head deadline ${head_cut:-?}"
    echo "# $name: generator: $(cat "$RECV_WORK/slow.$name.out")"
    is "$n_ok" "$deliveries" "$name: all $deliveries deliveries answered 200"
    if [[ "$n_ok" != "$deliveries" ]]; then
        echo "#   codes: $codes"
    fi
    check "$name: the slowest took under ${limit_s} s (${slowest} s)" \
        awk -v t="$slowest" -v l="$limit_s" 'BEGIN {exit !(t < l)}'
    recv_stop
    is "$RECV_STATUS" 0 "$name: clean exit"
    CROWDED="${crowded:-0}"
}

# --- defaults: the per-address limit (64) leaves the slow crowd 256 connections ---
run_case defaults 250
# --- limits that admit them all: making room is what protects the deliveries ---
run_case admit-all 850 --max-connections 1000 --max-per-ip 300
check "admit-all: slow connections were closed to make room ($CROWDED)" test "$CROWDED" -ge "$deliveries"
is "$(psql_ -c "SELECT count(*) FROM jimo.events WHERE name = 'hint.seen'")" $((2 * deliveries)) \
    "all $((2 * deliveries)) deliveries are in jimo.events"

# --- a head that trickles in is cut at --head-timeout, although each byte resets the idle timeout ---
recv_start --head-timeout 2s --idle-timeout 30 || { ok 1 "receiver starts"; done_testing; }
python3 "$slow_gen" --port "$RECV_PORT" --sources 127.0.0.1 --per-source 3 --interval 0.5 \
    --reconnect-delay 60 --duration 6 >"$RECV_WORK/slow.cut.out" 2>&1
echo "# head deadline 2 s: $(cat "$RECV_WORK/slow.cut.out")"
read -r lt_min lt_max < <(sed -nE 's/.*lifetime_min=([0-9.]+).*lifetime_max=([0-9.]+).*/\1 \2/p' \
    "$RECV_WORK/slow.cut.out")
check "three slow heads were cut" grep -q '^opened=3 closed=3 ' "$RECV_WORK/slow.cut.out"
check "no earlier than the deadline (${lt_min:-?} s) and soon after it (${lt_max:-?} s)" \
    awk -v a="${lt_min:-0}" -v b="${lt_max:-99}" 'BEGIN {exit !(a >= 1.9 && b <= 3.5)}'
is "$(metric 'jimo_receiver_connections_cut_total{reason="head_timeout"}')" 3 "metrics count them"
post "$RECV_URL" --data-binary '{"event":"hint.seen","version":"0","time":1740133769999}'
is "$CODE" 200 "a delivery on time is not affected"
recv_stop
check "the cuts did not flood the log" test "$(grep -c 'msg="libmicrohttpd"' "$RECV_LOG")" -le 10

done_testing
