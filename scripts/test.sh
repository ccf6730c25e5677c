#!/usr/bin/env bash
# Sets everything up and runs every test tier. Any failure stops it with a non-zero status.
# A missing GPU adapter fails the GPU tests unless MOE_CLINIC_SKIP_GPU=1, and a run with
# that set still ends non-zero unless MOE_CLINIC_ACCEPT_GPU_SKIP=1 says a skip is fine.
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

echo "== 4/4 page: the static server, state.js, Playwright on Debian's Chromium"
python3 tests/serve_test.py
scripts/build-web.sh
node --test tests/js/
node --test --test-concurrency=1 tests/e2e/
# A run that skipped the GPU checks must not read as a full pass.
if [ "${MOE_CLINIC_SKIP_GPU:-}" = 1 ]; then
  echo "== GPU tests SKIPPED (MOE_CLINIC_SKIP_GPU=1): lavapipe parity and the Hugging Face fixtures on the GPU did not run"
  if [ "${MOE_CLINIC_ACCEPT_GPU_SKIP:-}" != 1 ]; then
    echo "   failing the run; set MOE_CLINIC_ACCEPT_GPU_SKIP=1 as well to accept a run without them" >&2
    exit 1
  fi
  echo "== the other tiers passed (GPU skip accepted with MOE_CLINIC_ACCEPT_GPU_SKIP=1)"
  exit 0
fi
echo "== all test tiers passed"
