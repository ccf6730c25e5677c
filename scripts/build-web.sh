#!/usr/bin/env bash
# Builds the wasm package the page loads into www/pkg (release, wasm-opt 132).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup.sh build
wasm-pack build --target web --out-dir www/pkg --release --mode no-install --no-pack
