#!/usr/bin/env bash
# Builds and runs the libFuzzer targets in fuzz/ (clang, ASan + UBSan) for a bounded time.
# Usage: scripts/fuzz.sh smoke          each target ~20 s (about a minute in all); part of scripts/test.sh
#        scripts/fuzz.sh long [SECONDS] each target SECONDS (default 600), corpus kept in build/fuzz/corpus
# Seed corpora are built at run time from the RFC 4475 torture messages (whole messages,
# their Request-URIs and name-addr URIs, their SDP bodies), with fuzz/<target>.dict as the
# dictionary when present. Exits non-zero if a target crashes, leaks, hits UBSan, or fails
# to build; crash inputs land in build/fuzz/artifacts/.
# Env: JOBS (build parallelism, default nproc). The seeds come from tests/data (in the repo).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
mode=${1:-smoke}
case "$mode" in
  smoke) seconds=20 ;;
  long) seconds=${2:-600} ;;
  *) echo "fuzz.sh: unknown mode '$mode' (smoke|long [SECONDS])" >&2; exit 2 ;;
esac
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [ "$seconds" -lt 1 ]; then
  echo "fuzz.sh: SECONDS must be a positive integer" >&2
  exit 2
fi
testdata=$root/tests/data
if [ ! -d "$testdata/rfc4475" ]; then
  echo "fuzz.sh: no RFC 4475 messages in $testdata/rfc4475 (the repository is incomplete)" >&2
  exit 2
fi
jobs=${JOBS:-$(nproc)}
build=$root/build/fuzz

targets=()
for src in fuzz/fuzz_*.cpp; do
  targets+=("$(basename "$src" .cpp)")
done

mkdir -p "$build"
CC=clang CXX=clang++ cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DIMSGUARD_FUZZ=ON -DIMSGUARD_TESTS=OFF -DIMSGUARD_WERROR=ON >"$build/configure.log" 2>&1 ||
  { cat "$build/configure.log" >&2; echo "fuzz.sh: configure failed" >&2; exit 1; }
cmake --build "$build" -j "$jobs" --target "${targets[@]}"

# Seeds: one file per message, per URI and per SDP body found in the torture messages.
seeds=$build/seeds
rm -rf "$seeds"
mkdir -p "$seeds"
python3 - "$testdata/rfc4475" "$seeds" <<'EOF'
import hashlib, pathlib, re, sys
src, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
def put(kind, data):
    d = out / kind
    d.mkdir(exist_ok=True)
    (d / hashlib.sha1(data).hexdigest()).write_bytes(data)
files = sorted(src.glob("*.dat")) + sorted(src.glob("variants/*.dat"))
for f in files:
    msg = f.read_bytes()
    put("message", msg)
    head, sep, body = msg.partition(b"\r\n\r\n")
    first = head.split(b"\r\n", 1)[0].split(b" ")
    if len(first) >= 2 and not first[0].startswith(b"SIP/"):
        put("uri", first[1])
    for m in re.finditer(rb"<([^<>\r\n]*)>", head):
        put("uri", m.group(1))
    for m in re.finditer(rb"(?im)^(?:to|from|t|f)\s*:\s*([^;<>\r\n\s]+)", head):
        put("uri", m.group(1))
    if sep:
        for part in re.split(rb"\r\n--[^\r\n]*\r\n", body):
            i = part.find(b"v=0")
            if i >= 0:
                put("sdp", part[i:])
# SDP shapes the torture messages lack: SDES and DTLS offers.
put("sdp", b"v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
           b"m=audio 4000 RTP/SAVP 0 8\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n"
           b"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:32\r\n"
           b"a=crypto:2 F8_128_HMAC_SHA1_80 inline:MTIzNDU2Nzg5QUJDREUwMTIzNDU2Nzg5QUJjZGVm|2^20|1:4;"
           b"inline:QUJjZGVmMTIzNDU2Nzg5QUJDREUwMTIzNDU2Nzg5|2^20|2:4 FEC_ORDER=FEC_SRTP\r\n")
put("sdp", b"v=0\r\no=- 46117 2 IN IP6 ::1\r\ns=-\r\nb=CT:100\r\nt=0 0\r\nr=7d 1h 0 25h\r\na=group:BUNDLE 0\r\n"
           b"m=audio 9/2 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP6 ::1\r\nb=AS:64\r\na=mid:0\r\n"
           b"a=fingerprint:sha-256 AB:CD:EF:01:23:45:67:89\r\na=setup:actpass\r\na=rtcp-mux\r\n"
           b"a=rtpmap:111 opus/48000/2\r\na=recvonly\r\n")
EOF

artifacts=$build/artifacts
mkdir -p "$artifacts"
if [ "$mode" = smoke ]; then
  work=$(mktemp -d "$build/corpus-smoke.XXXXXX")
  trap 'rm -rf "$work"' EXIT
else
  work=$build/corpus
fi

# UBSan findings must stop the run, not scroll past.
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
failed=0
summaries=()
for t in "${targets[@]}"; do
  kind=${t#fuzz_sip_}
  seed_dir=$seeds/$kind
  mkdir -p "$seed_dir" "$work/$t"
  log=$build/$t.log
  dict=()
  if [ -f "fuzz/$t.dict" ]; then dict=(-dict="fuzz/$t.dict"); fi
  status=0
  "$build/fuzz/$t" "$work/$t" "$seed_dir" "${dict[@]}" -max_total_time="$seconds" -rss_limit_mb=2048 \
    -timeout=10 -max_len=65536 -print_final_stats=1 -artifact_prefix="$artifacts/$t-" >"$log" 2>&1 || status=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  corp=$(grep -o 'corp: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  seeds_n=$(find "$seed_dir" -type f | wc -l)
  if [ "$status" -eq 0 ]; then
    summaries+=("$t: OK ${runs:-0} runs in ${seconds}s, ${seeds_n} seeds, coverage ${cov:-?}, corpus ${corp:-?}")
  else
    failed=1
    crash=$(ls -t "$artifacts/$t-"* 2>/dev/null | head -1 || true)
    summaries+=("$t: FAILED (exit $status) after ${runs:-?} runs; input ${crash:-none}; log $log")
    grep -m 20 -E 'ERROR|SUMMARY|runtime error|#[0-9]+ 0x' "$log" >&2 || tail -20 "$log" >&2
  fi
done
printf '%s\n' "${summaries[@]}"
exit "$failed"
