#!/usr/bin/env bash
# Installs what the build and the tests need, idempotently: every step is
# skipped when its tool is already there at the right version.
# Only crates.io, npm, PyPI and Debian are reachable: nothing here downloads
# a prebuilt binary from anywhere else.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# The wasm32 target (rustup's own download works here).
if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# wasm-bindgen-cli: exactly the version of the wasm-bindgen crate in Cargo.lock.
wb_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3; exit }' Cargo.lock)
if [ -z "$wb_version" ]; then
  echo "setup: cannot find the wasm-bindgen version in Cargo.lock" >&2
  exit 1
fi
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$wb_version" ] \
  || ! command -v wasm-bindgen-test-runner >/dev/null; then
  say "installing wasm-bindgen-cli $wb_version (a few minutes, once)"
  # Not --locked: its lockfile wants a webpki-roots release this registry lacks.
  cargo install wasm-bindgen-cli --version "$wb_version"
fi

# trunk (builds the browser viewer). Its release profile uses fat LTO and one
# codegen unit (~20 min here); without them it builds in half the time and
# works the same.
if [ "$(trunk --version 2>/dev/null)" != "trunk 0.21.14" ]; then
  say "installing trunk 0.21.14 (about 10 minutes, once)"
  CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
    cargo install trunk --locked --version 0.21.14
fi

# npm tools: wasm-opt (binaryen 132; Debian's 108 breaks the wasm),
# playwright-core (drives Debian's chromium; it never downloads a browser)
# and bun (the recorder's tests under Bun; npm's package, from the registry).
if [ ! -x node_modules/.bin/wasm-opt ] || [ ! -d node_modules/playwright-core ] \
  || [ ! -x node_modules/.bin/bun ] \
  || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm tools (binaryen, playwright-core, bun)"
  npm ci --no-audit --no-fund
fi

# Debian's chromium for the browser tests.
if [ ! -x /usr/bin/chromium ]; then
  say "installing Debian's chromium"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y chromium
fi

# moto's S3 server (PyPI) for the object-store tests (scripts/test-s3.sh), in
# a venv under .cache/. 5.2.6 checks `If-None-Match: *` on PUT. Without it
# those tests are skipped, and say so.
if ! .cache/venv/bin/python -c 'import moto.server, werkzeug' 2>/dev/null; then
  say "installing moto[server] 5.2.6 (PyPI) into .cache/venv"
  # Debian ships the venv module apart (python3-venv).
  if ! python3 -c 'import ensurepip' 2>/dev/null; then
    sudo_cmd=""
    [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y python3-venv || true
  fi
  rm -rf .cache/venv
  { python3 -m venv .cache/venv && .cache/venv/bin/pip install -q 'moto[server]==5.2.6'; } \
    || say "moto could not be installed: the object-store tests will be skipped"
fi
