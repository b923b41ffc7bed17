#!/usr/bin/env bash
# Concurrent redeliveries of one event store it once: every delivery gets 200 with the
# same event_id and jimo.events counts the deliveries. A long --batch-wait-ms makes them
# share batches, so duplicates inside one receive_batch call are covered too. TAP output.
# shellcheck source=test/receiver/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

n=24
recv_start --batch-wait-ms 300 --batch-max 64 || { ok 1 "receiver starts"; done_testing; }
check "ready" recv_wait_ready

# The same event as Jimo would redeliver it: identical bytes, and re-serialized (another
# key order and whitespace), which must count as the same event.
example="$RECV_ROOT/test/fixtures/examples/tour.completed.json"
python3 - "$example" "$RECV_WORK" <<'PY'
import json, sys
ev = json.load(open(sys.argv[1]))
out = sys.argv[2]
open(out + "/same.json", "w").write(json.dumps(ev))
reordered = dict(reversed(list(ev.items())))
open(out + "/reordered.json", "w").write(json.dumps(reordered, indent=3))
PY

pids=()
for ((i = 0; i < n; i++)); do
    f=same.json
    if ((i % 3 == 2)); then
        f=reordered.json
    fi
    curl -s -o "$RECV_WORK/out$i" -w '%{http_code}\n' -X POST --data-binary @"$RECV_WORK/$f" \
        "$RECV_URL" >"$RECV_WORK/code$i" &
    pids+=($!)
done
wait "${pids[@]}"

codes="$(cat "$RECV_WORK"/code* | sort | uniq -c | awk '{print $2 "x" $1}' | paste -sd' ')"
is "$codes" "200x$n" "all $n concurrent deliveries answered 200"
ids="$(sed -E 's/.*"event_id":([0-9]+).*/\1/' "$RECV_WORK"/out* | sort -u)"
is "$(wc -l <<<"$ids")" 1 "all name the same event_id"
stored="$(grep -l '"status":"stored","event_id":[0-9]*}' "$RECV_WORK"/out* | wc -l)"
is "$stored" 1 "exactly one answer says stored, the others duplicate"

id="$(head -n1 <<<"$ids")"
is "$(psql_ -c "SELECT count(*) FROM jimo.events")" 1 "jimo.events holds one row"
is "$(psql_ -c "SELECT deliveries FROM jimo.events WHERE id = ${id:-0}")" "$n" \
    "its deliveries counter is $n"

sum="$(metric jimo_receiver_batch_size_sum)"
count="$(metric jimo_receiver_batch_size_count)"
check "deliveries shared batches (group commit: $sum deliveries in $count batches)" \
    test "${count:-0}" -ge 1 -a "${sum%.*}" -gt "${count:-0}"
is "$(metric 'jimo_receiver_events_total{outcome="duplicate"}')" $((n - 1)) \
    "metrics: $((n - 1)) duplicates"

recv_stop
is "$RECV_STATUS" 0 "clean exit"
done_testing
