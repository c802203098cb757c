#!/usr/bin/env bash
# Installs every Debian package imsguard needs to build, test and benchmark.
# Idempotent: packages already present are skipped by apt. Run as root.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps.sh: run as root (apt-get needs it)" >&2
  exit 2
fi

export DEBIAN_FRONTEND=noninteractive

packages=(
  # toolchain
  build-essential cmake ninja-build pkg-config clang libclang-rt-14-dev git
  # libraries the product links
  libssl-dev libsrtp2-dev libsqlite3-dev sqlite3 libhiredis-dev libasio-dev
  libyaml-cpp-dev nlohmann-json3-dev libspdlog-dev libfmt-dev libcli11-dev
  libcpp-httplib-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev libosip2-dev libsofia-sip-ua-dev
  # real peers for end-to-end tests and side-by-side benchmarks
  sip-tester sipvicious redis-server baresip kamailio kamailio-sqlite-modules
  kamailio-tls-modules stunnel4 tshark openssl iproute2 procps python3 linphone-cli
  # HTML report check and SARIF schema validation (TVRA)
  chromium python3-jsonschema
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-deps.sh: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps.sh: installing ${missing[*]}"
apt-get update
# Packaged daemons (redis, kamailio) must not start as system services: tests start
# their own instances on loopback and stop them by PID.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' > "$policy"
  chmod +x "$policy"
  created_policy=1
fi
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
apt-get install -y --no-install-recommends "${missing[@]}"
if [ "$created_policy" -eq 1 ]; then rm -f "$policy"; fi
echo "install-deps.sh: done"
