#!/usr/bin/env bash
# systemd's readiness protocol without systemd: a datagram socket stands in for
# $NOTIFY_SOCKET (a path, then the abstract namespace). The receiver sends READY=1 once,
# when both of its listeners accept connections (checked the moment it arrives),
# RELOADING=1 and READY=1 around a SIGHUP reload, STOPPING=1 on SIGTERM; without
# NOTIFY_SOCKET it runs as before. TAP output.
# shellcheck source=test/receiver/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

W="$RECV_WORK"
tls_make_ca ca && tls_make_cert a ca >/dev/null || { ok 1 "openssl makes a certificate"; done_testing; }
export RECV_TLS_CA="$W/ca.crt"

# notify_listen ADDR: receive datagrams on ADDR ("@name" = abstract) into $W/notify.log, one
# per line; on the first READY=1, also write whether both receiver ports accept a connection.
notify_listen() {
    rm -f "$W/notify.log" "$W/notify.up"
    python3 - "$1" "$W/notify.log" "$W/notify.up" "$W/ports" <<'EOF' &
import os, socket, sys
addr, log, up, ports = sys.argv[1:5]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("\0" + addr[1:] if addr.startswith("@") else addr)
open(up, "w").close()
s.settimeout(60)
ready_seen = False
while True:
    try:
        msg = s.recv(4096).decode()
    except socket.timeout:
        break
    line = msg.replace("\n", " ")
    if msg == "READY=1" and not ready_seen:
        ready_seen = True
        states = []
        for port in open(ports).read().split():
            c = socket.socket()
            states.append("open" if c.connect_ex(("127.0.0.1", int(port))) == 0 else "closed")
            c.close()
        line += " ports=" + ",".join(states)
    with open(log, "a") as f:
        f.write(line + "\n")
    if msg == "STOPPING=1":
        break
EOF
    listener=$!
    local i
    for ((i = 0; i < 50; i++)); do
        [[ -e "$W/notify.up" ]] && return 0
        sleep 0.1
    done
    return 1
}

# recv_start picks the ports itself, so the listener learns them through a file written
# before the receiver can possibly be ready: pick them here and pass them as flags.
run_one() { # ADDR DESC
    local addr="$1" desc="$2" i
    check "$desc: a datagram socket listens" notify_listen "$addr"
    local port ops
    port="$(free_port)"
    ops="$(free_port)"
    while [[ "$ops" == "$port" ]]; do ops="$(free_port)"; done
    echo "$port $ops" >"$W/ports"
    NOTIFY_SOCKET="$addr" JIMO_RECEIVER_SECRET=abcdefabcdefabcdef "$RECV_BIN" --listen "127.0.0.1:$port" \
        --ops-listen "127.0.0.1:$ops" --tls-cert "$W/a.crt" --tls-key "$W/a.key" >"$W/recv.log" 2>&1 &
    RECV_PID=$!
    for ((i = 0; i < 100; i++)); do
        grep -qs READY "$W/notify.log" && break
        sleep 0.1
    done
    is "$(head -n 1 "$W/notify.log")" "READY=1 ports=open,open" \
        "$desc: READY=1 first, when the webhook and ops listeners both accept connections"
    kill -HUP "$RECV_PID"
    for ((i = 0; i < 50; i++)); do
        (($(wc -l <"$W/notify.log") >= 3)) && break
        sleep 0.1
    done
    kill -TERM "$RECV_PID"
    wait "$RECV_PID"
    is "$?" 0 "$desc: exit status 0"
    RECV_PID=""
    wait "$listener"
    is "$(paste -sd' ' "$W/notify.log")" "READY=1 ports=open,open RELOADING=1 READY=1 STOPPING=1" \
        "$desc: then RELOADING=1, READY=1 around SIGHUP and STOPPING=1 on SIGTERM"
}
run_one "$W/notify.sock" "socket path"
run_one "@jimo-receiver-test-$$" "abstract socket"

# a NOTIFY_SOCKET nobody listens on is only a warning
if NOTIFY_SOCKET="$W/nobody.sock" recv_start --tls-cert "$W/a.crt" --tls-key "$W/a.key"; then
    post "$RECV_URL" --data-binary '{"event":"hint.seen","version":"0","time":1740133700001}'
    is "$CODE" 200 "with NOTIFY_SOCKET pointing nowhere the receiver still serves"
    check "and logs a warning" grep -q 'msg="could not notify systemd" state=READY=1' "$RECV_LOG"
    recv_stop
else
    ok 1 "receiver starts with NOTIFY_SOCKET pointing nowhere"
fi
done_testing
