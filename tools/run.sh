#!/usr/bin/env bash
# The run command: installs what is needed, builds, and runs kasane on the default data folder
# ./data (created on first run). Until the HTTP API exists this runs a smoke workload on the log:
# append, read, sign a checkpoint, export an audit bundle, verify.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
BUILD_DIR=${KASANE_BUILD_DIR:-build}
KASANE="$BUILD_DIR/tools/kasane"
DATA=${KASANE_DATA:-./data}

echo "kasane: data folder $DATA"
echo '{"note":"smoke"}' | "$KASANE" log append --data "$DATA" --stream smoke --type smoke.recorded \
  --id 00000000-0000-4000-8000-000000000001  # fixed id: running again is an idempotent retry
"$KASANE" log read --data "$DATA" --stream smoke --limit 3
"$KASANE" log checkpoint --data "$DATA"
echo "verifier key: $("$KASANE" log verifier-key --data "$DATA")"
"$KASANE" audit-bundle --data "$DATA" --stream smoke > "$DATA/smoke-bundle.json"
python3 tools/verify_bundle.py "$DATA/smoke-bundle.json" --key "$("$KASANE" log verifier-key --data "$DATA")"
"$KASANE" verify --data "$DATA"
