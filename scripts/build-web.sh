#!/usr/bin/env bash
# Builds the browser viewer into dist/ (release, wasm-opt from npm binaryen).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export TRUNK_SKIP_VERSION_CHECK=true
trunk build --release "$@"
