# shellcheck shell=bash
# shellcheck disable=SC2034,SC2120,SC2119 # RECV_URL, CODE... are read by the scripts that source this
# Helpers for the receiver integration tests (sourced, not run: not executable).
#
#   recv_start [FLAGS...]   start src/receiver/jimo-receiver on a free loopback port with
#                           a fresh secret (JIMO_RECEIVER_SECRET) and its ops listener on
#                           another, wait until the webhook listener answers; sets RECV_PID
#                           RECV_PORT RECV_BASE RECV_URL RECV_LOG, and RECV_OPS_PORT
#                           RECV_OPS_BASE (/healthz, /readyz, /metrics live there)
#                           With RECV_TLS_CA set (a CA file, see tls_make_ca), the webhook
#                           listener is expected to speak HTTPS: RECV_BASE is https://, and
#                           the readiness probe and post() trust that CA (--cacert).
#   recv_wait_ready [N]     wait until /readyz answers 200 (N tries, 0.1 s apart; 100)
#   tls_make_ca NAME        a throwaway CA in $RECV_WORK: NAME.crt, NAME.key
#   tls_make_cert NAME CA   a server certificate for 127.0.0.1 and localhost signed by CA:
#                           NAME.crt (leaf, then the CA), NAME.key; prints its SHA-256
#   tls_fingerprint PORT    SHA-256 of the certificate a new TLS connection to PORT gets
#   recv_stop               SIGTERM and wait; sets RECV_STATUS to its exit status
#   post URL [CURL ARGS]    POST the body given in CURL ARGS; sets CODE BODY HEADERS
#   ok COND_STATUS DESC     TAP line from the exit status of the last command:  check ...
#   check DESC CMD...       run CMD, TAP ok/not ok
#   is GOT WANT DESC        equality, TAP ok/not ok with both values on failure
#   done_testing            prints the plan; exit status 1 if anything failed
#
# The database is the one in PGHOST/PGPORT/PGUSER/PGDATABASE (test/run gives a fresh one
# with jimo_webhooks); the client tools run as the caller. JIMO_RECEIVER_WRAP, when set, is
# a command prefix for the receiver, e.g. "valgrind --error-exitcode=99 --leak-check=full".

set -uo pipefail

RECV_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
RECV_BIN="$RECV_ROOT/src/receiver/jimo-receiver"
RECV_WORK="$(mktemp -d "${TMPDIR:-/tmp}/jimo-recv-test.XXXX")"
RECV_PID=""
_tap_n=0
_tap_failed=0

if [[ ! -x "$RECV_BIN" ]]; then
    make -s -C "$RECV_ROOT" src/receiver/jimo-receiver >/dev/null || {
        echo "Bail out! could not build $RECV_BIN"
        exit 1
    }
fi

_recv_cleanup() {
    if [[ -n "$RECV_PID" ]]; then
        kill -KILL "$RECV_PID" 2>/dev/null
        wait "$RECV_PID" 2>/dev/null
    fi
    if [[ "${RECV_KEEP:-0}" != 1 ]]; then
        rm -rf "$RECV_WORK"
    fi
}

psql_() { psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }

# Processes a test stopped with SIGSTOP (a hung database) go in `stopped`;
# resume_all continues them. Such a test traps EXIT with
# 'resume_all; cluster_stop; _recv_cleanup': a stopped postmaster or backend
# would outlive it.
stopped=()
resume_all() {
    if ((${#stopped[@]} > 0)); then
        kill -CONT "${stopped[@]}" 2>/dev/null
        stopped=()
    fi
}

# comparisons of decimal numbers, for check
# shellcheck disable=SC2317 # called through check
lt() { awk -v a="$1" -v b="$2" 'BEGIN {exit !(a < b)}'; }
# shellcheck disable=SC2317
le() { awk -v a="$1" -v b="$2" 'BEGIN {exit !(a <= b)}'; }

# A loopback port nothing listens on, below the kernel's ephemeral range: a port in that
# range may be the local end of some outgoing connection (curl, libpq), which a connect
# test cannot see but which makes bind fail.
free_port() {
    local port tries low=32768 _
    if [[ -r /proc/sys/net/ipv4/ip_local_port_range ]]; then
        read -r low _ </proc/sys/net/ipv4/ip_local_port_range || true
    fi
    ((low > 12000)) || low=32768
    for ((tries = 0; tries < 200; tries++)); do
        port=$((10000 + (RANDOM * 32768 + RANDOM) % (low - 10000)))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return 0
        fi
    done
    return 1
}

recv_start() {
    RECV_PORT="$(free_port)" || return 1
    RECV_OPS_PORT="$RECV_PORT"
    while [[ "$RECV_OPS_PORT" == "$RECV_PORT" ]]; do
        RECV_OPS_PORT="$(free_port)" || return 1
    done
    if [[ -n "${RECV_TLS_CA:-}" ]]; then
        RECV_BASE="https://127.0.0.1:$RECV_PORT"
    else
        RECV_BASE="http://127.0.0.1:$RECV_PORT"
    fi
    RECV_OPS_BASE="http://127.0.0.1:$RECV_OPS_PORT"
    RECV_SECRET="t$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
    RECV_URL="$RECV_BASE/webhooks/jimo/$RECV_SECRET"
    RECV_LOG="$RECV_WORK/receiver.$RECV_PORT.log"
    # shellcheck disable=SC2086 # the wrapper is a command line
    JIMO_RECEIVER_SECRET="$RECV_SECRET" ${JIMO_RECEIVER_WRAP:-} "$RECV_BIN" --listen "127.0.0.1:$RECV_PORT" \
        --ops-listen "127.0.0.1:$RECV_OPS_PORT" --access-log "$@" >"$RECV_LOG" 2>&1 &
    RECV_PID=$!
    local i
    for ((i = 0; i < 300; i++)); do
        # any HTTP answer will do (404 here); the ops listener starts first
        if curl -s -o /dev/null ${RECV_TLS_CA:+--cacert "$RECV_TLS_CA"} "$RECV_BASE/"; then
            return 0
        fi
        if ! kill -0 "$RECV_PID" 2>/dev/null; then
            break
        fi
        sleep 0.1
    done
    echo "# receiver did not start; its log:"
    sed 's/^/#   /' "$RECV_LOG"
    return 1
}

recv_wait_ready() {
    local i
    for ((i = 0; i < ${1:-100}; i++)); do
        if [[ "$(curl -s -o /dev/null -w '%{http_code}' "$RECV_OPS_BASE/readyz")" == 200 ]]; then
            return 0
        fi
        sleep 0.1
    done
    return 1
}

recv_stop() {
    RECV_STATUS=""
    if [[ -n "$RECV_PID" ]]; then
        kill -TERM "$RECV_PID" 2>/dev/null
        wait "$RECV_PID"
        RECV_STATUS=$?
        RECV_PID=""
    fi
}

# Metric value from /metrics, e.g. metric 'jimo_receiver_requests_total{code="200"}'.
metric() {
    curl -s "$RECV_OPS_BASE/metrics" | awk -v k="$1" '$1 == k {print $2}'
}

post() {
    local url="$1"
    shift
    local out
    out="$(curl -s -D "$RECV_WORK/headers" -w '\n%{http_code}' -X POST \
        ${RECV_TLS_CA:+--cacert "$RECV_TLS_CA"} -H 'Content-Type: application/json' "$@" "$url")"
    CODE="${out##*$'\n'}"
    BODY="${out%$'\n'*}"
    HEADERS="$(tr -d '\r' <"$RECV_WORK/headers")"
}

tls_make_ca() {
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
        -subj "/CN=jimo-receiver test CA $1" -keyout "$RECV_WORK/$1.key" \
        -out "$RECV_WORK/$1.crt" 2>/dev/null
}

tls_make_cert() {
    local name="$1" ca="$2"
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
        -keyout "$RECV_WORK/$name.key" -out "$RECV_WORK/$name.csr" 2>/dev/null || return 1
    printf '%s\n' "subjectAltName=DNS:localhost,IP:127.0.0.1" "basicConstraints=CA:FALSE" \
        "keyUsage=digitalSignature" "extendedKeyUsage=serverAuth" >"$RECV_WORK/$name.ext"
    openssl x509 -req -in "$RECV_WORK/$name.csr" -CA "$RECV_WORK/$ca.crt" \
        -CAkey "$RECV_WORK/$ca.key" -set_serial "0x$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')" \
        -days 2 -extfile "$RECV_WORK/$name.ext" -out "$RECV_WORK/$name.leaf" 2>/dev/null || return 1
    cat "$RECV_WORK/$name.leaf" "$RECV_WORK/$ca.crt" >"$RECV_WORK/$name.crt"
    chmod 600 "$RECV_WORK/$name.key"
    openssl x509 -in "$RECV_WORK/$name.leaf" -noout -fingerprint -sha256 | _tls_fp
}

_tls_fp() { sed 's/.*=//; s/://g' | tr 'A-F' 'a-f'; }

tls_fingerprint() {
    openssl s_client -connect "127.0.0.1:$1" -servername localhost </dev/null 2>/dev/null |
        openssl x509 -noout -fingerprint -sha256 2>/dev/null | _tls_fp
}

ok() {
    local status="$1"
    shift
    _tap_n=$((_tap_n + 1))
    if [[ "$status" == 0 ]]; then
        echo "ok $_tap_n - $*"
    else
        echo "not ok $_tap_n - $*"
        _tap_failed=$((_tap_failed + 1))
    fi
}

check() {
    local desc="$1"
    shift
    "$@"
    ok $? "$desc"
}

is() {
    if [[ "$1" == "$2" ]]; then
        ok 0 "$3"
    else
        ok 1 "$3"
        echo "#   got:      '$1'"
        echo "#   expected: '$2'"
    fi
}

done_testing() {
    echo "1..$_tap_n"
    if ((_tap_failed > 0)); then
        echo "# failed $_tap_failed of $_tap_n"
        if [[ -n "${RECV_LOG:-}" && -f "$RECV_LOG" ]]; then
            echo "# last lines of the receiver log:"
            tail -n 20 "$RECV_LOG" | sed 's/^/#   /'
        fi
        exit 1
    fi
    exit 0
}

trap _recv_cleanup EXIT
