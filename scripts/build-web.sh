#!/usr/bin/env bash
# Builds the wasm package the page loads into www/pkg (release, wasm-opt 132).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup.sh build
# Whole-program LTO in one codegen unit for the page's wasm only (natively the release
# profile keeps thin LTO, for build time): measured 2026-12-02, 1,185,815 -> 875,773 bytes
# raw, 401,502 -> 345,782 gzipped.
CARGO_PROFILE_RELEASE_LTO=fat CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1 \
  wasm-pack build --target web --out-dir www/pkg --release --mode no-install --no-pack
# Precompressed copies for serve.py (as a real static host would serve them), so that the
# page's measured download is what visitors get. -n: no name or time, the same bytes each build.
find www \( -name '*.wasm' -o -name '*.js' -o -name '*.json' -o -name '*.css' -o -name '*.html' -o -name '*.safetensors' \) \
  -type f -print0 | xargs -0 gzip -9 -k -f -n
