#!/usr/bin/env bash
# The sanitizer suites (docs/reliability.md, "Sanitizers"), each in its own build folder:
#   asan  build-asan: clang, -O1, AddressSanitizer + UndefinedBehaviorSanitizer (UB aborts), with
#         the libFuzzer targets (KASANE_FUZZ=ON, so the same build serves tools/fuzz.sh); runs the
#         whole CTest suite there except the fuzz label. Leaks fail a test.
#   tsan  build-tsan: gcc, ThreadSanitizer; builds the event store's tests and runs them (ctest -L
#         eventstore: group commit, concurrent appenders, subscriptions, durability).
# Usage: bash tools/sanitize.sh [asan|tsan|all] [extra ctest args]   (default: all)
#        bash tools/sanitize.sh asan-build [targets]   (configure and build build-asan only; fuzz.sh)
# Expects what tools/setup.sh installs. KASANE_SANITIZE_JOBS sets the build's parallelism.
# Warnings are not errors here: the normal build (gcc, tools/setup.sh) enforces them, and a
# warning only clang 14 or an -O1 sanitizer build gives must not hide the sanitizers' verdict.
set -euo pipefail
cd "$(dirname "$0")/.."
which=${1:-all}
shift || true
jobs=${KASANE_SANITIZE_JOBS:-$(nproc)}
launcher=()
if command -v ccache >/dev/null 2>&1; then
  launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
# llvm-symbolizer (llvm-14) turns sanitizer stacks into file:line.
if [ -x /usr/lib/llvm-14/bin/llvm-symbolizer ]; then
  export ASAN_SYMBOLIZER_PATH=/usr/lib/llvm-14/bin/llvm-symbolizer
fi

# Configures and builds the ASan + UBSan folder (with the fuzz targets); arguments: targets.
configure_asan() {
  cmake -S . -B build-asan -G Ninja "${launcher[@]}" \
    -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
    -DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS_DEBUG=-O1 -gline-tables-only" \
    "-DCMAKE_C_FLAGS_DEBUG=-O1 -gline-tables-only" \
    -DKASANE_SANITIZE=address,undefined -DKASANE_FUZZ=ON -DKASANE_WERROR=OFF \
    -DKASANE_FUZZ_SECONDS="${KASANE_FUZZ_SECONDS:-30}" >&2
  if [ $# -gt 0 ]; then
    cmake --build build-asan -j"$jobs" --target "$@" >&2
  else
    cmake --build build-asan -j"$jobs" >&2
  fi
}

run_asan() {
  configure_asan
  # abort_on_error: a report kills the test (and is visible as a failure, not a log line).
  # detect_stack_use_after_return stays off: it multiplies stack memory and time.
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1:check_initialization_order=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  export LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp
  echo "sanitize: the whole suite under AddressSanitizer + UndefinedBehaviorSanitizer" >&2
  # KASANE_ASAN_EXCLUDE: labels left out (a CTest -LE regex), e.g. 'fuzz|e2e' to save time.
  (cd build-asan &&
    ctest --output-on-failure --timeout 1800 -j"$(nproc)" -LE "${KASANE_ASAN_EXCLUDE:-fuzz}" "$@")
}

run_tsan() {
  cmake -S . -B build-tsan -G Ninja "${launcher[@]}" \
    -DCMAKE_C_COMPILER=gcc -DCMAKE_CXX_COMPILER=g++ \
    -DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS_DEBUG=-O1 -g1" "-DCMAKE_C_FLAGS_DEBUG=-O1 -g1" \
    -DKASANE_SANITIZE=thread -DKASANE_WERROR=OFF >&2
  cmake --build build-tsan -j"$jobs" --target \
    merkle_test signed_note_test event_log_test durability_test sealing_test >&2
  # die_after_fork=0: tests that fork a child which opens a log after the parent has threads
  # (RocksDB's pool); TSan would refuse to start threads in that child. The kill -9 durability
  # test is left out: it forks a multi-threaded parent once per round, and TSan's runtime does
  # not survive that in the child ("dup thread with used id"); its concurrent appenders are the
  # same code as EventLogTest's, which run here.
  export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:die_after_fork=0:suppressions=$PWD/tests/tsan.supp"
  echo "sanitize: the event store's tests under ThreadSanitizer" >&2
  # setarch -R: gcc 12's TSan runtime cannot map its shadow under the high ASLR entropy some
  # kernels use (vm.mmap_rnd_bits=32); without address randomization it always can.
  (cd build-tsan &&
    setarch "$(uname -m)" -R ctest --output-on-failure --timeout 1800 -j"$(nproc)" -L eventstore \
      -E '^DurabilityTest\.AcknowledgedAppendsSurviveKillNine' "$@")
}

case "$which" in
  asan-build) configure_asan "$@" ;;
  asan) run_asan "$@" ;;
  tsan) run_tsan "$@" ;;
  all)
    rc=0
    run_asan "$@" || rc=1
    run_tsan "$@" || rc=1
    exit $rc
    ;;
  *) echo "usage: tools/sanitize.sh [asan|tsan|all] [ctest args]" >&2; exit 2 ;;
esac
