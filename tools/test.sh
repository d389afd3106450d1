#!/usr/bin/env bash
# The test command: installs what is needed, builds, and runs the whole suite with CTest.
# Ends with CTest's summary line. Usage: bash tools/test.sh [extra ctest args, e.g. -L eventstore]
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
BUILD_DIR=${KASANE_BUILD_DIR:-build}
cd "$BUILD_DIR"
ctest --output-on-failure --timeout 900 -j"$(nproc)" "$@"
