#!/usr/bin/env bash
# SRTP protect per packet: imsguard (libsrtp with OpenSSL primitives, bench_media
# BM_ProtectSessions) beside Debian's libsrtp2 as shipped (NSS, bench_srtp_stock
# BM_StockProtect), same packets, in the same run; prints the ratio stock / imsguard per
# suite and session count. Usage: bench/media/srtp_vs_stock.sh [build dir, default build/bench]
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build/bench}
[ -x "$build/bench/media/bench_media" ] && [ -x "$build/bench/media/bench_srtp_stock" ] ||
  { echo "build first: scripts/build.sh bench" >&2; exit 2; }
ours=$("$build/bench/media/bench_media" --benchmark_filter=BM_ProtectSessions --benchmark_format=csv 2>/dev/null)
stock=$("$build/bench/media/bench_srtp_stock" --benchmark_format=csv 2>/dev/null)
echo "suite (0: AES_CM_128_HMAC_SHA1_80, 1: _32, 2: AEAD_AES_128_GCM), sessions, imsguard ns/packet, stock libsrtp ns/packet, stock/imsguard"
join -t, <(echo "$ours" | awk -F, '/^"BM_ProtectSessions\//{split($1,a,"/"); gsub(/"/,"",a[3]); print a[2]"/"a[3]","$4}' | sort) \
         <(echo "$stock" | awk -F, '/^"BM_StockProtect\//{split($1,a,"/"); gsub(/"/,"",a[3]); print a[2]"/"a[3]","$4}' | sort) |
  awk -F, '{split($1,k,"/"); printf "%s, %s, %.0f, %.0f, %.2fx\n", k[1], k[2], $2, $3, $3/$2}'
