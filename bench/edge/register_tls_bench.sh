#!/usr/bin/env bash
# Authenticated registrations per second over TLS (REGISTER, 401, REGISTER, 200) against
# imsguard's TLS listener and against Kamailio's tls module, with the same 10,000 subscribers,
# in the same run, one after the other. The TLS twin of register_bench.sh (same structure and
# RESULT format). Debian's sipp has no TLS, so sipp speaks TCP (-t t1: one connection per
# sipp) to a local stunnel client that verifies the server certificate and does the TLS:
#   sipp -t t1 --TCP--> stunnel 127.0.0.1:STUNNEL_PORT --TLS 1.2+--> server
# NCONN="1 4": one TLS connection, then 4 (4 sipp, -l LIMIT/4 each, one stunnel).
# stunnel's CPU belongs to the load generator and is printed apart. Loopback only; every
# sipp is bounded by -timeout and timeout(1); processes started here are stopped by PID.
#
# Usage: bench/edge/register_tls_bench.sh     (DURATION=20 LIMIT=100 USERS=10000 NCONN="1 4")
#        IMSGUARD_BIN=build/bench/imsguard bench/edge/register_tls_bench.sh   (another release build)
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
DURATION=${DURATION:-20}
LIMIT=${LIMIT:-100}
USERS=${USERS:-10000}
NCONN=${NCONN:-"1 4"}
IG_TLS_PORT=${IG_TLS_PORT:-15163} KAM_TLS_PORT=${KAM_TLS_PORT:-15161} KAM_UDP_PORT=${KAM_UDP_PORT:-15160}
STUNNEL_PORT=${STUNNEL_PORT:-15171}
work=/tmp/imsguard-kam-tls
mkdir -p "$work"
source bench/lib.sh
trap bench_cleanup EXIT

IMSGUARD_BIN=${IMSGUARD_BIN:-build/release/imsguard}
[ -x "$IMSGUARD_BIN" ] || scripts/build.sh release >/dev/null
for c in kamailio stunnel4 sipp openssl; do command -v $c >/dev/null || { echo "$c missing: run scripts/install-deps.sh" >&2; exit 2; }; done
[ -e /usr/lib/x86_64-linux-gnu/kamailio/modules/tls.so ] || ls /usr/lib/*/kamailio/modules/tls.so >/dev/null 2>&1 ||
  { echo "kamailio-tls-modules missing: run scripts/install-deps.sh" >&2; exit 2; }

# --- subscribers: user0000..userNNNN, password pw-userNNNN, realm ims.local (bench/lib.sh)
bench_subscribers "$work" "$USERS"
csv=$work/sipp-users.csv

wait_port() { for _ in $(seq 50); do ss -Hltn "sport = :$1" | grep -q . && return 0; sleep 0.1; done; return 1; }

# --- stunnel client in front of sipp: verifies the server chain against CAfile
start_stunnel() {  # name server_port cafile -> sets st
  cat > "$work/stunnel-$1.conf" <<EOF
foreground = yes
pid =
debug = 6
output = $work/stunnel-$1.log
[sip-tls]
client = yes
accept = 127.0.0.1:$STUNNEL_PORT
connect = 127.0.0.1:$2
CAfile = $3
verifyChain = yes
sslVersionMin = TLSv1.2
EOF
  rm -f "$work/stunnel-$1.log"
  stunnel4 "$work/stunnel-$1.conf" > "$work/stunnel-$1.stdout" 2>&1 &
  st=$!; bench_track "$st"
  wait_port "$STUNNEL_PORT" || { echo "stunnel did not listen (see $work/stunnel-$1.log)" >&2; exit 1; }
}

# --- n sipp -t t1 closed loops through stunnel: prints "rate p50 p99 failed retrans samples"
run_sipp() {  # name n
  local name=$1 n=$2 out=$work/sipp-$1-$2 j
  rm -rf "$out"; mkdir -p "$out"
  local sp=()
  for ((j = 0; j < n; j++)); do
    (cd "$out" && exec timeout $((DURATION + 30)) sipp -sf "$root/bench/sipp/register_auth_tls.xml" -auth_uri ims.local -inf "$csv" \
        "127.0.0.1:$STUNNEL_PORT" -t t1 -i 127.0.0.1 -p $((16100 + j)) -r 50000 -l $((LIMIT / n)) -timeout "${DURATION}s" -nostdin \
        -trace_stat -stf "stat-$j.csv" -fd 1 -trace_rtt -rtt_freq 1 -max_socket 1024 \
        -watchdog_minor_maxtriggers 1000 -watchdog_major_maxtriggers 100 > "screen-$j.txt" 2>&1) &
    sp+=($!); bench_track "$!"
  done
  for p in "${sp[@]}"; do wait "$p" || true; done
  sipp_summary "$DURATION" "$out"
}

measure() {  # name server_pid cafile server_tls_port -> RESULT lines, sets rate_<name>_<n>
  local name=$1 sp=$2 ca=$3 port=$4 n
  start_stunnel "$name" "$port" "$ca"
  for n in $NCONN; do
    local c0 s0; c0=$(cpu_tree "$sp"); s0=$(cpu_tree "$st")
    read -r rate p50 p99 failed retrans samples < <(run_sipp "$name" "$n")
    local cpu; cpu=$(cpu_percent $(($(cpu_tree "$sp") - c0)) "$DURATION")
    local scpu; scpu=$(cpu_percent $(($(cpu_tree "$st") - s0)) "$DURATION")
    local neg; neg=$(grep -oE 'TLSv1\.[23] ciphersuite: [A-Za-z0-9_-]+' "$work/stunnel-$name.log" | head -1 | tr ' ' '_' || true)
    echo "RESULT $name register_auth_tls conns=$n regs_per_s=$rate p50_ms=$p50 p99_ms=$p99 failed=$failed retrans=$retrans cpu=${cpu}% stunnel_cpu=${scpu}% samples=$samples tls=${neg:-unknown}"
    eval "rate_${name}_$n=$rate"
  done
  kill "$st"; wait "$st" 2>/dev/null || true
}

bench_host

# --- imsguard: TLS listener, certificate from `imsguard run` (data_dir/pki, private CA)
bench_imsguard "$work" "$IMSGUARD_BIN" tls $IG_TLS_PORT
"$IMSGUARD_BIN" run --config "$work/imsguard.yaml" > "$work/imsguard.log" 2>&1 &
ig=$!; bench_track "$ig"
wait_port "$IG_TLS_PORT" || { echo "imsguard did not listen on TLS $IG_TLS_PORT (see $work/imsguard.log)" >&2; exit 1; }
[ -s "$work/imsguard-data/pki/ca.crt" ] || { echo "no $work/imsguard-data/pki/ca.crt" >&2; exit 1; }
measure imsguard "$ig" "$work/imsguard-data/pki/ca.crt" "$IG_TLS_PORT"
kill "$ig"; wait "$ig" 2>/dev/null || true
echo "  load: $(uptime | sed 's/.*load/load/')"

# --- Kamailio: tls module, self-signed certificate for 127.0.0.1
if [ ! -s "$work/kam.crt" ]; then
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/kam.key" -out "$work/kam.crt" -days 30 \
    -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1,DNS:ims.local" >/dev/null 2>&1
fi
cat > "$work/tls.cfg" <<EOF
[server:default]
method = TLSv1.2+
verify_certificate = no
require_certificate = no
certificate = $work/kam.crt
private_key = $work/kam.key
EOF
sed -e "s|!BENCH_PORT!15060!|!BENCH_PORT!$KAM_UDP_PORT!|" -e "s|!BENCH_TLS_PORT!15061!|!BENCH_TLS_PORT!$KAM_TLS_PORT!|" \
    -e "s|!BENCH_TLS_CFG!/tmp/imsguard-kam/tls.cfg!|!BENCH_TLS_CFG!$work/tls.cfg!|" \
    -e "s|!BENCH_DB!sqlite:////tmp/imsguard-kam/subscribers.sqlite!|!BENCH_DB!sqlite:///$work/subscribers.sqlite!|" \
    bench/edge/kamailio-register-tls.cfg > "$work/kamailio.cfg"
kamailio -f "$work/kamailio.cfg" -DD -E -w "$work" > "$work/kamailio.log" 2>&1 &
km=$!; bench_track "$km"
wait_port "$KAM_TLS_PORT" || { echo "kamailio did not listen on TLS $KAM_TLS_PORT (see $work/kamailio.log)" >&2; exit 1; }
sleep 1
measure kamailio "$km" "$work/kam.crt" "$KAM_TLS_PORT"
kill "$km"; wait "$km" 2>/dev/null || true
echo "  load: $(uptime | sed 's/.*load/load/')"

for n in $NCONN; do
  eval "a=\$rate_imsguard_$n b=\$rate_kamailio_$n"
  python3 -c "print('RATIO imsguard/kamailio conns=$n regs_per_s=%.2f' % ($a / max(1, $b)))"
done
