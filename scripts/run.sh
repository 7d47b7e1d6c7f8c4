#!/usr/bin/env bash
# The main job: builds leaklens and analyses a bundled sample run.
set -euo pipefail
cd "$(dirname "$0")/.."
sample=${1:-static/samples/leak-heap-steps.json}
cargo build --release --locked -p leaklens
./target/release/leaklens analyze "$sample" --limit rss=2048 "${@:2}"
