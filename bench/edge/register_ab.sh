#!/usr/bin/env bash
# Two imsguard builds side by side: authenticated registrations per second and CPU per
# registration of build A and build B in the same run, in alternating rounds, with the same
# 10,000 subscribers and the same sipp load as register_bench.sh. It answers "does this change
# cost anything?" without a third server in the comparison: both servers run for the whole
# run, so whatever the host does falls on both alike. Everything runs on 127.0.0.1 and stops
# by itself (sipp -timeout, timeout).
#
# Usage: IMSGUARD_A=/path/before IMSGUARD_B=/path/after bench/edge/register_ab.sh
#        (DURATION=10 ROUNDS=4 LIMIT=100 USERS=10000 PIN=1; B runs first in odd rounds)
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-4}
LIMIT=${LIMIT:-100}
USERS=${USERS:-10000}
source bench/lib.sh
bench_pin
: "${IMSGUARD_A:?IMSGUARD_A=<imsguard binary> is required}"
: "${IMSGUARD_B:?IMSGUARD_B=<imsguard binary> is required}"
for b in "$IMSGUARD_A" "$IMSGUARD_B"; do [ -x "$b" ] || { echo "not an executable: $b" >&2; exit 2; }; done
command -v sipp >/dev/null || { echo "sipp missing: run scripts/install-deps.sh" >&2; exit 2; }
work=/tmp/imsguard-ab
mkdir -p "$work"
trap bench_cleanup EXIT

bench_subscribers "$work" "$USERS"
csv=$work/sipp-users.csv

run_sipp() { sipp_register_round "$work/sipp-$1-$3" "$2" "$csv"; }  # name port round

# Both servers start now, each with its own data dir, configuration and port, and run to the end.
declare -A pid port
for name in a b; do
  bin=IMSGUARD_${name^^}; mkdir -p "$work/$name"
  cp "$work/imsguard.csv" "$work/$name/imsguard.csv"
  port[$name]=$([ "$name" = a ] && echo 15072 || echo 15074)
  bench_imsguard "$work/$name" "${!bin}" udp "${port[$name]}"
  ("${srv_cpu[@]}" "${!bin}" run --config "$work/$name/imsguard.yaml") > "$work/$name/imsguard.log" 2>&1 &
  pid[$name]=$!; bench_track "${pid[$name]}"
done
sleep 2

declare -A ticks=([a]=0 [b]=0)
for ((round = 0; round < ROUNDS; round++)); do
  order=(a b); [ $((round % 2)) = 1 ] && order=(b a)
  for name in "${order[@]}"; do
    c0=$(cpu_of "${pid[$name]}"); run_sipp "$name" "${port[$name]}" "$round"
    ticks[$name]=$((ticks[$name] + $(cpu_of "${pid[$name]}") - c0))
  done
done
kill "${pid[a]}" "${pid[b]}"; wait "${pid[a]}" "${pid[b]}" 2>/dev/null || true

bench_host
echo "MODE pinned=$PIN rounds=$ROUNDS of ${DURATION}s per build, alternating (A first in even rounds)"
declare -A rate
for name in a b; do
  dirs=(); for ((r = 0; r < ROUNDS; r++)); do dirs+=("$work/sipp-$name-$r"); done
  read -r rate[$name] p50 p99 failed retrans n < <(sipp_summary "$DURATION" "${dirs[@]}")
  bin=IMSGUARD_${name^^}
  echo "RESULT ${name^^} (${!bin}) regs_per_s=${rate[$name]} p50_ms=$p50 p99_ms=$p99 failed=$failed retrans=$retrans cpu=$(cpu_percent "${ticks[$name]}" $((DURATION * ROUNDS)))% cpu_us_per_reg=$(cpu_us_per "${ticks[$name]}" "${rate[$name]}" $((DURATION * ROUNDS))) samples=$n"
done
python3 -c "print('RATIO B/A regs_per_s=%.3f' % (${rate[b]} / max(1, ${rate[a]})))"
