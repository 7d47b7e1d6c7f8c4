#!/usr/bin/env bash
# Runs every check and every test: formatting, clippy (native, and wasm32 for
# the crates the browser shares), all native tests, and the core's tests
# compiled to wasm32 (wasm-bindgen-test in Node), which must give the same
# byte-identical reports as the native build.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

say "cargo fmt --check"
cargo fmt --all --check

say "clippy (native)"
cargo clippy --workspace --exclude leaklens-web --all-targets --locked -- -D warnings

say "clippy (wasm32: core, protocol, chart, heap and render, no I/O, clock or threads)"
CLIPPY_CONF_DIR=scripts/clippy_wasm cargo clippy --locked -p leaklens-core -p leaklens-protocol -p leaklens-chart -p leaklens-heap -p leaklens-render \
  -p leaklens-node --target wasm32-unknown-unknown -- -D warnings

say "tests (native)"
cargo test --locked
cargo test --locked -p leaklens-web --lib -p leaklens-node
# The export module's metrics readers (issue 16): the bundled metrics
# exports, re-written as NDJSON for the page, read back to the CLI's report.
cargo test --locked -p leaklens-web --lib --features metrics metrics

say "object store: the S3 store and two servers on one bucket (moto's S3 server)"
./scripts/test-s3.sh

say "tests (wasm32: the core's fixture tests under wasm-bindgen-test)"
cargo test --locked -p leaklens-core --target wasm32-unknown-unknown --test golden

say "clippy (the web viewer and its heap module, wasm32)"
cargo clippy --locked -p leaklens-web --target wasm32-unknown-unknown -- -D warnings
cargo clippy --locked -p leaklens-web --features metrics --target wasm32-unknown-unknown -- -D warnings
CLIPPY_CONF_DIR=scripts/clippy_wasm cargo clippy --locked -p leaklens-heapview --target wasm32-unknown-unknown -- -D warnings

say "structure: no file over 800 lines, no function over 150 (outside tests)"
./scripts/check-structure.sh

say "build the viewer (trunk, release), and a leaklens with it embedded"
./scripts/build-web.sh
LEAKLENS_EMBED_VIEWER="$PWD/dist" cargo build --locked -p leaklens

say "the page's wasm within its budget (issue 14: 340 KiB gzip -9)"
page=$(ls dist/leaklens-web-*_bg.wasm)
size=$(gzip -9c "$page" | wc -c)
echo "page wasm: $size bytes gzip -9 (budget 348160)" >&2
[ "$size" -le 348160 ] || { echo "the page's wasm is over its budget" >&2; exit 1; }

say "browser tests (headless Debian chromium, playwright-core)"
node --test --test-concurrency=1 tests/e2e/

say "the recorder package (wasm analysis for Node and Bun; real chromium workers)"
./scripts/build-recorder.sh
node --test --test-concurrency=1 packages/recorder/test/
say "the recorder package under Bun (npm's bun: the same tests, the workers under Bun)"
if node_modules/.bin/bun --version >/dev/null 2>&1; then
  (cd packages/recorder && ../../node_modules/.bin/bun test --timeout 120000 ./test/)
else
  say "SKIPPED: npm's bun did not install a runnable binary on this machine"
fi

say "all checks passed"
