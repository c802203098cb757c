#!/usr/bin/env bash
# Builds and runs the libFuzzer targets in fuzz/ (clang, ASan + UBSan) for a bounded time.
# Usage: scripts/fuzz.sh smoke          each target ~10 s (about two minutes in all); part of scripts/test.sh
#        scripts/fuzz.sh long [SECONDS] each target SECONDS (default 600), corpus kept in build/fuzz/corpus
# Seed corpora are built at run time from the RFC 4475 torture messages (whole messages,
# their Request-URIs and name-addr URIs, their SDP bodies, their Authorization and
# Security-Client values) and from generated inputs for the parsers that read other network
# input (AKA nonce and AUTS, PASSporT, RTP/RTCP, SRTP, Redis replies, the config file), with
# fuzz/<target>.dict as the dictionary when present. fuzz_<folder>_<what> takes the seeds of
# build/fuzz/seeds/<what>. Exits non-zero if a target crashes, leaks, hits UBSan, or fails
# to build; crash inputs land in build/fuzz/artifacts/.
# Env: JOBS (build parallelism, default nproc). The seeds come from tests/data (in the repo).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
mode=${1:-smoke}
# The smoke run is part of CI, so it explores the same inputs on every machine (a fixed
# libFuzzer seed; FUZZ_SEED overrides it); a long run draws a random seed.
case "$mode" in
  smoke) seconds=10; seed=${FUZZ_SEED:-1} ;;
  long) seconds=${2:-600}; seed=${FUZZ_SEED:-0} ;;
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

# Seeds of the other network parsers: header values found in the torture messages, and
# generated inputs of each shape (valid ones, so the fuzzer starts past the first checks).
python3 - "$testdata/rfc4475" "$seeds" "$root" <<'EOF'
import base64, hashlib, json, pathlib, re, struct, sys
src, out, root = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), pathlib.Path(sys.argv[3])
def put(kind, data):
    d = out / kind
    d.mkdir(exist_ok=True)
    (d / hashlib.sha1(data).hexdigest()).write_bytes(data)
b64 = lambda b: base64.b64encode(b)
b64url = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=")
for f in sorted(src.glob("*.dat")) + sorted(src.glob("variants/*.dat")):
    head = f.read_bytes().partition(b"\r\n\r\n")[0]
    for m in re.finditer(rb"(?im)^(?:authorization|proxy-authorization|www-authenticate|proxy-authenticate)\s*:\s*(.*(?:\r\n[ \t].*)*)", head):
        put("digest_header", m.group(1))
    for m in re.finditer(rb"(?im)^(?:security-client|security-verify|security-server)\s*:\s*(.*)", head):
        put("security_agreement", m.group(1))
# Digest: RFC 7616 3.9.1 / RFC 2617 3.5 shapes, an IMS initial REGISTER, AKA with AUTS.
for v in [b'Digest username="Mufasa", realm="http-auth@example.org", uri="/dir/index.html", algorithm=SHA-256, '
          b'nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", nc=00000001, cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", '
          b'qop=auth, response="753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"',
          b'Digest username="Mufasa", realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="/dir/index.html", '
          b'qop=auth, nc=00000001, cnonce="0a4f113b", response="6629fae49393a05397450978507c4ef1", opaque="5ccc069c403ebaf9f0171e9517f40e41"',
          b'Digest username="alice@ims.local", realm="ims.local", nonce="", uri="sip:ims.local", response=""',
          b'Digest username="sim1@ims.local", realm="ims.local", nonce="' + b64(bytes(range(32))) + b'", uri="sip:ims.local", '
          b'algorithm=AKAv1-MD5, response="00112233445566778899aabbccddeeff", auts="' + b64(bytes(range(14))) + b'", nc=00000001, qop=auth, cnonce="x"',
          b'Digest realm="ims.local", nonce="' + b64(bytes(range(48))) + b'", algorithm=AKAv2-MD5, qop="auth,auth-int", opaque="op\\"q", stale=true',
          b'Digest realm="ims.local", nonce="abc", algorithm=SHA-512-256, qop="auth", userhash=true, charset=UTF-8']:
    put("digest_header", v)
# AKA: nonces of RAND || AUTN (|| server data), AUTS.
for n in (32, 33, 48, 64):
    put("aka", b64(bytes((i * 7 + n) & 0xff for i in range(n))))
put("aka", b64(bytes(range(14))))
put("aka", b64(bytes(range(14)))[:-1])
# Security-Client (TS 33.203 ipsec-3gpp, RFC 3329 tls/digest).
for v in [b"ipsec-3gpp;alg=hmac-sha-1-96;ealg=aes-cbc;spi-c=1111;spi-s=2222;port-c=5062;port-s=5064;prot=esp;mod=trans;q=0.1",
          b"ipsec-3gpp; alg=hmac-md5-96; spi-c=3929102; spi-s=3929103; port-c=5071; port-s=5072, tls;q=0.2, digest;d-alg=md5;d-qop=auth"]:
    put("security_agreement", v)
# PASSporT: mode byte 0 (an Identity value as received), 1 (header and claims, signed by the target).
header = json.dumps({"alg": "ES256", "ppt": "ims", "typ": "passport", "x5u": "https://cert.ims.local/core.pem"}, separators=(",", ":")).encode()
claims = json.dumps({"dest": {"uri": ["sip:media@services.ims.local"]}, "iat": 1700000000, "orig": {"uri": "sip:alice@ims.local"},
                     "origid": "123e4567-e89b-12d3-a456-426614174000", "svc": "media"}, separators=(",", ":")).encode()
put("passport", b"\x01" + header + b"\x00" + claims)
put("passport", b"\x01" + header + b"\x00" + claims.replace(b"1700000000", b"1699990000"))
put("passport", b"\x00" + b64url(header) + b"." + b64url(claims) + b"." + b64url(bytes(64)) + b";info=<https://cert.ims.local/core.pem>;alg=ES256;ppt=ims")
put("passport", b"\x00" + b64url(b'{"alg":"none"}') + b"." + b64url(claims) + b".")
# RTP/RTCP: PCMU packets (with CSRC, extension, padding), a sender and a receiver report.
def rtp(seq, flags=0x80, csrc=b"", ext=b"", pad=0, payload=bytes(160)):
    first = flags | (len(csrc) // 4) | (0x10 if ext else 0) | (0x20 if pad else 0)
    body = struct.pack("!BBHII", first, 0, seq, seq * 160, 0x1234abcd) + csrc + ext + payload
    return body + (bytes(pad - 1) + bytes([pad]) if pad else b"")
sr = struct.pack("!BBHI", 0x80, 200, 6, 0x1234abcd) + struct.pack("!IIIII", 0xe0000000, 0, 160, 1, 160)
rr = struct.pack("!BBHI", 0x81, 201, 7, 0x5678) + struct.pack("!IIIIII", 0x1234abcd, 0, 5, 0, 0, 0)
put("rtp", rtp(1) + b"\xff\xfe" + rtp(2) + b"\xff\xfe" + sr + b"\xff\xfe" + rtp(4))
put("rtp", rtp(7, csrc=b"\x00\x00\x00\x01", ext=b"\xbe\xde\x00\x01\x10\xff\x00\x00", pad=4) + b"\xff\xfe" + rr)
for mode in range(6):
    put("srtp", bytes([mode]) + (rtp(5) if mode % 2 else rtp(5)[:12] + bytes(20)))
put("srtp", b"\x01" + sr)
put("srtp", b"\x03" + rr)
# Redis replies (RESP2) carrying records in the codec's encoding.
def enc(*fields):
    return b"".join(str(len(x)).encode() + b":" + x for x in fields)
binding = enc(b"sip:alice@ims.local", b"sip:alice@127.0.0.1:5070", b"alice@ims.local", b"udp", b"127.0.0.1:5070",
              b"", b"call-1", b"2", b"1700003600", b"<sip:term@127.0.0.1:5060;lr>")
ban = enc(b"192.0.2.7/32", b"0", b"flood", b"edge-a", b"1700000000000", b"1700000600000", b"1")
bulk = lambda b: b"$" + str(len(b)).encode() + b"\r\n" + b + b"\r\n"
put("redis_codec", binding)
put("redis_codec", b"*2\r\n" + bulk(binding) + bulk(ban) + b":42\r\n+OK\r\n-ERR wrong\r\n$-1\r\n*-1\r\n")
put("redis_codec", b"*1\r\n*2\r\n" + bulk(b"imsguard:b:sip:alice@ims.local") + bulk(enc(b"1", b"2")))
# An array header whose count alone would cost gigabytes (found by this fuzzer; bounded by
# store/redis_reply_limit.h).
put("redis_codec", b"*700000000\r\n")
# The config file: the shipped default and the test configs.
put("loader", (root / "config/imsguard.yaml").read_bytes())
for y in sorted((root / "tests").rglob("*.yaml"))[:40]:
    put("loader", y.read_bytes())
put("loader", b"roles: [edge, core]\nsip:\n  listen:\n    - { transport: udp, address: 127.0.0.1, port: 5060 }\n"
              b"guards:\n  flood:\n    max_per_source: 100\n    allowlist: [127.0.0.1/32]\n")
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
  kind=${t#fuzz_*_}
  seed_dir=$seeds/$kind
  mkdir -p "$seed_dir" "$work/$t"
  log=$build/$t.log
  dict=()
  if [ -f "fuzz/$t.dict" ]; then dict=(-dict="fuzz/$t.dict"); fi
  status=0
  "$build/fuzz/$t" "$work/$t" "$seed_dir" "${dict[@]}" -max_total_time="$seconds" -seed="$seed" -rss_limit_mb=2048 \
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
