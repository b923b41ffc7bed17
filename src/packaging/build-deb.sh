#!/usr/bin/env bash
# `make deb`: build the Debian packages postgresql-<major>-jimo-webhooks and jimo-receiver
# with Debian's own tooling (debhelper + pg_buildext), from this tree as it is on disk.
#
#   bash src/packaging/build-deb.sh [OUTDIR]       (OUTDIR defaults to build/deb)
#
# OUTDIR/src gets a copy of the sources (what git tracks plus untracked files it does not
# ignore, so no build outputs) with src/packaging/debian as its debian/; debian/changelog is
# written here with the version of jimo_webhooks.control's default_version, and
# debian/control is generated from debian/control.in by pg_buildext (one extension package
# per PostgreSQL major in debian/pgversions). Then `dpkg-buildpackage -us -uc -b` runs in
# OUTDIR/src and leaves the .deb files (and .buildinfo, .changes) in OUTDIR.
#
# Needs: dpkg-dev, debhelper, postgresql-server-dev-all (pg_buildext), help2man and the build
# dependencies in src/packaging/debian/control.in; fakeroot when not run as root.
# DEB_BUILD_OPTIONS passes through (e.g. nocheck skips the packaged-files regression run).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="${1:-build/deb}"
[[ "$out" == /* ]] || out="$root/$out"

die() {
    echo "make deb: $*" >&2
    exit 1
}
for tool in dpkg-buildpackage dh pg_buildext; do
    command -v "$tool" >/dev/null || die "$tool is missing (apt-get install dpkg-dev debhelper postgresql-server-dev-all)"
done

version="$(sed -nE "s/^default_version *= *'([^']+)'.*/\1/p" "$root/jimo_webhooks.control")"
[[ "$version" =~ ^[0-9][0-9A-Za-z.+~]*$ ]] || die "no usable default_version in jimo_webhooks.control (got \"$version\")"

rm -rf "$out"
mkdir -p "$out/src"
cd "$root"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    # tracked and untracked-but-not-ignored files that exist (a deleted file is skipped)
    git ls-files -z --cached --others --exclude-standard |
        while IFS= read -r -d '' f; do
            if [[ -f "$f" && "$f" != build/* ]]; then printf '%s\0' "$f"; fi
        done |
        tar --null -T - -cf - | tar -xf - -C "$out/src"
    commit="git commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
    if [[ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]]; then
        commit="$commit with local changes"
    fi
else
    tar --exclude=./build --exclude=./.git -cf - . | tar -xf - -C "$out/src"
    make -s -C "$out/src" clean >/dev/null 2>&1 || true
    commit="not a git checkout"
fi
rm -rf "$out/src/debian"
cp -a src/packaging/debian "$out/src/debian"

maintainer="${DEBFULLNAME:-jimo_webhooks maintainers} <${DEBEMAIL:-$(git log -1 --format=%ae 2>/dev/null || echo root@localhost)}>"
sed -i "s|@MAINTAINER@|$maintainer|" "$out/src/debian/control.in"
cat >"$out/src/debian/changelog" <<EOF
jimo-webhooks ($version) unstable; urgency=medium

  * Built by \`make deb\` from the jimo_webhooks tree:
    $commit.

 -- $maintainer  $(date -R)
EOF

cd "$out/src"
pg_buildext updatecontrol
dpkg-buildpackage -us -uc -b
cd "$out"
echo
echo "make deb: packages in $out:"
ls -1 "$out"/*.deb
