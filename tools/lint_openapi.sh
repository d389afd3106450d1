#!/usr/bin/env bash
# Lints api/openapi.json with Redocly CLI (pinned in tools/openapi-lint/package.json and its
# package-lock.json; rules in tools/openapi-lint/redocly.yaml). Installs nodejs and npm with
# apt-get only when npm is missing (sudo only when not root). Exits non-zero on lint errors.
# Run by CTest as `openapi_lint` (label api).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
lint_dir="$root/tools/openapi-lint"

if ! command -v npm >/dev/null 2>&1; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  echo "lint_openapi: installing nodejs and npm (apt-get)" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nodejs npm >&2
fi

cd "$lint_dir"
npm ci --no-audit --no-fund --loglevel=error >&2
exec ./node_modules/.bin/redocly lint --config "$lint_dir/redocly.yaml" "$root/api/openapi.json"
