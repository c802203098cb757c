#!/usr/bin/env bash
# Runs every test: builds the sanitizer test tree, runs the fuzz smoke (libFuzzer, about a
# minute), then all unit and end-to-end tests with CTest. CTest's summary is the last
# thing printed; the exit status is non-zero if anything failed.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh test
scripts/fuzz.sh smoke
cd build/test
# End-to-end tests bind loopback ports and are marked RUN_SERIAL; unit tests run two at a time.
ctest --output-on-failure -j 2 --timeout 600
