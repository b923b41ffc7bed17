#!/usr/bin/env bash
# Build Citus 13.2.2 (AGPL-3.0, the public source tarball in test/citus/vendor/) and install
# it into the PostgreSQL of PG_CONFIG, for test/citus/run. Citus is not in Debian's archive;
# production hosts get it from Citus' own package repository instead, and nothing in the
# extension needs this script.
#
#   bash test/citus/build.sh           as root, or a user that may sudo
#
# Settings:
#   PG_CONFIG=...          which PostgreSQL (default: pg_config on PATH)
#   CITUS_SRC=PATH         build from this Citus source tree or tarball instead of the vendored one
#   JIMO_CITUS_CACHE=DIR   where builds are kept between runs (default /var/cache/jimo-citus),
#                          outside the clone so that a fresh clone (CI) reuses them
#   FORCE=1                rebuild and reinstall even when this version is installed
#
# Exits 0 at once when citus.so and a 13.2 control file are already installed. The build is
# kept per PostgreSQL (its pg_config and version), so a later run only reinstalls.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ver=13.2.2
pg_config="${PG_CONFIG:-pg_config}"
pkglib="$("$pg_config" --pkglibdir)"
sharedir="$("$pg_config" --sharedir)"

if [[ -z "${FORCE:-}" && -f "$pkglib/citus.so" ]] &&
    grep -q "default_version = '13.2" "$sharedir/extension/citus.control" 2>/dev/null; then
    echo "citus: $ver already installed in $pkglib"
    exit 0
fi

if ((EUID == 0)); then
    sudo=()
else
    sudo=(sudo)
fi

# Citus links Kerberos (through libpq's GSSAPI), lz4 and zstd (columnar compression).
major="$("$pg_config" --version | sed -E 's/^PostgreSQL ([0-9]+).*/\1/')"
need=()
for p in build-essential libkrb5-dev liblz4-dev libzstd-dev "postgresql-server-dev-$major"; do
    if [[ "$(dpkg-query -W -f '${Status}' "$p" 2>/dev/null)" != "install ok installed" ]]; then
        need+=("$p")
    fi
done
if ((${#need[@]})); then
    echo "citus: installing build dependencies: ${need[*]}"
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${need[@]}" >/dev/null
fi

src_in="${CITUS_SRC:-$here/vendor/citus-$ver.tar.gz}"
if [[ ! -e "$src_in" ]]; then
    echo "citus: no source at $src_in (CITUS_SRC)" >&2
    exit 1
fi

# One build per PostgreSQL and source: objects compiled against one server's headers must
# not be installed into another's. A tarball is known by its contents, so that every clone
# (CI's are fresh ones) finds the same build; a source tree by its path.
if [[ -d "$src_in" ]]; then
    src_id="$(cd "$src_in" && pwd)"
else
    src_id="$(sha256sum <"$src_in")"
fi
key="$(printf '%s\n%s\n%s\n' "$("$pg_config" --version)" "$pkglib" "$src_id" | sha256sum | cut -c1-12)"
cache="${JIMO_CITUS_CACHE:-/var/cache/jimo-citus}"
"${sudo[@]}" mkdir -p "$cache"
"${sudo[@]}" chown "$(id -u):$(id -g)" "$cache"
build="$cache/citus-$ver-$key"

if [[ ! -f "$build/.built" ]]; then
    rm -rf "$build"
    mkdir -p "$build"
    if [[ -d "$src_in" ]]; then
        # Never build inside the caller's tree: copy it.
        cp -a "$src_in/." "$build/"
    else
        tar -xzf "$src_in" -C "$build" --strip-components=1
    fi
    # PostgreSQL 15.14+ declares have_createdb_privilege() extern in commands/dbcommands.h,
    # and Citus' compatibility header defines a static inline function of the same name for
    # PostgreSQL < 16: rename Citus' copy so that both can be seen in one unit. Applied once
    # (the #define is its mark), so a source tree that already has it is left alone.
    if ! grep -q 'define have_createdb_privilege citus_have_createdb_privilege' \
        "$build/src/include/pg_version_compat.h"; then
        perl -0pi -e 's/^static inline bool\nhave_createdb_privilege\(void\)\n/#define have_createdb_privilege citus_have_createdb_privilege\n$&/m' \
            "$build/src/include/pg_version_compat.h"
    fi
    start=$SECONDS
    echo "citus: building $ver in $build (several minutes on 2 cores)"
    (cd "$build" && ./configure PG_CONFIG="$pg_config" --without-libcurl >configure.log 2>&1 &&
        make -s -j"$(nproc)" >make.log 2>&1) || {
        echo "citus: build failed; last lines of $build/configure.log and make.log:" >&2
        tail -n 20 "$build/configure.log" "$build/make.log" >&2 || true
        exit 1
    }
    touch "$build/.built"
    echo "citus: built in $((SECONDS - start)) s"
fi

(cd "$build" && "${sudo[@]}" make -s install PG_CONFIG="$pg_config" >install.log 2>&1) || {
    echo "citus: make install failed; see $build/install.log" >&2
    exit 1
}
echo "citus: $ver installed into $pkglib"
