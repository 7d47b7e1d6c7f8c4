#!/usr/bin/env bash
# Native ingest + analyse of 1,000,000 snapshots (NDJSON, 242.7 MB) as the
# CLI does it (1 MB pushes into the Reader, then the analysis, on every
# core): the figure of issue 13 (>= 500 MB/s). Prints each run and the
# median, with the load average (the machine is shared: compare builds
# in alternation, `BASE=<another stages binary>`).
#
#   ./scripts/bench-speed.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-9}
cargo build --release --locked -p leaklens -p leaklens-core --features leaklens-core/parallel \
  --example stages >/dev/null 2>&1
target=${CARGO_TARGET_DIR:-target}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
file="$dir/run.ndjson"
"$target/release/leaklens" generate --scenario step --rate 0.01 --cycles 303030 -o "$file"
builds=("$target/release/examples/stages")
[ -n "${BASE:-}" ] && builds+=("$BASE")
for ((k = 0; k < runs; k++)); do
  for b in "${builds[@]}"; do
    line=$("$b" "$file" 1)
    echo "$(basename "$(dirname "$b")")/$(basename "$b") load $(cut -d' ' -f1 /proc/loadavg): $line"
  done
done | tee "$dir/runs.txt"
python3 - "$dir/runs.txt" "$(stat -c %s "$file")" <<'PY'
import re, statistics, sys
size = int(sys.argv[2])
by = {}
for line in open(sys.argv[1]):
    name = line.split(" load ")[0]
    total = re.search(r"total ([0-9.]+)(ms|s)", line)
    ms = float(total.group(1)) * (1 if total.group(2) == "ms" else 1000)
    by.setdefault(name, []).append(ms)
for name, ms in by.items():
    med = statistics.median(ms)
    print(f"{name}: median {med:.0f} ms = {size / 1e6 / med * 1000:.0f} MB/s "
          f"(best {min(ms):.0f} ms = {size / 1e6 / min(ms) * 1000:.0f} MB/s, {len(ms)} runs)")
PY
