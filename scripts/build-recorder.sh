#!/usr/bin/env bash
# Builds the recorder package's analysis: leaklens-core and leaklens-render
# compiled to wasm32 (tuned for speed: the wasm-node profile), bound for Node and Bun by
# wasm-bindgen, optimised by wasm-opt -O3 (npm binaryen), into
# packages/recorder/wasm/. Then `npm pack` in packages/recorder gives the
# installable tarball.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
out=packages/recorder/wasm
cargo build --locked -p leaklens-node --target wasm32-unknown-unknown --profile wasm-node
rm -rf "$out"
wasm-bindgen --target nodejs --out-dir "$out" \
  target/wasm32-unknown-unknown/wasm-node/leaklens_node.wasm
wasm-opt -O3 --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
  --enable-mutable-globals -o "$out/leaklens_node_bg.wasm" "$out/leaklens_node_bg.wasm"
# A CommonJS module inside an ESM package: say so for Node and Bun.
echo '{ "type": "commonjs" }' > "$out/package.json"
ls -l "$out"
