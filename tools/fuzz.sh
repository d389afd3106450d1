#!/usr/bin/env bash
# Builds the fuzz targets (build-asan, see tools/sanitize.sh) and runs each for longer than CI
# does, one after the other, on a copy of its seed corpus (docs/reliability.md, "Fuzzing").
# Findings (crash-*, leak-*, timeout-* inputs) land in build-asan/tests/fuzz/long/<target>/.
# Usage: bash tools/fuzz.sh [seconds per target, default 300] [target ...]
#        bash tools/fuzz.sh --seeds   (writes the seed corpora tests/fuzz/corpus/* again)
set -euo pipefail
cd "$(dirname "$0")/.."
targets_all=(envelope signed_note audit_bundle command_json http_call)
if [ "${1:-}" = "--seeds" ]; then
  bash tools/sanitize.sh asan-build "${targets_all[@]/%/_fuzz}"
  for t in "${targets_all[@]}"; do
    rm -f tests/fuzz/corpus/"$t"/seed-* tests/fuzz/corpus/"$t"/placeholder
    tmp=$(mktemp -d)
    KASANE_FUZZ_WRITE_SEEDS="$tmp" ASAN_OPTIONS=detect_leaks=0 build-asan/tests/fuzz/"$t"_fuzz
    mkdir -p tests/fuzz/corpus/"$t"
    for f in "$tmp"/*; do cp "$f" tests/fuzz/corpus/"$t"/seed-"$(basename "$f")"; done
    rm -rf "$tmp"
    echo "fuzz: $(ls tests/fuzz/corpus/"$t" | wc -l) seeds in tests/fuzz/corpus/$t"
  done
  exit 0
fi
seconds=${1:-300}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${targets_all[@]}")
bash tools/sanitize.sh asan-build "${targets[@]/%/_fuzz}"
rc=0
for t in "${targets[@]}"; do
  bash tests/fuzz/run_fuzzer.sh build-asan/tests/fuzz/"$t"_fuzz tests/fuzz/corpus/"$t" \
    build-asan/tests/fuzz/long/"$t" "$seconds" || rc=1
done
exit $rc
