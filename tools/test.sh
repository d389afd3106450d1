#!/usr/bin/env bash
# The test command: installs what is needed, builds, then runs in order
#   1. the sanitizer suites (tools/sanitize.sh: the whole suite under ASan + UBSan in build-asan,
#      the event store's tests under TSan in build-tsan),
#   2. every fuzz target for KASANE_FUZZ_SECONDS (default 30) on its seed corpus (build-asan,
#      ctest -L fuzz),
#   3. the whole suite with CTest in ./build, last, so the output ends with its summary line.
# A failing phase does not stop the later ones, but makes the exit status non-zero.
# KASANE_QUICK=1 skips phases 1 and 2 (a developer's quick run).
# Usage: bash tools/test.sh [extra ctest args for phase 3, e.g. -L eventstore]
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS
phase_start=$SECONDS
phase_done() {
  echo "test.sh: $1 took $((SECONDS - phase_start)) s ($2)" >&2
  phase_start=$SECONDS
}
bash tools/setup.sh
phase_done "setup and build" ok
failed=()
if [ "${KASANE_QUICK:-0}" != 1 ]; then
  if bash tools/sanitize.sh asan; then r=ok; else r=FAILED; failed+=(asan); fi
  phase_done "ASan + UBSan suite" $r
  if bash tools/sanitize.sh tsan; then r=ok; else r=FAILED; failed+=(tsan); fi
  phase_done "TSan suite" $r
  if [ -d build-asan/tests/fuzz ] &&
    (cd build-asan && ctest --output-on-failure -L fuzz); then r=ok; else r=FAILED; failed+=(fuzz); fi
  cat build-asan/tests/fuzz/run/*/summary.txt 2>/dev/null || true
  phase_done "fuzz runs" $r
fi
if [ ${#failed[@]} -gt 0 ]; then
  echo "test.sh: FAILED phases: ${failed[*]} (the main suite runs anyway; the exit status will be 1)" >&2
fi
echo "test.sh: the main suite ($((SECONDS - started)) s so far)" >&2
BUILD_DIR=${KASANE_BUILD_DIR:-build}
cd "$BUILD_DIR"
rc=0
ctest --output-on-failure --timeout 900 -j"$(nproc)" "$@" || rc=$?
if [ ${#failed[@]} -gt 0 ] && [ $rc -eq 0 ]; then rc=1; fi
exit $rc
