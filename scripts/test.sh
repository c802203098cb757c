#!/usr/bin/env bash
# Runs every test: builds the sanitizer test tree, runs the fuzz smoke (libFuzzer, about two
# minutes), the ThreadSanitizer pass, then all unit and end-to-end tests with CTest. CTest's
# summary of the full suite is the last thing printed; the exit status is non-zero if
# anything failed.
#
# ThreadSanitizer pass (build/tsan, scripts/build.sh tsan): every unit test, and the
# end-to-end tests in TSAN_E2E below, whose `imsguard run` is the TSan build too (a race in
# the server makes it exit 66 at stop, which those tests check). The subset is the tests
# that drive the server's threads concurrently: SIP workers under sipp load with the
# transaction table and the binding writer (SippRegister), SIGHUP reload over open
# connections and the admin/metrics threads (OpsE2e), two edges syncing bans and lockouts
# through Redis with an outage (MultiEdge), and relayed requests with client transactions
# and the retransmission timer thread (ClientTransactionsE2e): 16 tests. Left out: the
# media, baresip, sipvicious, TVRA and service-box e2e tests, which add run time (TSan
# slows each process 5-15x) more than they add threads not already covered.
# Budget: .ci/run must end well under 90 minutes on 2 cores (it took ~21 min before this
# pass). The TSan objects cost about 3 s of CPU each, like the ASan ones (2026-12-07: 42
# objects, 128 s user), so the whole TSan tree adds about 9 minutes of build on 2 cores;
# the target for build plus this pass is under 30 minutes, the whole CI under ~50.
set -euo pipefail
cd "$(dirname "$0")/.."
TSAN_E2E=${TSAN_E2E:-'^(SippRegister|MultiEdge|ClientTransactionsE2e|OpsE2e)\.'}
scripts/build.sh test
scripts/fuzz.sh smoke
scripts/build.sh tsan
status=0
(
  cd build/tsan
  # second_deadlock_stack: both stacks of a lock-order inversion; races are reported, the
  # process goes on and exits 66, so one run lists every race.
  export TSAN_OPTIONS="halt_on_error=0 exitcode=66 second_deadlock_stack=1 suppressions=$PWD/../../tests/tsan.supp"
  echo "== ThreadSanitizer: unit tests"
  ctest --output-on-failure -j 2 --timeout 900 -L unit
  echo "== ThreadSanitizer: end-to-end tests matching $TSAN_E2E"
  ctest --output-on-failure --timeout 900 -L e2e -R "$TSAN_E2E"
) || status=1
cd build/test
# End-to-end tests bind loopback ports and are marked RUN_SERIAL; unit tests run two at a time.
ctest --output-on-failure -j 2 --timeout 600 || status=1
exit "$status"
