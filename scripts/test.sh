#!/usr/bin/env bash
# Sets everything up and runs every test tier. Any failure stops it with a non-zero status.
# A missing GPU adapter fails the GPU tests unless MOE_CLINIC_SKIP_GPU=1.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup.sh test

# Keep Chromium's and chromedriver's leftovers inside target/.
scratch="$PWD/target/test-env"
mkdir -p "$scratch"/{tmp,cache,config,runtime}
chmod 700 "$scratch/runtime"
export TMPDIR="$scratch/tmp" XDG_CACHE_HOME="$scratch/cache" XDG_CONFIG_HOME="$scratch/config" XDG_RUNTIME_DIR="$scratch/runtime"
# SwiftShader is slow; the browser suites get ten minutes each.
export WASM_BINDGEN_TEST_TIMEOUT=600

echo "== 1/4 native: formatting, lints, CPU reference, shaders (naga), CLI, Hugging Face fixtures, GPU parity (lavapipe)"
cargo fmt --check
cargo clippy --locked --all-targets -- -D warnings
cargo clippy --locked --lib --target wasm32-unknown-unknown -- -D warnings
cargo test --locked

browser_tests() {
  wasm-pack test --headless --chrome --mode no-install --chromedriver "$(command -v chromedriver)" --test web
}
echo "== 2/4 browser: WebGPU on SwiftShader (webdriver.json)"
MOE_CLINIC_EXPECT_BACKEND=webgpu browser_tests
echo "== 3/4 browser: no WebGPU adapter, CPU fallback (tests/webdriver-no-webgpu.json)"
MOE_CLINIC_EXPECT_BACKEND=cpu WASM_BINDGEN_TEST_WEBDRIVER_JSON=tests/webdriver-no-webgpu.json browser_tests

echo "== 4/4 page: Playwright on Debian's Chromium"
scripts/build-web.sh
node --test tests/js/
node --test --test-concurrency=1 tests/e2e/
echo "== all test tiers passed"
