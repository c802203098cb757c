#!/usr/bin/env bash
# Builds imsguard. Usage: scripts/build.sh [release|test|tsan|bench]
#   release (default): optimised binary at build/release/imsguard
#   test:  Debug + ASan/UBSan + warnings as errors + tests, in build/test
#   tsan:  RelWithDebInfo + ThreadSanitizer + warnings as errors + tests, in build/tsan
#   bench: optimised, with the Google Benchmark targets, in build/bench
set -euo pipefail
cd "$(dirname "$0")/.."
kind=${1:-release}
jobs=${JOBS:-$(nproc)}
case "$kind" in
  release) flags=(-DCMAKE_BUILD_TYPE=Release -DIMSGUARD_TESTS=OFF -DIMSGUARD_WERROR=ON) ;;
  test)    flags=(-DCMAKE_BUILD_TYPE=Debug -DIMSGUARD_SANITIZE=ON -DIMSGUARD_WERROR=ON -DIMSGUARD_TESTS=ON) ;;
  tsan)    flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DIMSGUARD_TSAN=ON -DIMSGUARD_WERROR=ON -DIMSGUARD_TESTS=ON) ;;
  bench)   flags=(-DCMAKE_BUILD_TYPE=Release -DIMSGUARD_TESTS=OFF -DIMSGUARD_BENCH=ON -DIMSGUARD_WERROR=ON) ;;
  *) echo "build.sh: unknown build kind '$kind' (release|test|tsan|bench)" >&2; exit 2 ;;
esac
cmake -S . -B "build/$kind" -G Ninja "${flags[@]}" >/dev/null
cmake --build "build/$kind" -j "$jobs"
