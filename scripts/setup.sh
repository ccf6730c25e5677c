# Sourced by serve.sh and test.sh: installs what a fresh Debian machine lacks, checking
# each step first so that a second run costs seconds. `build` gets the wasm toolchain;
# `test` adds Chromium, its driver and Mesa's software Vulkan (lavapipe).
# Only the package registries are needed: Debian, the Rust crate registry and npm.

moe_setup() {
  local mode=${1:-build}
  local root
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  export PATH="$HOME/.cargo/bin:$PATH"

  local packages=()
  [ "$mode" = test ] && packages+=(chromium chromium-driver mesa-vulkan-drivers libvulkan1)
  local missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo=sudo
    $sudo apt-get update -q
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi

  command -v cargo >/dev/null || { echo "setup: cargo not found; install Rust with rustup first" >&2; return 1; }
  rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
  if [ "$mode" = test ]; then
    for component in clippy rustfmt; do
      rustup component list --installed | grep -q "^$component" || rustup component add "$component"
    done
  fi

  if [ "$(wasm-pack --version 2>/dev/null)" != "wasm-pack 0.15.1" ]; then
    echo "setup: installing wasm-pack 0.15.1 (a few minutes)"
    cargo install wasm-pack --version 0.15.1 --locked
  fi
  # wasm-pack and the test runner need wasm-bindgen's CLI at exactly the library's version.
  # No --locked: its own lockfile pins a crate version the registry mirror may lack.
  local bindgen
  bindgen=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3 }' "$root/Cargo.lock")
  if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $bindgen" ]; then
    echo "setup: installing wasm-bindgen-cli $bindgen (a few minutes)"
    cargo install wasm-bindgen-cli --version "$bindgen" --force
  fi

  # npm's binaryen (wasm-opt 132) must come before Debian's wasm-opt 108, which silently
  # breaks the wasm; playwright-core and axe-core drive the page tests.
  if ! cmp -s "$root/package-lock.json" "$root/node_modules/.package-lock-copy.json" 2>/dev/null; then
    (cd "$root" && npm ci --no-audit --no-fund --loglevel=error)
    cp "$root/package-lock.json" "$root/node_modules/.package-lock-copy.json"
  fi
  export PATH="$root/node_modules/.bin:$PATH"
  [ "$(wasm-opt --version)" = "wasm-opt version 132 (version_132)" ] || { echo "setup: wrong wasm-opt on PATH: $(command -v wasm-opt)" >&2; return 1; }
}

moe_setup "$@"
