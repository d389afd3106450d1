#!/usr/bin/env bash
# Runs one libFuzzer target for a bounded time on a copy of its seed corpus (the committed corpus
# never grows) and prints libFuzzer's execution count. Used by the fuzz CTest tests and by
# tools/fuzz.sh. A crash, leak, timeout or sanitizer report fails it; libFuzzer writes the input
# as <work>/crash-* (or leak-*, timeout-*), and the script prints where.
# Usage: run_fuzzer.sh <fuzzer binary> <seed corpus folder> <work folder> <seconds>
set -uo pipefail
fuzzer=$1 corpus=$2 work=$3 seconds=$4
name=$(basename "$fuzzer")
rm -rf "$work/corpus"
mkdir -p "$work/corpus"
cp "$corpus"/* "$work/corpus/"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
log="$work/fuzz.log"
"$fuzzer" "$work/corpus" -max_total_time="$seconds" -timeout=25 -rss_limit_mb=3072 \
  -print_final_stats=1 -artifact_prefix="$work/" >"$log" 2>&1
rc=$?
runs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
echo "fuzz $name: ${runs:-?} executions in ${seconds}s (${cov:-cov: ?}), exit $rc; log $log" |
  tee "$work/summary.txt"
if [ $rc -ne 0 ]; then
  tail -n 60 "$log"
  ls "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-* 2>/dev/null
fi
exit $rc
