#!/usr/bin/env bash
# The main job: installs the tools, builds leaklens with the viewer built in, prints the
# analysis of a bundled sample, then runs `leaklens serve` (the viewer and the
# upload API) and prints the URL that opens the viewer on that sample.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
sample=${1:-leak-heap-steps.json}
addr=${ADDR:-127.0.0.1:8080}
./scripts/build-release.sh
./target/release/leaklens analyze "static/samples/$sample" --limit rss=2048 || true
echo
echo "Open the viewer on the sample $sample:"
echo "    http://$addr/?src=samples/$sample"
echo
exec ./target/release/leaklens serve --addr "$addr" --data "${LEAKLENS_DATA:-leaklens-data}"
