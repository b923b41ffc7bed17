#!/usr/bin/env bash
# Install the Debian packages that building and testing jimo_webhooks needs,
# but only those that are missing: on a machine that has everything this is a
# handful of dpkg-query calls and prints nothing.
#
# Usage: bash test/lib/deps.sh           everything the test suite needs
#   bash test/lib/deps.sh --run           only what building and running needs
#                                         (src/receiver/run: no browser, no packaging)
#   PG_MAJOR=16 bash test/lib/deps.sh   build against another PostgreSQL major
#
# Runs as root, or as a user that may use sudo (only asked for when something
# has to be installed).
set -euo pipefail

# Build against the PostgreSQL that is already there (the newest installed
# server, the one /usr/bin/pg_config points at), so that a machine with 16 is
# not given a second server; 15 is Debian 12's own.
pg_major() {
    if [[ -n "${PG_MAJOR:-}" ]]; then
        echo "$PG_MAJOR"
        return
    fi
    local newest="" bin major
    for bin in /usr/lib/postgresql/*/bin/postgres; do
        [[ -x "$bin" ]] || continue
        major="${bin#/usr/lib/postgresql/}"
        major="${major%%/*}"
        if [[ -z "$newest" ]] || ((major > newest)); then
            newest="$major"
        fi
    done
    echo "${newest:-15}"
}

major="$(pg_major)"
if ! [[ "$major" =~ ^[0-9]+$ ]]; then
    echo "deps: PG_MAJOR must be a PostgreSQL major version like 15, got \"$major\"" >&2
    exit 2
fi

wanted=(
    build-essential                       # gcc, make, libc headers for PGXS
    pkg-config                            # how C builds find libmicrohttpd
    "postgresql-$major"                   # the server the tests run against
    "postgresql-server-dev-$major"        # PGXS, pg_config, server headers
    "postgresql-$major-pgtap"             # the pgtap extension
    libtap-parser-sourcehandler-pgtap-perl # pg_prove
    libmicrohttpd-dev                     # the receiver's HTTP server
    libpq-dev                             # the receiver's database client
    libgnutls28-dev                       # the receiver's TLS certificates (tls.c)
    curl                                  # receiver tests post with it
    openssl                               # receiver TLS tests make certificates with it
    wrk                                   # receiver benchmarks
    python3                               # generators and test helpers
)
# Only the test suite needs these: `bash src/receiver/run` should not pull a browser.
test_only=(
    chromium                              # renders jimo-report's page in its test
    dpkg-dev                              # make deb: dpkg-buildpackage
    debhelper                             # make deb: dh
    postgresql-server-dev-all             # make deb: pg_buildext, dh --with pgxs_loop
    fakeroot                              # make deb as a non-root user
    help2man                              # make deb: jimo-receiver's manual page
    lintian                               # test/integration/packages.sh checks the packages
    systemd                               # systemd-analyze verify/security on the unit
)

case "${1:-}" in
--run) ;;
"") wanted+=("${test_only[@]}") ;;
*)
    echo "deps: usage: bash test/lib/deps.sh [--run]" >&2
    exit 2
    ;;
esac

missing=()
for pkg in "${wanted[@]}"; do
    # "install ok installed" is the only state in which the files are really
    # there; "deinstall ok config-files" and friends mean they are not.
    status="$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)"
    if [[ "$status" != "install ok installed" ]]; then
        missing+=("$pkg")
    fi
done

if ((${#missing[@]} == 0)); then
    exit 0
fi

if ((EUID == 0)); then
    as_root=()
elif command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
else
    echo "deps: missing packages: ${missing[*]}" >&2
    echo "deps: not root and sudo is not installed; install them as root and run again" >&2
    exit 1
fi

echo "deps: installing: ${missing[*]}"
# sudo drops the environment by default, so pass the frontend explicitly.
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -qq update
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends "${missing[@]}"
echo "deps: installed ${#missing[@]} package(s)"
