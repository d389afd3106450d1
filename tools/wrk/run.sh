#!/usr/bin/env bash
# The wrk recipe of BENCHMARKS.md, "HTTP": the load of `kasane bench http` driven by wrk against
# `kasane serve` on loopback, in a fresh temporary data folder (removed at exit).
#   tools/wrk/run.sh [KASANE_BINARY]     (default build/tools/kasane; DURATION=10s, PORT=8089)
# Needs wrk (Debian: apt-get install wrk), curl and python3. Prints wrk's report for appends
# (append.lua) and for case view reads (read.lua), 32 connections each (-t32 -c32: one
# connection per wrk thread, each on its own case).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
kasane=${1:-build/tools/kasane}
duration=${DURATION:-10s}
port=${PORT:-8089}
work=$(mktemp -d "${TMPDIR:-/tmp}/kasane-wrk-XXXXXX")
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

issue() {  # staff agency role -> token text (issued before the server opens the folder)
  "$kasane" token issue --data "$work/data" --staff "$1" --agency "$2" --role "$3" \
    --label wrk --json | python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])'
}
secretariat=$(issue st-sec ag-fukushi secretariat)
caseworker=$(issue st-houkatsu ag-houkatsu caseworker)

"$kasane" serve --data "$work/data" --listen "127.0.0.1:$port" --threads 96 2>"$work/serve.log" &
server=$!
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$port/v1/health" >/dev/null && break
  sleep 0.1
done

post() {  # path body: the directory of `kasane bench http`, as the secretariat
  curl -sf -o /dev/null -X POST "http://127.0.0.1:$port$1" \
    -H "Authorization: Bearer $secretariat" -H "Content-Type: application/json" -d "$2"
}
post /v1/agencies '{"agency":"ag-fukushi","name":"福祉政策課","kind":"municipal_division","fields":[],"programmeParts":[]}'
post /v1/staff '{"staff":"st-sec","agency":"ag-fukushi","roles":["secretariat"]}'
post /v1/agencies '{"agency":"ag-houkatsu","name":"地域包括支援センター","kind":"community_general_support_center","fields":[],"programmeParts":[]}'
post /v1/staff '{"staff":"st-houkatsu","agency":"ag-houkatsu","roles":["caseworker"]}'

echo "== appends: POST /v1/cases/{caseId}/outreach"
KASANE_TOKEN=$caseworker wrk -t32 -c32 -d"$duration" --latency -s "$here/append.lua" \
  "http://127.0.0.1:$port"
echo "== reads: GET /v1/cases/{caseId}"
KASANE_TOKEN=$caseworker wrk -t32 -c32 -d"$duration" --latency -s "$here/read.lua" \
  "http://127.0.0.1:$port"
