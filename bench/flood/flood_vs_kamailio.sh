#!/usr/bin/env bash
# The same floods against imsguard (release build) and against Kamailio with pike
# (bench/flood/kamailio-flood.cfg), in the same run, one server after the other, while a
# legitimate sipp registers alongside. Loopback only; every sipp is bounded by -m, -timeout
# and timeout(1); every process started here is stopped by PID on exit.
#   legit : 127.0.0.3, bench/sipp/register_auth.xml (Digest MD5), LEGIT_RATE/s for TOTAL s
#   flood : flood_register.xml (unauthenticated REGISTER, no retransmission, an answer counts
#           only within 1 s), FLOOD_RATE/s in all for FLOOD_DURATION s from FLOOD_START,
#           split over NINST sipp processes:
#             naddr=1   one source 127.0.0.2
#             naddr=256 sources 127.0.1.0-255 round robin (sipp -t ui -ip_field 3)
# Prints one RESULT line per server and scenario:
#   legit_success (200 OK / calls), legit mean and p95 (ms, from per-call RTT samples),
#   legit retransmissions, server CPU (% of one core over the whole run), flood achieved
#   rate, and answers leaked = answers the flooder saw / requests it sent.
# Usage: bench/flood/flood_vs_kamailio.sh   (SCENARIOS="1 256" FLOOD_RATE=30000 ...)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BIN=${BIN:-$ROOT/build/release/imsguard}
LEGIT_RATE=${LEGIT_RATE:-200} TOTAL=${TOTAL:-20} FLOOD_RATE=${FLOOD_RATE:-30000}
FLOOD_START=${FLOOD_START:-4} FLOOD_DURATION=${FLOOD_DURATION:-12} NUSERS=${NUSERS:-1000}
NINST=${NINST:-2} SCENARIOS=${SCENARIOS:-"1 256"} SERVERS=${SERVERS:-"imsguard kamailio"}
IG_PORT=${IG_PORT:-25060} KAM_PORT=${KAM_PORT:-25070} LEGIT_PORT=${LEGIT_PORT:-16013} FLOOD_PORT=${FLOOD_PORT:-17010}
(( FLOOD_START + FLOOD_DURATION <= TOTAL )) || { echo "flood window must end before TOTAL" >&2; exit 2; }
[ -x "$BIN" ] || { echo "missing $BIN: scripts/build.sh release" >&2; exit 2; }
command -v kamailio >/dev/null || { echo "kamailio missing: scripts/install-deps.sh" >&2; exit 2; }
OUT=$(mktemp -d /tmp/imsguard-floodvs-XXXXXX)
source "$HERE/../lib.sh"
trap bench_cleanup EXIT

# --- the same subscribers for both: user$i / pw-$i / ims.local
{ echo "impi,impu,password"; for ((i = 0; i < NUSERS; i++)); do echo "user$i,sip:user$i@ims.local,pw-$i"; done; } >"$OUT/subs.csv"
{ echo SEQUENTIAL; for ((i = 0; i < NUSERS; i++)); do echo "user$i;pw-$i;ims.local"; done; } >"$OUT/users.csv"
{
  echo "BEGIN;"
  echo "CREATE TABLE version (table_name VARCHAR(32) PRIMARY KEY, table_version INTEGER DEFAULT 0 NOT NULL);"
  echo "INSERT INTO version VALUES ('subscriber', 7);"
  echo "CREATE TABLE subscriber (id INTEGER PRIMARY KEY NOT NULL, username VARCHAR(64) DEFAULT '' NOT NULL, domain VARCHAR(64) DEFAULT '' NOT NULL, password VARCHAR(64) DEFAULT '' NOT NULL, ha1 VARCHAR(128) DEFAULT '' NOT NULL, ha1b VARCHAR(128) DEFAULT '' NOT NULL);"
  echo "CREATE UNIQUE INDEX subscriber_idx ON subscriber (username, domain);"
  for ((i = 0; i < NUSERS; i++)); do echo "INSERT INTO subscriber (username, domain, password) VALUES ('user$i', 'ims.local', 'pw-$i');"; done
  echo "COMMIT;"
} | sqlite3 "$OUT/kam.sqlite"
# flood injection files, one per sipp instance; for naddr=256 instance k owns sources k, k+NINST, ...
for ((k = 0; k < NINST; k++)); do
  { echo SEQUENTIAL; for ((i = 0; i < 1024; i++)); do a=$(( (i * NINST + k) % 256 )); echo "u$((i % 997));x;ims.local;127.0.1.$a"; done; } >"$OUT/flood-$k.csv"
done

tree_ticks() { cpu_tree "$1"; }  # utime+stime of it and its direct children (bench/lib.sh)

start_server() {  # name dir -> sets SRV_PID SRV_PORT
  local name=$1 dir=$2
  if [ "$name" = imsguard ]; then
    mkdir -p "$dir/data"
    "$BIN" subscriber import --data-dir "$dir/data" "$OUT/subs.csv" >"$dir/import.log"
    cat >"$dir/imsguard.yaml" <<YAML
roles: [edge, core]
data_dir: $dir/data
state: sqlite
events: { output: $dir/events.jsonl }
sip:
  domain: ims.local
  workers: 2
  listen:
    - { transport: udp, address: 127.0.0.1, port: $IG_PORT }
auth:
  realm: ims.local
  digest_algorithms: [MD5, SHA-256]
# Every guard keeps its default: once the legitimate client authenticated, its flow has
# its own bucket (guards.ratelimit.authenticated_rps 750/s, as pike's 1500 per 2 s).
YAML
    "$BIN" run --config "$dir/imsguard.yaml" >"$dir/server.log" 2>&1 &
    SRV_PID=$!; SRV_PORT=$IG_PORT
  else
    sed -e "s|!BENCH_PORT!15060!|!BENCH_PORT!$KAM_PORT!|" \
        -e "s|!BENCH_DB!sqlite:////tmp/imsguard-kam/subscribers.sqlite!|!BENCH_DB!sqlite:///$OUT/kam.sqlite!|" \
        "$HERE/kamailio-flood.cfg" >"$dir/kamailio.cfg"
    kamailio -f "$dir/kamailio.cfg" -DD -E -w "$dir" >"$dir/server.log" 2>&1 &
    SRV_PID=$!; SRV_PORT=$KAM_PORT
  fi
  bench_track "$SRV_PID"
  sleep 2
  kill -0 "$SRV_PID" 2>/dev/null || { echo "$name did not start: $dir/server.log" >&2; cat "$dir/server.log" >&2; exit 1; }
}

run_one() {  # server naddr
  local name=$1 naddr=$2 dir=$OUT/$1-$2 k
  mkdir -p "$dir"
  start_server "$name" "$dir"
  local c0; c0=$(tree_ticks "$SRV_PID")
  (cd "$dir" && exec timeout $((TOTAL + 40)) sipp "127.0.0.1:$SRV_PORT" -sf "$ROOT/bench/sipp/register_auth.xml" -auth_uri ims.local \
    -inf "$OUT/users.csv" -i 127.0.0.3 -p "$LEGIT_PORT" -r "$LEGIT_RATE" -m $((LEGIT_RATE * TOTAL)) -l $((LEGIT_RATE * 40)) \
    -timeout $((TOTAL + 30))s -nostdin -trace_stat -stf legit-stat.csv -fd 1 -trace_rtt -rtt_freq 1 \
    -trace_err -error_file legit-errors.log -max_log_size 2000000 \
    >legit.screen 2>&1) &
  local lp=$!; bench_track "$lp"
  sleep "$FLOOD_START"
  local fps=() rate=$(( (FLOOD_RATE + NINST - 1) / NINST ))
  for ((k = 0; k < NINST; k++)); do
    local net sf
    if (( naddr > 1 )); then net=(-inf "$OUT/flood-$k.csv" -t ui -ip_field 3 -max_socket 512); sf=flood_register_dist.xml; else net=(-inf "$OUT/users.csv" -i 127.0.0.2); sf=flood_register.xml; fi
    (cd "$dir" && exec timeout $((FLOOD_DURATION + 20)) sipp "127.0.0.1:$SRV_PORT" -sf "$HERE/$sf" "${net[@]}" \
      -p $((FLOOD_PORT + k)) -r "$rate" -m $((rate * FLOOD_DURATION)) -l $((rate * 3 + 1000)) -nr -recv_timeout 1000 \
      -timeout $((FLOOD_DURATION + 10))s -nostdin -trace_stat -stf "flood-$k-stat.csv" -fd 1 >"flood-$k.screen" 2>&1) &
    fps+=($!); bench_track "$!"
  done
  for p in "${fps[@]}"; do wait "$p" || true; done
  wait "$lp" || true
  local c1; c1=$(tree_ticks "$SRV_PID")
  local t1; t1=$(date +%s)
  kill "$SRV_PID" 2>/dev/null || true; wait "$SRV_PID" 2>/dev/null || true
  local cpu=$(( (c1 - c0) * 100 / $(getconf CLK_TCK) / TOTAL ))
  python3 - "$dir" "$name" "$naddr" "$cpu" "$FLOOD_DURATION" <<'PY'
import csv, glob, sys
d, name, naddr, cpu, fdur = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5])
def last(path):
    rows = list(csv.reader(open(path), delimiter=";"))
    return {h: v for h, v in zip(rows[0], rows[-1])}
l = last(d + "/legit-stat.csv")
created, ok = int(l["TotalCallCreated"]), int(l["SuccessfulCall(C)"])
rtx = int(l.get("Retransmissions(C)", 0) or 0)
samples = []
for f in glob.glob(d + "/*rtt.csv"):
    for r in csv.reader(open(f), delimiter=";"):
        try: samples.append(float(r[1]))
        except (ValueError, IndexError): pass
samples.sort()
mean = sum(samples) / len(samples) if samples else float("nan")
p95 = samples[min(len(samples) - 1, int(0.95 * len(samples)))] if samples else float("nan")
sent = seen = 0
for f in glob.glob(d + "/flood-*-stat.csv"):
    s = last(f); sent += int(s["TotalCallCreated"]); seen += int(s["SuccessfulCall(C)"])
leak = seen / sent if sent else 0.0
print(f"RESULT {name} flood naddr={naddr} legit_success={ok / created if created else 0:.4f} legit_ok={ok}/{created} "
      f"legit_mean_ms={mean:.2f} legit_p95_ms={p95:.2f} legit_retrans={rtx} server_cpu={cpu}% "
      f"flood_sent={sent} flood_rate={sent / fdur:.0f}/s flood_answers={seen} answers_leaked={100 * leak:.2f}% out={d}")
PY
}

echo "date=$(date -u +%FT%TZ) commit=$(git -C "$ROOT" rev-parse --short HEAD) nproc=$(nproc) $(uptime | sed 's/.*load/load/')"
echo "legit=${LEGIT_RATE}/s for ${TOTAL}s, flood=${FLOOD_RATE}/s target over ${NINST} sipp for ${FLOOD_DURATION}s from t=${FLOOD_START}s"
for n in $SCENARIOS; do
  for s in $SERVERS; do
    run_one "$s" "$n"
    echo "  load: $(uptime | sed 's/.*load/load/')"
  done
done
