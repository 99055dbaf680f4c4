#!/usr/bin/env bash
# Builds artifacts/deb/hookrelay_VERSION_amd64.deb from the published binaries
# (artifacts/publish/hookrelay, `make publish`) and packaging/, then runs lintian on it.
# Layout: the executables in /usr/lib/hookrelay (the kafka sink's librdkafka is found beside
# them), /usr/bin/hookrelay and /usr/bin/hookrelay-hook linking there; the commented
# configuration as a conffile; the systemd unit; man pages, copyright, changelog, the schema.
# Usage: scripts/build-deb.sh [publish dir]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
publish=$(readlink -f "${1:-$root/artifacts/publish/hookrelay}")
out=$root/artifacts/deb
pkg=$root/packaging/deb
for tool in dpkg-deb dpkg-shlibdeps lintian gzip; do
  command -v "$tool" >/dev/null || { echo "build-deb: $tool is missing (scripts/install-deps.sh installs it)" >&2; exit 1; }
done
[ -x "$publish/hookrelay" ] && [ -x "$publish/hookrelay-hook" ] || { echo "build-deb: no published binaries in $publish (make publish)" >&2; exit 1; }
# Debian versions may not hold '+' build metadata in this place: the commit goes into the changelog.
info=$("$publish/hookrelay" version --json --config /nonexistent 2>/dev/null || true)
version=$(printf '%s' "$info" | python3 -c 'import json,sys; print(json.load(sys.stdin)["version"])')
commit=$(printf '%s' "$info" | python3 -c 'import json,sys; print(json.load(sys.stdin)["commit"])')
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
stage=$work/hookrelay
install -d "$stage/DEBIAN" "$stage/usr/lib/hookrelay" "$stage/usr/bin" "$stage/etc/hookrelay" "$stage/lib/systemd/system" \
  "$stage/usr/share/doc/hookrelay" "$stage/usr/share/man/man1"
install -m 0755 "$publish/hookrelay" "$publish/hookrelay-hook" "$stage/usr/lib/hookrelay/"
install -m 0644 "$publish/centos8-librdkafka.so" "$stage/usr/lib/hookrelay/"
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$stage/usr/lib/hookrelay/centos8-librdkafka.so"
install -d "$stage/usr/share/lintian/overrides"
install -m 0644 "$pkg/lintian-overrides" "$stage/usr/share/lintian/overrides/hookrelay"
ln -s ../lib/hookrelay/hookrelay "$stage/usr/bin/hookrelay"
ln -s ../lib/hookrelay/hookrelay-hook "$stage/usr/bin/hookrelay-hook"
install -m 0644 "$pkg/hookrelay.yaml" "$stage/etc/hookrelay/hookrelay.yaml"
sed 's#^ExecStart=/usr/local/sbin/hookrelay #ExecStart=/usr/bin/hookrelay #' "$root/packaging/hookrelay.service" >"$stage/lib/systemd/system/hookrelay.service"
chmod 0644 "$stage/lib/systemd/system/hookrelay.service"
install -m 0644 "$pkg/copyright" "$stage/usr/share/doc/hookrelay/copyright"
install -m 0644 "$root/schema/hookrelay.schema.json" "$stage/usr/share/doc/hookrelay/hookrelay.schema.json"
# A native package (no Debian revision): its changelog is changelog.gz.
sed "s/@VERSION@/$version/; s/@COMMIT@/$commit/" "$pkg/changelog" | gzip -9n >"$stage/usr/share/doc/hookrelay/changelog.gz"
for page in hookrelay.1 hookrelay-hook.1; do
  sed "s/@VERSION@/$version/" "$pkg/$page" | gzip -9n >"$stage/usr/share/man/man1/$page.gz"
done
chmod 0644 "$stage/usr/share/doc/hookrelay/changelog.gz" "$stage/usr/share/man/man1/"*.gz
install -m 0755 "$pkg/postinst" "$pkg/prerm" "$pkg/postrm" "$stage/DEBIAN/"
install -m 0644 "$pkg/conffiles" "$stage/DEBIAN/conffiles"
# The libraries the executables load, as Debian's own tools work them out.
mkdir -p "$work/debian"; printf 'Source: hookrelay\n\nPackage: hookrelay\nArchitecture: amd64\n' >"$work/debian/control"
depends=$(cd "$work" && dpkg-shlibdeps -O -e"$stage/usr/lib/hookrelay/hookrelay" -e"$stage/usr/lib/hookrelay/hookrelay-hook" \
  -e"$stage/usr/lib/hookrelay/centos8-librdkafka.so" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
# OpenSSL is loaded at run time by .NET (TLS, hashes), so no NEEDED entry names it.
depends="$depends, libssl3, init-system-helpers (>= 1.54~)"
size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
sed "s/@VERSION@/$version/; s/@SIZE@/$size/; s/@DEPENDS@/$depends/" "$pkg/control.in" >"$stage/DEBIAN/control"
(cd "$stage" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum) >"$stage/DEBIAN/md5sums"
chmod 0644 "$stage/DEBIAN/md5sums" "$stage/DEBIAN/control"
mkdir -p "$out"
deb=$out/hookrelay_${version}_amd64.deb
dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >/dev/null
echo "built $deb ($(du -h "$deb" | cut -f1)); lintian:"
lintian --fail-on error,warning --tag-display-limit 0 "$deb"
echo "lintian: no errors, no warnings"
