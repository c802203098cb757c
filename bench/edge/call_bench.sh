#!/usr/bin/env bash
# Complete calls per second through a record-routing proxy: sipp UAC (user0000) calls sipp UAS
# (user0001), both registered first, INVITE/100/180/200/ACK, pause, BYE/200, every request of
# the dialog through the proxy. imsguard (edge + embedded core) and Kamailio 5.6
# (bench/edge/kamailio-call.cfg: rr + registrar + tm) in the same run, in alternating rounds.
# Prints a RESULT line per server: calls/s, p50/p95 setup time (INVITE -> 200), CPU of the
# server and CPU per call. Everything on 127.0.0.1; every sipp run is bounded (-timeout).
#
# Usage: bench/edge/call_bench.sh   (DURATION=10 ROUNDS=3 LIMIT=200 PAUSE_MS=100 PIN=1)
#        IMSGUARD_BIN=build/bench/imsguard bench/edge/call_bench.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
DURATION=${DURATION:-10}   # seconds of closed-loop load per server and round
ROUNDS=${ROUNDS:-3}
LIMIT=${LIMIT:-200}        # calls in progress (sipp -l)
PAUSE_MS=${PAUSE_MS:-100}  # between ACK and BYE (sipp -d)
# tm keeps every transaction ~5 s after its final answer (wait timer): at thousands of calls/s
# the default 64 MB of shared memory runs out ("could not allocate shared memory", calls fail).
KAMAILIO_SHM_MB=${KAMAILIO_SHM_MB:-1024}
PIN=${PIN:-$([ "$(nproc)" -ge 2 ] && echo 1 || echo 0)}
gen_cpu=(); srv_cpu=()
if [ "$PIN" = 1 ]; then gen_cpu=(taskset -c 0); srv_cpu=(taskset -c 1); fi
work=/tmp/imsguard-call
rm -rf "$work"; mkdir -p "$work"
pids=()
cleanup() {
  for p in "${pids[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]:-}"; do [ -n "$p" ] && wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

IMSGUARD_BIN=${IMSGUARD_BIN:-build/release/imsguard}
[ -x "$IMSGUARD_BIN" ] || scripts/build.sh release >/dev/null
command -v kamailio >/dev/null || { echo "kamailio missing: run scripts/install-deps.sh" >&2; exit 2; }

# --- two subscribers, in both servers
printf 'SEQUENTIAL\nuser0000;pw-user0000;ims.local\n' > "$work/uac.csv"
printf 'SEQUENTIAL\nuser0001;pw-user0001;ims.local\n' > "$work/uas.csv"
printf 'impi,impu,password\nuser0000,sip:user0000@ims.local,pw-user0000\nuser0001,sip:user0001@ims.local,pw-user0001\n' > "$work/imsguard.csv"
sqlite3 "$work/subscribers.sqlite" <<'SQL'
CREATE TABLE version (table_name VARCHAR(32) PRIMARY KEY, table_version INTEGER DEFAULT 0 NOT NULL);
INSERT INTO version VALUES ('subscriber', 7);
CREATE TABLE subscriber (id INTEGER PRIMARY KEY NOT NULL, username VARCHAR(64) DEFAULT '' NOT NULL, domain VARCHAR(64) DEFAULT '' NOT NULL, password VARCHAR(64) DEFAULT '' NOT NULL, ha1 VARCHAR(128) DEFAULT '' NOT NULL, ha1b VARCHAR(128) DEFAULT '' NOT NULL);
INSERT INTO subscriber (username, domain, password) VALUES ('user0000', 'ims.local', 'pw-user0000');
INSERT INTO subscriber (username, domain, password) VALUES ('user0001', 'ims.local', 'pw-user0001');
SQL

# --- imsguard
mkdir -p "$work/imsguard-data"
"$IMSGUARD_BIN" subscriber import --data-dir "$work/imsguard-data" "$work/imsguard.csv" >/dev/null
cat > "$work/imsguard.yaml" <<YAML
roles: [edge, core]
data_dir: $work/imsguard-data
events: { output: $work/imsguard-events.jsonl }
sip:
  workers: 2
  listen:
    - { transport: udp, address: 127.0.0.1, port: 15062 }
auth:
  digest_algorithms: [MD5, SHA-256]   # sipp 3.6.1 takes only MD5 first
  # Kamailio (kamailio-call.cfg) does not challenge INVITE: the edge's 407 for out-of-dialog
  # UDP requests is off too, so both servers do the same work (docs/benchmarks.md).
  challenge_udp_requests: false
# One generator places every call from one address: exempt from the per-source guards, as
# Kamailio's pike is set not to trip (the guards are measured in bench/flood).
guards:
  scanner: { enabled: false }
  ratelimit: { enabled: false }
  flood: { allowlist: [127.0.0.1] }
YAML
("${srv_cpu[@]}" "$IMSGUARD_BIN" run --config "$work/imsguard.yaml") > "$work/imsguard.log" 2>&1 &
ig=$!; pids+=("$ig")

# --- Kamailio
sed -e "s|!BENCH_DB!sqlite:////tmp/imsguard-call/subscribers.sqlite!|!BENCH_DB!sqlite:///$work/subscribers.sqlite!|" \
  bench/edge/kamailio-call.cfg > "$work/kamailio.cfg"
("${srv_cpu[@]}" kamailio -f "$work/kamailio.cfg" -m "$KAMAILIO_SHM_MB" -DD -E -w "$work") > "$work/kamailio.log" 2>&1 &
km=$!; pids+=("$km"); sleep 2

cpu_of() { awk '{print $14 + $15}' "/proc/$1/stat"; }
kamailio_cpu() { local t=0 p; for p in $(pgrep -P "$km") "$km"; do t=$((t + $(cpu_of "$p"))); done; echo "$t"; }

# register PORT CSV LOCAL_PORT: one authenticated registration from the phone's own port.
register() {
  local out=$work/reg-$1-$3; mkdir -p "$out"
  (cd "$out" && timeout 20 sipp -sf "$root/bench/sipp/register_auth.xml" -auth_uri ims.local -inf "$2" "127.0.0.1:$1" -i 127.0.0.1 \
      -p "$3" -m 1 -nostdin -timeout 10s > screen.txt 2>&1) || { echo "registration on port $1 failed" >&2; cat "$out/screen.txt" >&2; exit 1; }
}

run_round() {  # name port round -> sipp output in $work/call-name-round
  local out=$work/call-$1-$3 uac_port=$((25000 + $3 * 10)) uas_port=$((25001 + $3 * 10))
  [ "$1" = kamailio ] && { uac_port=$((26000 + $3 * 10)); uas_port=$((26001 + $3 * 10)); }
  rm -rf "$out"; mkdir -p "$out"
  register "$2" "$work/uac.csv" "$uac_port"
  register "$2" "$work/uas.csv" "$uas_port"
  (cd "$out" && exec timeout $((DURATION + 40)) "${gen_cpu[@]}" sipp -sf "$root/bench/edge/call_uas.xml" -i 127.0.0.1 \
      -p "$uas_port" -nostdin -timeout "$((DURATION + 20))s" -max_socket 1024 -buff_size 4194304 -trace_err > uas.txt 2>&1) &
  local uas=$!
  sleep 0.5
  local c0; c0=$([ "$1" = imsguard ] && cpu_of "$ig" || kamailio_cpu)
  (cd "$out" && timeout $((DURATION + 30)) "${gen_cpu[@]}" sipp -sf "$root/bench/edge/call_uac.xml" -s user0001 \
      "127.0.0.1:$2" -i 127.0.0.1 -p "$uac_port" -r 50000 -l "$LIMIT" -d "$PAUSE_MS" -timeout "${DURATION}s" -nostdin \
      -trace_stat -stf stat.csv -fd 1 -trace_rtt -rtt_freq 1 -max_socket 1024 -buff_size 4194304 \
      -default_behaviors all,-abortunexp -watchdog_minor_maxtriggers 1000 -watchdog_major_maxtriggers 100 > screen.txt 2>&1) || true
  local c1; c1=$([ "$1" = imsguard ] && cpu_of "$ig" || kamailio_cpu)
  echo $((c1 - c0)) >> "$work/ticks-$1"
  sleep 1; kill "$uas" 2>/dev/null || true; wait "$uas" 2>/dev/null || true
}

for ((round = 0; round < ROUNDS; round++)); do
  run_round imsguard 15062 "$round"
  run_round kamailio 15060 "$round"
done

summary() {  # name -> "calls_per_s p50 p95 failed samples ticks"
  python3 - "$work" "$1" "$DURATION" "$ROUNDS" <<'PY'
import csv, glob, sys
work, name, duration, rounds = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
ok = failed = 0.0
samples = []
for r in range(rounds):
    out = f"{work}/call-{name}-{r}"
    stats = glob.glob(out + "/*stat.csv")
    if not stats: continue
    rows = list(csv.reader(open(stats[0]), delimiter=";"))
    head, last = rows[0], rows[-1]
    ok += float(last[head.index("SuccessfulCall(C)")]); failed += float(last[head.index("FailedCall(C)")])
    for f in glob.glob(out + "/*rtt.csv"):
        for row in csv.reader(open(f), delimiter=";"):
            try: samples.append(float(row[1]))
            except (ValueError, IndexError): pass
samples.sort()
pct = lambda p: samples[min(len(samples) - 1, int(p * len(samples)))] if samples else float("nan")
ticks = sum(int(l) for l in open(f"{work}/ticks-{name}"))
print(f"{ok / (duration * rounds):.0f} {pct(0.50):.2f} {pct(0.95):.2f} {int(failed)} {len(samples)} {ticks} {int(ok)}")
PY
}
hz=$(getconf CLK_TCK)
read -r ig_rate ig_p50 ig_p95 ig_failed ig_n ig_ticks ig_ok < <(summary imsguard)
read -r km_rate km_p50 km_p95 km_failed km_n km_ticks km_ok < <(summary kamailio)
per_call() { python3 -c "print('%.0f' % ($1 * 1e6 / $hz / max(1, $2)))"; }
echo "MODE pinned=$PIN rounds=$ROUNDS of ${DURATION}s per server, limit=$LIMIT calls in progress, pause=${PAUSE_MS}ms"
echo "RESULT imsguard calls_per_s=$ig_rate setup_p50_ms=$ig_p50 setup_p95_ms=$ig_p95 failed=$ig_failed cpu=$((ig_ticks * 100 / hz / (DURATION * ROUNDS)))% cpu_us_per_call=$(per_call "$ig_ticks" "$ig_ok") samples=$ig_n"
echo "RESULT kamailio calls_per_s=$km_rate setup_p50_ms=$km_p50 setup_p95_ms=$km_p95 failed=$km_failed cpu=$((km_ticks * 100 / hz / (DURATION * ROUNDS)))% cpu_us_per_call=$(per_call "$km_ticks" "$km_ok") samples=$km_n"
python3 -c "print('RATIO imsguard/kamailio calls_per_s=%.2f' % ($ig_rate / max(1, $km_rate)))"
