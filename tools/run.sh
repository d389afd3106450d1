#!/usr/bin/env bash
# The run command: installs what is needed, builds, and serves the HTTP API on the default data
# folder ./data. On first start (no data folder yet) it loads the demo (`kasane demo`: the three
# worked examples of DOMAIN.md, agencies and staff of a fictional city, a token per role); a data
# folder that holds the demo prints its tokens again (the demo is idempotent). Stop with Ctrl-C
# or SIGTERM (graceful: requests in flight finish, the log closes cleanly).
#
# Environment: KASANE_DATA (default ./data), KASANE_LISTEN (default 127.0.0.1:8080; port 0 picks
# a free port), KASANE_BUILD_DIR (default build).
# KASANE_SKIP_SETUP=1 skips the install-and-build step (the README tour's test sets it: CTest runs
# from a finished build, and must not rebuild the tree its other tests are running from).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${KASANE_SKIP_SETUP:-0}" != 1 ]; then bash tools/setup.sh; fi
BUILD_DIR=${KASANE_BUILD_DIR:-build}
KASANE="$BUILD_DIR/tools/kasane"
DATA=${KASANE_DATA:-./data}
LISTEN=${KASANE_LISTEN:-127.0.0.1:8080}

if [ ! -e "$DATA" ] || [ -f "$DATA/demo-tokens.env" ]; then
  "$KASANE" demo --data "$DATA"
fi
echo "kasane: serving $DATA on $LISTEN (Ctrl-C stops); the tour is in README.md" >&2
exec "$KASANE" serve --data "$DATA" --listen "$LISTEN"
