#!/usr/bin/env bash
# Builds the one binary a team deploys: the viewer (trunk, release) embedded
# in target/release/leaklens, so `leaklens serve` and `leaklens report` need
# nothing else. (Plain `cargo build` gives a binary without the viewer; it
# then serves ./dist or --viewer DIR.)
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/build-web.sh
LEAKLENS_EMBED_VIEWER="$PWD/dist" cargo build --release --locked -p leaklens
echo "built target/release/leaklens with the viewer embedded" >&2
