# Shared by the bench scripts (source it; bash): the accounting every benchmark does the same
# way, so two scripts cannot count CPU, registrations or latency differently.
#   bench_pin                 PIN=1 (default with 2 CPUs or more): gen_cpu=(taskset -c 0)
#                             for the load generator, srv_cpu=(taskset -c 1) for the server
#   bench_track PID           stopped (and reaped) by bench_cleanup, which the EXIT trap runs
#   cpu_of PID / cpu_tree PID CPU ticks (user + system) of a process / it and its children
#   cpu_percent TICKS SECONDS ticks over that many seconds as % of one core
#   cpu_us_per TICKS RATE SECONDS  microseconds of CPU per operation
#   bench_subscribers DIR N   user0000..userN-1 (password pw-userNNNN, realm ims.local) as
#                             DIR/subscribers.sqlite (Kamailio auth_db), DIR/sipp-users.csv
#                             (sipp -inf) and DIR/imsguard.csv (imsguard subscriber import)
#   sipp_summary SECONDS DIR...  over the sipp runs in DIR... (*stat*.csv, *rtt.csv):
#                             "rate p50_ms p99_ms failed retrans samples", rate = successful
#                             calls / (SECONDS x number of DIRs)
#   bench_imsguard DIR BIN TRANSPORT PORT   DIR/imsguard-data with DIR/imsguard.csv imported and
#                             DIR/imsguard.yaml: edge + core, 2 workers, one listener, MD5 first
#                             (sipp), the generator's source exempt from the per-source guards
#   bench_host                "date=... commit=... nproc=... load average: ..."
#   sipp_register_round OUT PORT CSV   one closed-loop round of authenticated REGISTERs (UDP,
#                             bench/sipp/register_auth.xml) against 127.0.0.1:PORT for DURATION
#                             seconds with LIMIT in flight, on gen_cpu; stats in OUT (reads root,
#                             DURATION, LIMIT and gen_cpu of the calling script)

bench_pids=()
bench_track() { bench_pids+=("$1"); }
bench_cleanup() {
  local p
  for p in "${bench_pids[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  for p in "${bench_pids[@]:-}"; do [ -n "$p" ] && wait "$p" 2>/dev/null || true; done
}

bench_pin() {
  PIN=${PIN:-$([ "$(nproc)" -ge 2 ] && echo 1 || echo 0)}
  gen_cpu=(); srv_cpu=()
  if [ "$PIN" = 1 ]; then gen_cpu=(taskset -c 0); srv_cpu=(taskset -c 1); fi
}

cpu_of() { awk '{print $14 + $15}' "/proc/$1/stat"; }
cpu_tree() {
  local t=0 p
  for p in "$1" $(pgrep -P "$1" || true); do [ -r "/proc/$p/stat" ] && t=$((t + $(cpu_of "$p"))); done
  echo "$t"
}
cpu_percent() { echo $(( $1 * 100 / $(getconf CLK_TCK) / $2 )); }
# cpu_us_per TICKS RATE SECONDS: microseconds of CPU per operation (RATE operations/s for SECONDS)
cpu_us_per() { python3 -c "import sys; t, r, s, hz = map(float, sys.argv[1:]); print('%.1f' % (t / hz * 1e6 / max(1.0, r * s)))" "$1" "$2" "$3" "$(getconf CLK_TCK)"; }

bench_subscribers() {
  local dir=$1 users=$2 csv=$1/sipp-users.csv i
  if [ -s "$dir/subscribers.sqlite" ] && [ "$(wc -l < "$csv" 2>/dev/null || echo 0)" -eq $((users + 1)) ]; then return 0; fi
  rm -f "$dir/subscribers.sqlite" "$csv" "$dir/imsguard.csv"
  echo SEQUENTIAL > "$csv"
  echo "impi,impu,password" > "$dir/imsguard.csv"
  {
    echo "BEGIN;"
    echo "CREATE TABLE version (table_name VARCHAR(32) PRIMARY KEY, table_version INTEGER DEFAULT 0 NOT NULL);"
    echo "INSERT INTO version VALUES ('subscriber', 7);"
    echo "CREATE TABLE subscriber (id INTEGER PRIMARY KEY NOT NULL, username VARCHAR(64) DEFAULT '' NOT NULL, domain VARCHAR(64) DEFAULT '' NOT NULL, password VARCHAR(64) DEFAULT '' NOT NULL, ha1 VARCHAR(128) DEFAULT '' NOT NULL, ha1b VARCHAR(128) DEFAULT '' NOT NULL);"
    echo "CREATE UNIQUE INDEX subscriber_idx ON subscriber (username, domain);"
    for i in $(seq -f "%04g" 0 $((users - 1))); do
      echo "INSERT INTO subscriber (username, domain, password) VALUES ('user$i', 'ims.local', 'pw-user$i');"
      echo "user$i;pw-user$i;ims.local" >> "$csv"
      echo "user$i,sip:user$i@ims.local,pw-user$i" >> "$dir/imsguard.csv"
    done
    echo "COMMIT;"
  } > "$dir/subscribers.sql"
  sqlite3 "$dir/subscribers.sqlite" < "$dir/subscribers.sql"
}

sipp_summary() {
  python3 - "$@" <<'PY'
import csv, glob, sys
duration, dirs = float(sys.argv[1]), sys.argv[2:]
ok = failed = retrans = 0.0
samples = []
for out in dirs:
    for f in glob.glob(out + "/*stat*.csv"):
        rows = list(csv.reader(open(f), delimiter=";"))
        if len(rows) < 2: continue
        head, last = rows[0], rows[-1]
        col = lambda name: float(last[head.index(name)]) if name in head else 0.0
        ok += col("SuccessfulCall(C)"); failed += col("FailedCall(C)"); retrans += col("Retransmissions(C)")
    for f in glob.glob(out + "/*rtt.csv"):
        for row in csv.reader(open(f), delimiter=";"):
            try: samples.append(float(row[1]))
            except (ValueError, IndexError): pass
samples.sort()
pct = lambda p: samples[min(len(samples) - 1, int(p * len(samples)))] if samples else float("nan")
print(f"{ok / (duration * max(1, len(dirs))):.0f} {pct(0.50):.2f} {pct(0.99):.2f} {int(failed)} {int(retrans)} {len(samples)}")
PY
}

bench_imsguard() {
  local dir=$1 bin=$2 transport=$3 port=$4
  rm -rf "$dir/imsguard-data"; mkdir -p "$dir/imsguard-data"
  "$bin" subscriber import --data-dir "$dir/imsguard-data" "$dir/imsguard.csv" >/dev/null
  cat > "$dir/imsguard.yaml" <<YAML
roles: [edge, core]
data_dir: $dir/imsguard-data
events: { output: $dir/imsguard-events.jsonl }
sip:
  workers: 2
  listen:
    - { transport: $transport, address: 127.0.0.1, port: $port }
auth:
  digest_algorithms: [MD5, SHA-256]   # sipp 3.6.1 takes only MD5 or AKAv1-MD5 first
# One load generator registers every user from one address: to the per-source guards it
# looks like a scanner or a flood. As Kamailio's pike is set not to trip, the generator's
# source is exempt here; the guards themselves are measured in bench/flood.
guards:
  scanner: { enabled: false }
  ratelimit: { enabled: false }
  flood: { allowlist: [127.0.0.1] }
YAML
}

bench_host() {
  echo "date=$(date -u +%FT%TZ) commit=$(git rev-parse --short HEAD 2>/dev/null || echo none) nproc=$(nproc) $(uptime | sed 's/.*load/load/')"
}

sipp_register_round() {
  local out=$1 port=$2 csv=$3
  rm -rf "$out"; mkdir -p "$out"
  (cd "$out" && timeout $((DURATION + 30)) "${gen_cpu[@]}" sipp -sf "$root/bench/sipp/register_auth.xml" -auth_uri ims.local -inf "$csv" \
      "127.0.0.1:$port" -i 127.0.0.1 -r 50000 -l "$LIMIT" -timeout "${DURATION}s" -nostdin \
      -trace_stat -stf stat.csv -fd 1 -trace_rtt -rtt_freq 1 -max_socket 1024 -buff_size 4194304 \
      -watchdog_minor_maxtriggers 1000 -watchdog_major_maxtriggers 100 > screen.txt 2>&1) || true
}
