#!/usr/bin/env bash
# The main job: builds leaklens and the viewer, prints the analysis of a
# bundled sample, then serves the viewer on it locally and prints the URL.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
sample=${1:-leak-heap-steps.json}
port=${PORT:-8080}
cargo build --release --locked -p leaklens
./target/release/leaklens analyze "static/samples/$sample" --limit rss=2048 || true
./scripts/build-web.sh
echo
echo "leaklens viewer on the sample $sample:"
echo "    http://127.0.0.1:$port/?src=samples/$sample"
echo "(Ctrl-C to stop)"
exec python3 -m http.server "$port" --bind 127.0.0.1 --directory dist
