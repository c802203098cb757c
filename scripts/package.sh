#!/usr/bin/env bash
# Builds the Debian package of imsguard with the Debian tools (dpkg-shlibdeps, dpkg-deb).
# Usage: scripts/package.sh [--binary PATH] [--output DIR] [--version VERSION]
#   --binary   the imsguard binary to package (default: builds the release binary,
#              scripts/build.sh release -> build/release/imsguard)
#   --output   where the .deb goes (default: build/package)
#   --version  package version (default: the project version of CMakeLists.txt)
# The package: /usr/bin/imsguard (stripped); the systemd unit (packaging/imsguard.service)
# running as the imsguard user and group that postinst creates; the manual pages, written
# by `imsguard man` from the command help; the configuration /etc/imsguard/imsguard.yaml (the
# production profile, config/production.yaml, with its security events in
# /var/log/imsguard/events.jsonl) and /etc/logrotate.d/imsguard, both conffiles; the docs.
# Depends are computed by dpkg-shlibdeps from the libraries the binary links.
set -euo pipefail
cd "$(dirname "$0")/.."
root_dir=$(pwd)

binary=""
output="build/package"
version=$(sed -n 's/^project(imsguard VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
while [ $# -gt 0 ]; do
  case "$1" in
    --binary) binary=$2; shift 2 ;;
    --output) output=$2; shift 2 ;;
    --version) version=$2; shift 2 ;;
    *) echo "package.sh: unknown argument '$1' (--binary PATH, --output DIR, --version V)" >&2; exit 2 ;;
  esac
done
for tool in dpkg-deb dpkg-shlibdeps dpkg-architecture strip gzip; do
  command -v "$tool" >/dev/null || { echo "package.sh: $tool is missing (scripts/install-deps.sh installs it)" >&2; exit 2; }
done
if [ -z "$binary" ]; then
  scripts/build.sh release
  binary=build/release/imsguard
fi
[ -x "$binary" ] || { echo "package.sh: no executable at $binary" >&2; exit 2; }
[ -n "$version" ] || { echo "package.sh: no version (CMakeLists.txt project VERSION, or --version)" >&2; exit 2; }
arch=$(dpkg-architecture -qDEB_HOST_ARCH)

work=$(mktemp -d "${TMPDIR:-/tmp}/imsguard-package.XXXXXX")
trap 'rm -rf "$work"' EXIT
stage=$work/imsguard
mkdir -p "$stage/DEBIAN"

# The binary.
install -D -m 0755 "$binary" "$stage/usr/bin/imsguard"
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$stage/usr/bin/imsguard"

# The systemd unit (Debian 12 keeps units in /lib; usrmerge makes it /usr/lib as well).
install -D -m 0644 packaging/imsguard.service "$stage/lib/systemd/system/imsguard.service"

# The configuration: the production profile, with its security events in a file that
# logrotate rotates (the journal keeps the log lines). The substitution must have happened.
install -d -m 0755 "$stage/etc/imsguard"
sed 's|^  output: stdout .*$|  output: /var/log/imsguard/events.jsonl   # rotated by /etc/logrotate.d/imsguard|' \
  config/production.yaml >"$stage/etc/imsguard/imsguard.yaml"
grep -q '^  output: /var/log/imsguard/events.jsonl' "$stage/etc/imsguard/imsguard.yaml" ||
  { echo "package.sh: config/production.yaml has no 'events: output: stdout' line to point at /var/log/imsguard" >&2; exit 1; }
chmod 0640 "$stage/etc/imsguard/imsguard.yaml"
install -D -m 0644 packaging/imsguard.logrotate "$stage/etc/logrotate.d/imsguard"

# Manual pages from the command help, compressed as Debian policy asks (no timestamp: -n).
"$stage/usr/bin/imsguard" man "$work/man" >/dev/null
install -d -m 0755 "$stage/usr/share/man/man1"
for page in "$work"/man/*.1; do
  gzip -9n <"$page" >"$stage/usr/share/man/man1/$(basename "$page").gz"
done

# Documentation.
doc=$stage/usr/share/doc/imsguard
install -d -m 0755 "$doc"
install -m 0644 packaging/debian/copyright "$doc/copyright"
install -m 0644 README.md docs/operations.md docs/configuration.md docs/security-model.md docs/guards.md "$doc/"
install -m 0644 config/imsguard.yaml "$doc/imsguard.yaml.example"

# Control files: Depends from the libraries the binary links (dpkg-shlibdeps reads the
# shlibs of the installed library packages), sizes, checksums, maintainer scripts.
mkdir -p "$work/shlibs/debian"
printf 'Source: imsguard\n\nPackage: imsguard\nArchitecture: any\n' >"$work/shlibs/debian/control"
shlibs=$(cd "$work/shlibs" && dpkg-shlibdeps -O -e "$stage/usr/bin/imsguard" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
[ -n "$shlibs" ] || { echo "package.sh: dpkg-shlibdeps found no dependencies for $binary" >&2; exit 1; }
installed_size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
sed -e "s|@VERSION@|$version|" -e "s|@ARCH@|$arch|" -e "s|@INSTALLED_SIZE@|$installed_size|" -e "s|@SHLIBS@|$shlibs|" \
  packaging/debian/control.in >"$stage/DEBIAN/control"
install -m 0644 packaging/debian/conffiles "$stage/DEBIAN/conffiles"
for script in postinst prerm postrm; do install -m 0755 "packaging/debian/$script" "$stage/DEBIAN/$script"; done
(cd "$stage" && find . -path ./DEBIAN -prune -o -path ./etc -prune -o -type f -printf '%P\0' | sort -z |
  xargs -0 md5sum >DEBIAN/md5sums)

mkdir -p "$output"
deb="$output/imsguard_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zgzip -z6 --build "$stage" "$deb" >/dev/null
echo "package.sh: $(cd "$(dirname "$deb")" && pwd)/$(basename "$deb")"
cd "$root_dir"
