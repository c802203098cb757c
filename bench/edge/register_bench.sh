#!/usr/bin/env bash
# Authenticated registrations per second (REGISTER, 401, REGISTER, 200) driven by sipp over
# UDP on loopback, against imsguard and against Kamailio with the same 10,000 subscribers, in
# the same run, in alternating rounds on the same machine. Prints a RESULT line per server and
# the ratio. Everything runs on 127.0.0.1 and stops by itself (sipp -m / timeout).
#
# Usage: bench/edge/register_bench.sh            (DURATION=10 ROUNDS=3 LIMIT=100 USERS=10000 PIN=1 QUOTA=0)
#        QUOTA=50 bench/edge/register_bench.sh   (each server gets 50 % of its core: see QUOTA)
#        IMSGUARD_BIN=build/bench/imsguard bench/edge/register_bench.sh   (another release build)
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
DURATION=${DURATION:-10}      # seconds of closed-loop load per server and round
ROUNDS=${ROUNDS:-3}           # rounds, alternating imsguard and Kamailio
LIMIT=${LIMIT:-100}           # registrations in flight (sipp -l)
USERS=${USERS:-10000}
source bench/lib.sh
# PIN=1 (default with 2 CPUs or more): sipp on CPU 0, the server under test on CPU 1
# (taskset), as if the load generator ran on its own machine. Each server then gets the same
# one core, and its rate is its own: on a shared pair of cores sipp (about 45 us of CPU per
# registration) takes more of the machine the faster the server answers, which caps the
# ratio between two servers below the ratio of their costs. PIN=0: both share every core.
bench_pin
# QUOTA=N (1-100, default 0 = off): each server runs in a CPU cgroup of its own limited to N %
# of one core (CFS quota over a 10 ms period), the same budget for both. On a fast host sipp's
# core saturates before imsguard's (about 16 500/s here), and the ratio then measures the
# generator; with a budget well below one core the generator keeps spare CPU, and the ratio
# is the servers' own at equal CPU. The 10 ms period keeps throttling pauses short; they fall
# on both servers alike and show in both p99s.
QUOTA=${QUOTA:-0}
case "$QUOTA" in ''|*[!0-9]*) echo "QUOTA must be a whole percentage (0 = off)" >&2; exit 2 ;; esac
[ "$QUOTA" -le 100 ] || { echo "QUOTA must be at most 100 (percent of one core)" >&2; exit 2; }
work=/tmp/imsguard-kam
mkdir -p "$work"
cgroups=()
cleanup() {
  bench_cleanup
  # A cgroup can be removed once empty: Kamailio's children may take a moment to exit.
  local g i
  for g in "${cgroups[@]:-}"; do
    [ -n "$g" ] || continue
    for i in $(seq 50); do rmdir "$g" 2>/dev/null && break; sleep 0.1; done
  done
}
trap cleanup EXIT

# make_cgroup NAME -> path of a new CPU cgroup limited to QUOTA % of one core (v1 or v2).
make_cgroup() {
  local g
  if [ -w /sys/fs/cgroup/cpu ] && [ -e /sys/fs/cgroup/cpu/cpu.cfs_quota_us ]; then
    g=/sys/fs/cgroup/cpu/imsguard-bench-$1-$$
    mkdir "$g" && echo 10000 > "$g/cpu.cfs_period_us" && echo $((QUOTA * 100)) > "$g/cpu.cfs_quota_us"
  elif grep -qw cpu /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then
    echo +cpu > /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null || true
    g=/sys/fs/cgroup/imsguard-bench-$1-$$
    mkdir "$g" && echo "$((QUOTA * 100)) 10000" > "$g/cpu.max"
  else
    echo "QUOTA needs a writable CPU cgroup (v1 /sys/fs/cgroup/cpu or v2 with the cpu controller)" >&2
    return 1
  fi || { echo "cannot set up the CPU cgroup $g" >&2; rmdir "$g" 2>/dev/null; return 1; }
  echo "$g"
}
# in_cgroup PATH CMD...: the current (sub)shell joins the cgroup (PATH empty: none), then
# becomes CMD, so the server and every thread or process it starts share that budget.
in_cgroup() { local g=$1; shift; [ -z "$g" ] || echo "$BASHPID" > "$g/cgroup.procs"; exec "$@"; }
ig_cg=""; km_cg=""
if [ "$QUOTA" -gt 0 ]; then
  ig_cg=$(make_cgroup imsguard) || exit 2
  cgroups+=("$ig_cg")
  km_cg=$(make_cgroup kamailio) || exit 2
  cgroups+=("$km_cg")
fi

IMSGUARD_BIN=${IMSGUARD_BIN:-build/release/imsguard}
[ -x "$IMSGUARD_BIN" ] || scripts/build.sh release >/dev/null
command -v kamailio >/dev/null || { echo "kamailio missing: run scripts/install-deps.sh" >&2; exit 2; }

# --- subscribers: user0000..userNNNN, password pw-userNNNN, realm ims.local
bench_subscribers "$work" "$USERS"
csv=$work/sipp-users.csv

# --- sipp closed loop: one round against one server. Rates and latencies are computed over
# all rounds at the end (successful calls / seconds of load; per-call RTD samples).
run_sipp() { sipp_register_round "$work/sipp-$1-$3" "$2" "$csv"; }  # name port round

summary() {  # name -> "rate p50 p99 failed retrans samples" over every round of that server
  local dirs=() r
  for ((r = 0; r < ROUNDS; r++)); do dirs+=("$work/sipp-$1-$r"); done
  sipp_summary "$DURATION" "${dirs[@]}"
}


# --- imsguard
bench_imsguard "$work" "$IMSGUARD_BIN" udp 15062
(in_cgroup "$ig_cg" "${srv_cpu[@]}" "$IMSGUARD_BIN" run --config "$work/imsguard.yaml") > "$work/imsguard.log" 2>&1 &
ig=$!; bench_track "$ig"

# --- Kamailio (started now too: an idle server costs nothing, and the rounds alternate)
sed -e "s|!BENCH_DB!sqlite:////tmp/imsguard-kam/subscribers.sqlite!|!BENCH_DB!sqlite:///$work/subscribers.sqlite!|" \
  bench/edge/kamailio-register.cfg > "$work/kamailio.cfg"
(in_cgroup "$km_cg" "${srv_cpu[@]}" kamailio -f "$work/kamailio.cfg" -DD -E -w "$work") > "$work/kamailio.log" 2>&1 &
km=$!; bench_track "$km"; sleep 2

# Rounds alternate between the servers, so a slower or faster spell of the host (a shared VM)
# falls on both rather than on whichever ran during it.
ig_ticks=0; km_ticks=0
for ((round = 0; round < ROUNDS; round++)); do
  c0=$(cpu_of "$ig"); run_sipp imsguard 15062 "$round"; ig_ticks=$((ig_ticks + $(cpu_of "$ig") - c0))
  c0=$(cpu_tree "$km"); run_sipp kamailio 15060 "$round"; km_ticks=$((km_ticks + $(cpu_tree "$km") - c0))
done
kill "$ig" "$km"; wait "$ig" "$km" 2>/dev/null || true
ig_cpu=$(cpu_percent "$ig_ticks" $((DURATION * ROUNDS)))
km_cpu=$(cpu_percent "$km_ticks" $((DURATION * ROUNDS)))
read -r ig_rate ig_p50 ig_p99 ig_failed ig_retrans ig_n < <(summary imsguard)
read -r km_rate km_p50 km_p99 km_failed km_retrans km_n < <(summary kamailio)

# Transactions the table evicted while still live (issue 20: must stay 0 at these rates); the
# shutdown log lists every counter that is not zero.
evicted=$(grep -oE 'imsguard_edge_transactions_total\{event="evicted_full"\} [0-9]+' "$work/imsguard.log" | awk '{print $2}' || true)
bench_host
echo "MODE pinned=$PIN (1: sipp on CPU 0, server on CPU 1; 0: shared cores) quota=${QUOTA}% (0: none) rounds=$ROUNDS of ${DURATION}s per server"
echo "RESULT imsguard register_auth regs_per_s=$ig_rate p50_ms=$ig_p50 p99_ms=$ig_p99 failed=$ig_failed retrans=$ig_retrans cpu=${ig_cpu}% cpu_us_per_reg=$(cpu_us_per "$ig_ticks" "$ig_rate" $((DURATION * ROUNDS))) evicted_full=${evicted:-0} samples=$ig_n"
echo "RESULT kamailio register_auth regs_per_s=$km_rate p50_ms=$km_p50 p99_ms=$km_p99 failed=$km_failed retrans=$km_retrans cpu=${km_cpu}% cpu_us_per_reg=$(cpu_us_per "$km_ticks" "$km_rate" $((DURATION * ROUNDS))) samples=$km_n"
python3 -c "print('RATIO imsguard/kamailio regs_per_s=%.2f' % ($ig_rate / max(1, $km_rate)))"
