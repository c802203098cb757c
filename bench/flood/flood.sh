#!/usr/bin/env bash
# A flood against imsguard while a legitimate sipp registers (loopback only, bounded by -m
# and timeout). Prints one RESULT line. NADDR=1 (default): one flood source 127.0.0.2;
# NADDR=256: sources 127.0.1.0-255, one per call round robin (sipp -t ui -ip_field 3).
#   legit : 127.0.0.3, bench/sipp/register_auth.xml, LEGIT_RATE/s for TOTAL s
#   flood : unauthenticated REGISTERs, no retransmissions, any answer within 1 s counts,
#           FLOOD_RATE/s for FLOOD_DURATION s starting at FLOOD_START: flood_register.xml
#           (NADDR=1) or flood_register_dist.xml (NADDR=256: a valid Via naming each source,
#           so every message is challenged as a real client's would be)
#   ADMIN_PORT set: the guard and edge counters are printed from /metrics at the end.
# Used by tests/guard/sipp_flood_e2e_test.cpp. Usage: bench/flood/flood.sh [path/to/imsguard]
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BIN=${1:-$ROOT/build/release/imsguard}
LEGIT_RATE=${LEGIT_RATE:-50} TOTAL=${TOTAL:-20} FLOOD_RATE=${FLOOD_RATE:-5000}
FLOOD_START=${FLOOD_START:-3} FLOOD_DURATION=${FLOOD_DURATION:-10} NUSERS=${NUSERS:-100}
PORT=${PORT:-25060} NADDR=${NADDR:-1}
OUT=$(mktemp -d /tmp/imsguard-flood-XXXXXX)
source "$HERE/../lib.sh"
trap bench_cleanup EXIT

{ echo "impi,impu,password"; for ((i = 0; i < NUSERS; i++)); do echo "user$i,sip:user$i@ims.local,pw-$i"; done; } >"$OUT/subs.csv"
{ echo SEQUENTIAL; for ((i = 0; i < NUSERS; i++)); do echo "user$i;pw-$i;ims.local"; done; } >"$OUT/users.csv"
{ echo SEQUENTIAL; for ((i = 0; i < 1024; i++)); do echo "u$((i % 997));x;ims.local;127.0.1.$((i % 256))"; done; } >"$OUT/flood.csv"
if (( NADDR > 1 )); then FLOOD_NET=(-inf "$OUT/flood.csv" -t ui -ip_field 3 -max_socket 512); FLOOD_SF=flood_register_dist.xml; else FLOOD_NET=(-inf "$OUT/users.csv" -i 127.0.0.2); FLOOD_SF=flood_register.xml; fi
"$BIN" subscriber import --data-dir "$OUT" "$OUT/subs.csv" >"$OUT/import.log"
cat >"$OUT/imsguard.yaml" <<YAML
roles: [edge, core]
data_dir: $OUT
state: sqlite
events: { output: $OUT/events.jsonl }
sip:
  domain: ims.local
  workers: 2
  listen:
    - { transport: udp, address: 127.0.0.1, port: $PORT }
auth:
  realm: ims.local
  digest_algorithms: [MD5, SHA-256]
YAML
# ADMIN_PORT set: the admin API runs there and the guard counters are printed at the end.
if [[ -n "${ADMIN_PORT:-}" ]]; then
  printf 'admin:\n  listen: { address: 127.0.0.1, port: %s }\n  token: flood-bench-admin-token\n' "$ADMIN_PORT" >>"$OUT/imsguard.yaml"
fi
"$BIN" run --config "$OUT/imsguard.yaml" >"$OUT/imsguard.log" 2>&1 &
IG=$!; bench_track "$IG"
sleep 2
(cd "$OUT" && exec timeout $((TOTAL + 40)) sipp 127.0.0.1:$PORT -sf "$ROOT/bench/sipp/register_auth.xml" -auth_uri ims.local -inf "$OUT/users.csv" \
  -i 127.0.0.3 -p 16003 -r "$LEGIT_RATE" -m $((LEGIT_RATE * TOTAL)) -l 200 -timeout $((TOTAL + 30))s -nostdin \
  -trace_stat -stf legit-stat.csv -fd 1 >legit.screen 2>&1) &
LP=$!; bench_track "$LP"
sleep "$FLOOD_START"
(cd "$OUT" && exec timeout $((FLOOD_DURATION + 20)) sipp 127.0.0.1:$PORT -sf "$HERE/$FLOOD_SF" "${FLOOD_NET[@]}" \
  -p 17000 -r "$FLOOD_RATE" -m $((FLOOD_RATE * FLOOD_DURATION)) -l $((FLOOD_RATE * 2)) -nr -recv_timeout 1000 \
  -timeout $((FLOOD_DURATION + 10))s -nostdin -trace_stat -stf flood-stat.csv -fd 1 >flood.screen 2>&1) &
FP=$!; bench_track "$FP"
CPU0=$(cpu_of "$IG")
wait "$FP" || true
wait "$LP" || true
CPU1=$(cpu_of "$IG")
if [[ -n "${ADMIN_PORT:-}" ]]; then
  curl -s -H 'Authorization: Bearer flood-bench-admin-token' "http://127.0.0.1:$ADMIN_PORT/metrics" >"$OUT/metrics.txt" || true
  grep -E '^imsguard_(guard|edge|auth|registrar|net)[a-z_]*(\{[^}]*\})? [1-9]' "$OUT/metrics.txt" || true
fi
kill "$IG"; wait "$IG" 2>/dev/null || true
col() { awk -F';' -v n="$2" 'NR==1{for(i=1;i<=NF;i++) if($i==n) c=i; next} {v=$c} END{print v}' "$1"; }
l_created=$(col "$OUT/legit-stat.csv" TotalCallCreated); l_ok=$(col "$OUT/legit-stat.csv" "SuccessfulCall(C)")
l_rtx=$(col "$OUT/legit-stat.csv" "Retransmissions(C)"); l_rt=$(col "$OUT/legit-stat.csv" "ResponseTimereg(C)")
f_sent=$(col "$OUT/flood-stat.csv" TotalCallCreated); f_seen=$(col "$OUT/flood-stat.csv" "SuccessfulCall(C)")
# p95 from the response-time repartition buckets of the legit run
l_p95=$(awk -F';' 'NR==1{for(i=1;i<=NF;i++) if($i ~ /^ResponseTimeRepartitionreg_/){n++; c[n]=i; b=$i; sub(/^ResponseTimeRepartitionreg_/,"",b); name[n]=b}; next}
  {for(j=1;j<=n;j++) v[j]=$c[j]} END{t=0; for(j=1;j<=n;j++) t+=v[j]; a=0; for(j=1;j<=n;j++){a+=v[j]; if(t>0 && a>=0.95*t){print name[j]; exit}} print "NA"}' "$OUT/legit-stat.csv")
ticks=$(getconf CLK_TCK)
ratio=$(awk -v o="$l_ok" -v c="$l_created" 'BEGIN { if (c > 0) printf "%.4f", o / c; else print 0 }')
echo "RESULT imsguard flood naddr=$NADDR legit_success=$ratio legit_ok=$l_ok/$l_created legit_rtt_avg=$l_rt legit_rtt_p95_bucket_ms=$l_p95 legit_retrans=$l_rtx flood_sent=$f_sent flood_answers_seen=$f_seen imsguard_cpu_ticks=$((CPU1 - CPU0)) ticks_per_s=$ticks out=$OUT"
# The guards' actions (the legitimate phones' registration events are left out: one per REGISTER).
grep -o '"guard":"[a-z]*","source":"[^"]*","identity":"[^"]*","action":"[a-z]*"' "$OUT/events.jsonl" |
  grep -v '"guard":"registrar"' | sort | uniq -c | sort -rn | head -5
