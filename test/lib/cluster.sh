# shellcheck shell=bash
# A throwaway PostgreSQL cluster for tests. Source this file, then:
#
#   cluster_start NAME [PORT]   initdb + start; exports PGHOST PGPORT PGUSER PGDATABASE
#   cluster_createdb DB [EXT..] (re)create database DB with the given extensions
#   cluster_pg_ctl ARGS...      pg_ctl on this cluster, as its server user, waiting, e.g.
#                               `cluster_pg_ctl stop -m fast`, `cluster_pg_ctl start`
#   cluster_as_server CMD...    run CMD as the OS user that owns the cluster
#   cluster_free_port           print a free TCP port on 127.0.0.1 outside the ephemeral
#                               range (for servers a test starts, e.g. jimo-receiver)
#   cluster_stop                stop the server and delete its directory; idempotent,
#                               meant for an EXIT trap: trap cluster_stop EXIT
#   cluster_save NAME           set the running cluster aside under NAME, so that another
#                               can be started (test/citus/run runs three at once)
#   cluster_use NAME            make a set-aside cluster current again (sets aside the
#                               current one under its own name first)
#   cluster_stop_all            cluster_stop every cluster, current and set aside
#
# Settings read by cluster_start:
#   JIMO_CLUSTER_TCP=1        also listen on 127.0.0.1:$PGPORT (scram-sha-256, password in
#                             the exported PGPASSWORD); by default only the unix socket
#   JIMO_CLUSTER_SETTINGS     extra postgresql.conf lines, appended last (so they win)
#   JIMO_CLUSTER_TMP          parent of the cluster directory (default /tmp)
#   PG_CONFIG                 which PostgreSQL (default: pg_config on PATH)
# Also exported: JIMO_CLUSTER_DIR (everything lives here), JIMO_CLUSTER_DATA (the data
# directory, $JIMO_CLUSTER_DIR/data) and JIMO_CLUSTER_LOG (the server log).
#
# One current cluster per shell; others may be set aside with cluster_save. initdb and postgres refuse to run as root, so as root the
# server runs as the "postgres" OS user and its directory lives under /tmp, where that
# user can reach it (a checkout under /root is not); as anyone else it runs as that user.
# Clients (psql, pg_regress, pg_prove) keep running as the caller: root may open the
# postgres-owned socket directory, and the caller can read its own checkout.

_jimo_cluster_dir=""
_jimo_cluster_bindir=""
_jimo_cluster_name=""
declare -gA _jimo_cluster_saved=() # NAME -> "dir port password"

# Run a server-side command (initdb, pg_ctl) as the user that owns the cluster.
# shellcheck disable=SC2317 # also called from the scripts that source this file
cluster_as_server() {
    if ((EUID == 0)); then
        # cd / first: postgres cannot enter a cwd under /root and would warn about it.
        (cd / && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

# Print a TCP port on 127.0.0.1 that nothing listens on. Without TCP the port only names
# the socket file inside our private directory, so any port would do; with TCP it must
# be free. The port is taken below the kernel's ephemeral range: a port in that range
# may be the local end of some outgoing connection (curl, wrk, libpq), which a connect
# test cannot see but which makes bind fail with "Address already in use".
cluster_free_port() {
    local port tries first=10000 last=32767 ephemeral_low=32768 _
    if [[ -r /proc/sys/net/ipv4/ip_local_port_range ]]; then
        read -r ephemeral_low _ </proc/sys/net/ipv4/ip_local_port_range || true
    fi
    if ((ephemeral_low > first + 1000)); then
        last=$((ephemeral_low - 1))
    fi
    for ((tries = 0; tries < 200; tries++)); do
        port=$((first + (RANDOM * 32768 + RANDOM) % (last - first + 1)))
        # A successful connect means someone is listening there.
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return 0
        fi
    done
    echo "cluster: could not find a free port" >&2
    return 1
}

cluster_start() {
    local name="${1:?usage: cluster_start NAME [PORT]}"
    local port="${2:-}"
    local pg_config="${PG_CONFIG:-pg_config}"
    local dir data sock log pw=""

    if [[ -n "$_jimo_cluster_dir" ]]; then
        echo "cluster: one is already running in $_jimo_cluster_dir; cluster_stop it first" >&2
        return 1
    fi
    if ! [[ "$name" =~ ^[A-Za-z0-9_.-]+$ ]]; then
        echo "cluster: NAME may contain only letters, digits, '.', '_' and '-', got \"$name\"" >&2
        return 1
    fi
    if ! _jimo_cluster_bindir="$("$pg_config" --bindir)"; then
        echo "cluster: $pg_config not found; run test/lib/deps.sh" >&2
        return 1
    fi
    if [[ ! -x "$_jimo_cluster_bindir/initdb" ]]; then
        echo "cluster: no initdb in $_jimo_cluster_bindir; is postgresql-<major> installed?" >&2
        return 1
    fi
    if ((EUID == 0)) && ! id -u postgres >/dev/null 2>&1; then
        echo "cluster: running as root but there is no \"postgres\" OS user to run the server" >&2
        return 1
    fi
    if [[ -z "$port" ]]; then
        port="$(cluster_free_port)" || return 1
    elif ! [[ "$port" =~ ^[0-9]+$ ]]; then
        echo "cluster: PORT must be a number, got \"$port\"" >&2
        return 1
    fi

    dir="$(mktemp -d "${JIMO_CLUSTER_TMP:-/tmp}/jimo-$name.XXXX")" || return 1
    # Remember it at once, so that an EXIT trap firing from here on cleans it up.
    _jimo_cluster_dir="$dir"
    _jimo_cluster_name="$name"
    data="$dir/data"
    sock="$dir/socket"
    log="$dir/server.log"
    mkdir "$sock"
    : >"$log"
    : >"$dir/initdb.log"
    if ((EUID == 0)); then
        chown -R postgres: "$dir"
    fi
    # Trust on the socket is safe only because nobody else can reach the socket.
    chmod 700 "$dir" "$sock"

    # --no-sync: the cluster is thrown away; the server itself keeps fsync on.
    # --no-locale + UTF8: sorting and messages do not depend on the caller's LANG.
    if ! cluster_as_server "$_jimo_cluster_bindir/initdb" -D "$data" -U postgres \
        --auth=trust --encoding=UTF8 --no-locale --no-sync >>"$dir/initdb.log" 2>&1; then
        echo "cluster: initdb failed:" >&2
        cat "$dir/initdb.log" >&2
        cluster_stop
        return 1
    fi

    local listen="''" hba="local all all trust"
    if [[ "${JIMO_CLUSTER_TCP:-0}" == 1 ]]; then
        listen="'127.0.0.1'"
        hba+=$'\nhost all all 127.0.0.1/32 scram-sha-256'
        pw="$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
    fi
    # Written by the caller but read by the server: give them to the server user.
    printf '%s\n' "$hba" >"$data/pg_hba.conf"
    cat >>"$data/postgresql.conf" <<EOF

# --- jimo test cluster (test/lib/cluster.sh) ---
port = $port
listen_addresses = $listen
unix_socket_directories = '$sock'
shared_buffers = 32MB
timezone = 'UTC'
log_timezone = 'UTC'
log_line_prefix = '%m [%p] %q%u@%d '
log_min_messages = warning
${JIMO_CLUSTER_SETTINGS:-}
EOF
    if ((EUID == 0)); then
        chown postgres: "$data/pg_hba.conf" "$data/postgresql.conf"
    fi

    if ! cluster_as_server "$_jimo_cluster_bindir/pg_ctl" -D "$data" -l "$log" \
        -w -t 60 -s start; then
        echo "cluster: the server did not start; its log ($log):" >&2
        cat "$log" >&2
        cluster_stop
        return 1
    fi

    unset PGHOSTADDR PGSERVICE
    export PGHOST="$sock" PGPORT="$port" PGUSER=postgres PGDATABASE=postgres
    export JIMO_CLUSTER_DIR="$dir" JIMO_CLUSTER_DATA="$data" JIMO_CLUSTER_LOG="$log"
    if [[ -n "$pw" ]]; then
        # Over TCP a password is needed; the socket ignores it (trust).
        if ! "$_jimo_cluster_bindir/psql" -X -q -v ON_ERROR_STOP=1 -v pw="$pw" \
            <<<"ALTER ROLE postgres PASSWORD :'pw';"; then
            echo "cluster: could not set the password for TCP connections" >&2
            cluster_stop
            return 1
        fi
        export PGPASSWORD="$pw"
    fi
    echo "cluster: $name running (socket $sock, port $port${pw:+, tcp 127.0.0.1}, log $log)"
}

# Drop and create database DB as a copy of template0, then create the extensions in it.
cluster_createdb() {
    local db="${1:?usage: cluster_createdb DB [EXTENSION...]}" ext
    shift
    if [[ -z "$_jimo_cluster_dir" ]]; then
        echo "cluster: no cluster running; call cluster_start first" >&2
        return 1
    fi
    PGOPTIONS="-c client_min_messages=warning" \
        "$_jimo_cluster_bindir/dropdb" --if-exists "$db" || return 1
    "$_jimo_cluster_bindir/createdb" "$db" || return 1
    for ext in "$@"; do
        "$_jimo_cluster_bindir/psql" -X -q -v ON_ERROR_STOP=1 -d "$db" \
            -c "CREATE EXTENSION \"$ext\" CASCADE" || return 1
    done
}

# pg_ctl on the running cluster, e.g. to take it away and bring it back in a test of how
# clients live through an outage. Waits for the action to finish (-w).
cluster_pg_ctl() {
    if [[ -z "$_jimo_cluster_dir" ]]; then
        echo "cluster: no cluster running; call cluster_start first" >&2
        return 1
    fi
    cluster_as_server "$_jimo_cluster_bindir/pg_ctl" -D "$_jimo_cluster_dir/data" \
        -l "$_jimo_cluster_dir/server.log" -w -t 60 -s "$@"
}

# Safe to call at any time, any number of times, and from an EXIT trap under set -e:
# it never fails, so it does not change the caller's exit status.
cluster_stop() {
    local dir="$_jimo_cluster_dir"
    [[ -n "$dir" ]] || return 0
    _jimo_cluster_dir=""
    _jimo_cluster_name=""
    if [[ -f "$dir/data/postmaster.pid" ]]; then
        # fast: roll back open transactions and go; immediate if that hangs.
        cluster_as_server "$_jimo_cluster_bindir/pg_ctl" -D "$dir/data" -m fast \
            -w -t 30 -s stop >/dev/null 2>&1 ||
            cluster_as_server "$_jimo_cluster_bindir/pg_ctl" -D "$dir/data" -m immediate \
                -w -t 30 -s stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir" || true
    if [[ "${PGHOST:-}" == "$dir/socket" ]]; then
        unset PGHOST PGPORT PGUSER PGDATABASE PGPASSWORD
        unset JIMO_CLUSTER_DIR JIMO_CLUSTER_DATA JIMO_CLUSTER_LOG
    fi
    return 0
}

# Set the current cluster aside under NAME: it keeps running, and cluster_start may start
# another. PG* variables are left as they are until the next cluster_start or cluster_use.
cluster_save() {
    local name="${1:?usage: cluster_save NAME}"
    if [[ -z "$_jimo_cluster_dir" ]]; then
        echo "cluster: no cluster running to save" >&2
        return 1
    fi
    _jimo_cluster_saved[$name]="$_jimo_cluster_dir $PGPORT ${PGPASSWORD:-}"
    _jimo_cluster_dir=""
    _jimo_cluster_name=""
}

# Make the cluster saved as NAME current: exports its PGHOST, PGPORT, PGUSER, PGPASSWORD
# and JIMO_CLUSTER_* as cluster_start did.
cluster_use() {
    local name="${1:?usage: cluster_use NAME}" dir port pw
    if [[ -n "$_jimo_cluster_dir" && "$_jimo_cluster_name" == "$name" ]]; then
        return 0 # already current
    fi
    if [[ -z "${_jimo_cluster_saved[$name]:-}" ]]; then
        echo "cluster: no cluster saved as \"$name\"" >&2
        return 1
    fi
    if [[ -n "$_jimo_cluster_dir" ]]; then
        cluster_save "$_jimo_cluster_name" || return 1
    fi
    read -r dir port pw <<<"${_jimo_cluster_saved[$name]}"
    unset "_jimo_cluster_saved[$name]"
    _jimo_cluster_dir="$dir"
    _jimo_cluster_name="$name"
    export PGHOST="$dir/socket" PGPORT="$port" PGUSER=postgres PGDATABASE=postgres
    export JIMO_CLUSTER_DIR="$dir" JIMO_CLUSTER_DATA="$dir/data" JIMO_CLUSTER_LOG="$dir/server.log"
    if [[ -n "$pw" ]]; then
        export PGPASSWORD="$pw"
    else
        unset PGPASSWORD
    fi
}

# Stop every cluster of this shell; like cluster_stop, it never fails.
cluster_stop_all() {
    local name
    cluster_stop
    for name in "${!_jimo_cluster_saved[@]}"; do
        cluster_use "$name" >/dev/null 2>&1 && cluster_stop
    done
    return 0
}
