#!/usr/bin/env bash
# The Debian packages, built and installed into this machine: `make deb` (debhelper +
# pg_buildext, which also runs pg_regress against the packaged files), lintian with no
# errors, then both packages installed with apt-get, and checked:
#   - postgresql-15-jimo-webhooks: its files are at the paths PostgreSQL loads (pg_config)
#     with the package's checksums (dpkg --verify), CREATE EXTENSION works in a fresh
#     database, and the backend has exactly that jimo_webhooks.so mapped;
#   - jimo-receiver: `jimo-receiver --version` from PATH, the system user, the secret
#     (0600, owned by that user, made at install, kept on reinstall, removed on purge with
#     the conffile), the conffile handling, the unit (systemd-analyze verify, security
#     score), and the installed receiver running as its user with the installed settings.
# postinst must work without a running systemd (CI has none). Needs root or sudo; skipped
# otherwise. The extension package stays installed (its files are the ones `make install`
# put there, rebuilt from the same tree), and so does jimo-receiver. TAP output.
# shellcheck source=test/receiver/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../receiver/lib.sh"

cd "$RECV_ROOT" || exit 1
if ((EUID == 0)); then
    as_root=()
elif sudo -n true 2>/dev/null; then
    as_root=(sudo -n)
else
    echo "1..0 # SKIP installing packages needs root or sudo"
    exit 0
fi
apt_() { "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -y -q "$@"; }
dpkg_() { "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive dpkg "$@"; }
W="$RECV_WORK"
version="$(sed -nE "s/^default_version *= *'([^']+)'.*/\1/p" jimo_webhooks.control)"
pg_config="${PG_CONFIG:-pg_config}"
major="$("$pg_config" --version | sed -E 's/^PostgreSQL ([0-9]+).*/\1/')"
ext_pkg="postgresql-$major-jimo-webhooks"
out=build/deb

# --- build ------------------------------------------------------------------------------
t0=$SECONDS
if make deb >"$W/make-deb.log" 2>&1; then
    ok 0 "make deb ($((SECONDS - t0)) s)"
else
    ok 1 "make deb"
    tail -n 40 "$W/make-deb.log" | sed 's/^/#   /'
    done_testing
fi
ext_deb="$out/${ext_pkg}_${version}_$(dpkg --print-architecture).deb"
recv_deb="$out/jimo-receiver_${version}_$(dpkg --print-architecture).deb"
check "it made $ext_deb" test -f "$ext_deb"
check "and $recv_deb (version $version = default_version of jimo_webhooks.control)" test -f "$recv_deb"
check "the packaged regression run passed (dh_pgxs_test)" grep -q "All [0-9]* tests passed" "$W/make-deb.log"

lintian --display-info --pedantic "$ext_deb" "$recv_deb" >"$W/lintian.log" 2>&1
lintian_status=$?
sed 's/^/# lintian: /' "$W/lintian.log"
is "$(grep -c '^E:' "$W/lintian.log")" 0 "lintian: no errors (exit status $lintian_status; warnings and notes above)"

# --- install ------------------------------------------------------------------------------
# jimo-receiver is purged first, so that this is a first installation (secret made anew).
if dpkg-query -W -f='${Status}' jimo-receiver 2>/dev/null | grep -q installed; then
    dpkg_ --purge jimo-receiver >"$W/purge0.log" 2>&1
fi
if apt_ install --reinstall "./$ext_deb" "./$recv_deb" >"$W/install.log" 2>&1; then
    ok 0 "apt-get install of both packages (postinst without a running systemd)"
else
    ok 1 "apt-get install of both packages"
    tail -n 30 "$W/install.log" | sed 's/^/#   /'
    done_testing
fi
for p in "$ext_pkg" jimo-receiver; do
    is "$(dpkg-query -W -f='${Status} ${Version}' "$p")" "install ok installed $version" "$p $version is installed"
done

# --- the extension package ----------------------------------------------------------------
so="$("$pg_config" --pkglibdir)/jimo_webhooks.so"
ext_dir="$("$pg_config" --sharedir)/extension"
dpkg -L "$ext_pkg" >"$W/ext.list"
check "the package holds $so (pg_config --pkglibdir)" grep -qx "$so" "$W/ext.list"
want_files=("$ext_dir/jimo_webhooks.control" "$ext_dir/jimo_webhooks--$version.sql")
for f in sql/jimo_webhooks--*--*.sql; do want_files+=("$ext_dir/$(basename "$f")"); done
missing=()
for f in "${want_files[@]}"; do grep -qx "$f" "$W/ext.list" || missing+=("$f"); done
is "${missing[*]}" "" "and, in pg_config --sharedir, the control file, the install script and every upgrade script"
check "no receiver in the extension package" bash -c "! grep -q 'bin/jimo-receiver$' '$W/ext.list'"
verify="$(dpkg --verify "$ext_pkg" 2>&1)"
is "$verify" "" "dpkg --verify: every file on disk has the package's checksum"
check "the installed .so is byte for byte the one in the .deb" \
    cmp -s "$so" <(dpkg-deb --fsys-tarfile "$ext_deb" | tar -xOf - ".$so")

cluster_db=jimo_pkg_test
psql_ -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $cluster_db" \
    -c "CREATE DATABASE $cluster_db"
is "$(psql_ -d "$cluster_db" -c "SET client_min_messages = warning" -c "CREATE EXTENSION jimo_webhooks" \
    -c "SELECT extversion FROM pg_extension WHERE extname = 'jimo_webhooks'")" "$version" \
    "CREATE EXTENSION jimo_webhooks in a fresh database: version $version"
is "$(psql_ -d "$cluster_db" -c "SELECT status FROM jimo.receive('{\"event\":\"hint.seen\",\"version\":\"0\",\"time\":1740133700001}')")" \
    stored "jimo.receive stores an event"
# Which file does the server really run? A backend that has called into the library has
# it mapped: its path and inode must be those of the packaged file.
psql_ -d "$cluster_db" -c "SELECT count(*) FROM jimo.receive('{\"event\":\"hint.seen\",\"version\":\"0\",\"time\":1740133700002}')" \
    -c "SELECT pg_sleep(30)" >/dev/null 2>&1 &
sleeper=$!
backend=""
for ((i = 0; i < 50; i++)); do
    backend="$(psql_ -d postgres -c "SELECT pid FROM pg_stat_activity WHERE datname = '$cluster_db' AND query = 'SELECT pg_sleep(30)'")"
    [[ -n "$backend" ]] && break
    sleep 0.1
done
mapped="$("${as_root[@]}" grep -m1 'jimo_webhooks\.so' "/proc/$backend/maps" 2>/dev/null | awk '{print $5, $6}')"
is "$mapped" "$(stat -c %i "$so") $so" "the backend has $so mapped, the packaged file's inode"
psql_ -d postgres -c "SELECT pg_terminate_backend($backend)" >/dev/null 2>&1
wait "$sleeper" 2>/dev/null
psql_ -d postgres -c "DROP DATABASE IF EXISTS $cluster_db" >/dev/null

# --- the receiver package -----------------------------------------------------------------
is "$(command -v jimo-receiver)" /usr/bin/jimo-receiver "jimo-receiver is on PATH, in /usr/bin"
is "$(jimo-receiver --version)" "jimo-receiver $version" "jimo-receiver --version"
check "with a manual page" test -f /usr/share/man/man1/jimo-receiver.1.gz
IFS=: read -r _ _ uid _ _ home shell < <(getent passwd jimo-receiver)
check "the system user jimo-receiver exists (uid $uid < 1000, home $home, shell $shell)" \
    test -n "$uid" -a "${uid:-1000}" -lt 1000 -a "$home" = /nonexistent -a "$shell" = /usr/sbin/nologin
check "and its group" bash -c 'getent group jimo-receiver >/dev/null'
secret=/etc/jimo-receiver/secret
is "$(stat -c '%a %U %G' "$secret" 2>&1)" "600 jimo-receiver jimo-receiver" "$secret: 0600, owned by jimo-receiver"
check "it holds a fresh secret usable in a URL (48 hex digits)" grep -qxE '[0-9a-f]{48}' "$secret"
check "it is not part of the package (made by postinst)" bash -c "! dpkg -L jimo-receiver | grep -qx '$secret'"
is "$(dpkg-query -W -f='${Conffiles}' jimo-receiver | awk 'NF {print $1}' | paste -sd' ')" \
    /etc/jimo-receiver/jimo-receiver.conf "the conffile is /etc/jimo-receiver/jimo-receiver.conf"

unit=/lib/systemd/system/jimo-receiver.service
check "the unit is installed at $unit" test -f "$unit"
if systemd-analyze verify "$unit" >"$W/verify.log" 2>&1; then
    ok 0 "systemd-analyze verify $unit"
else
    ok 1 "systemd-analyze verify $unit"
    sed 's/^/#   /' "$W/verify.log"
fi
systemd-analyze security --offline=true "$unit" >"$W/security.log" 2>&1
exposure="$(sed -nE 's/.*Overall exposure level for jimo-receiver.service: ([0-9.]+).*/\1/p' "$W/security.log")"
echo "# systemd-analyze security --offline=true: exposure $exposure"
grep '✗' "$W/security.log" | sed -E 's/ +/ /g; s/^/#   /'
check "systemd-analyze security: exposure $exposure, at most 2.0 (0 = locked down, 10 = exposed)" \
    awk -v e="$exposure" 'BEGIN {exit !(e != "" && e <= 2.0)}'
check "the unit starts the receiver as jimo-receiver, Type=notify, with the conffile" \
    grep -qzE 'Type=notify.*User=jimo-receiver.*EnvironmentFile=/etc/jimo-receiver/jimo-receiver.conf.*ExecStart=/usr/bin/jimo-receiver' "$unit"
check "not enabled at installation (it needs a database first)" \
    test ! -e /etc/systemd/system/multi-user.target.wants/jimo-receiver.service

# The installed receiver, as the service would run it: its user, the conffile's settings
# (EnvironmentFile syntax: NAME=value lines). No database here (the unit's default DSN
# points at a local server CI does not run), so a delivery with the secret gets 503 and
# one without gets 401: the secret file was read by that user.
mapfile -t envs < <(grep -E '^[A-Z_]+=' /etc/jimo-receiver/jimo-receiver.conf)
port="$(free_port)"
ops="$(free_port)"
while [[ "$ops" == "$port" ]]; do ops="$(free_port)"; done
# setpriv execs the receiver itself (runuser would stay as its parent and answer SIGTERM)
"${as_root[@]}" setpriv --reuid=jimo-receiver --regid=jimo-receiver --init-groups \
    env -i PATH=/usr/bin:/bin "${envs[@]}" \
    JIMO_RECEIVER_DSN="host=/nonexistent connect_timeout=2" \
    /usr/bin/jimo-receiver --listen "127.0.0.1:$port" --ops-listen "127.0.0.1:$ops" >"$W/pkg-recv.log" 2>&1 &
pkg_recv=$!
for ((i = 0; i < 50; i++)); do
    curl -s -o /dev/null "http://127.0.0.1:$ops/healthz" && break
    sleep 0.1
done
is "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$ops/healthz")" 200 \
    "the installed receiver runs as jimo-receiver with the installed settings"
is "$(curl -s -o /dev/null -w '%{http_code}' -X POST --data-binary '{}' \
    "http://127.0.0.1:$port/webhooks/jimo/$(cat "$secret")")" 503 \
    "a delivery with the installed secret passes authentication (503: no database here)"
is "$(curl -s -o /dev/null -w '%{http_code}' -X POST --data-binary '{}' \
    "http://127.0.0.1:$port/webhooks/jimo/wrong-secret-wrong-secret")" 401 "a wrong secret gets 401"
"${as_root[@]}" kill -TERM "$pkg_recv" 2>/dev/null
wait "$pkg_recv"
is "$?" 0 "it stops on SIGTERM with exit status 0"

# --- reinstall: the secret and a changed conffile stay ------------------------------------
before="$(stat -c '%a %U %G %Y' "$secret") $(sha256sum <"$secret")"
"${as_root[@]}" sh -c 'echo "# changed here" >> /etc/jimo-receiver/jimo-receiver.conf'
if dpkg_ -i "$recv_deb" >"$W/reinstall.log" 2>&1 && apt_ install --reinstall "./$recv_deb" >>"$W/reinstall.log" 2>&1; then
    ok 0 "reinstalling jimo-receiver (dpkg -i, apt-get install --reinstall)"
else
    ok 1 "reinstalling jimo-receiver"
    tail -n 20 "$W/reinstall.log" | sed 's/^/#   /'
fi
is "$(stat -c '%a %U %G %Y' "$secret") $(sha256sum <"$secret")" "$before" \
    "the secret is untouched: same content, mode, owner and mtime"
check "the local change to the conffile is kept" grep -qx "# changed here" /etc/jimo-receiver/jimo-receiver.conf

# --- purge: the secret and the conffile go, the user stays; a new install makes a new secret
old_secret="$(cat "$secret")"
dpkg_ --purge jimo-receiver >"$W/purge.log" 2>&1
ok $? "dpkg --purge jimo-receiver"
check "purge removed /etc/jimo-receiver (conffile and secret)" test ! -e /etc/jimo-receiver
check "and kept the system user" bash -c 'getent passwd jimo-receiver >/dev/null'
if dpkg_ -i "$recv_deb" >"$W/install2.log" 2>&1; then
    ok 0 "installing it again"
else
    ok 1 "installing it again"
    tail -n 20 "$W/install2.log" | sed 's/^/#   /'
fi
check "with a new secret, 0600 jimo-receiver" \
    test "$(stat -c '%a %U' "$secret" 2>&1)" = "600 jimo-receiver" -a "$(cat "$secret" 2>&1)" != "$old_secret"
echo "# $((SECONDS - t0)) s in all"
done_testing
