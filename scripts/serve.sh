#!/usr/bin/env bash
# Sets everything up, builds the page, and serves it on http://127.0.0.1:8080 until stopped.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build-web.sh
exec python3 scripts/serve.py --port "${PORT:-8080}"
