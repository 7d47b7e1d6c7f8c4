#!/usr/bin/env bash
# Peak memory and wall time of `leaklens analyze` on 1,000,000 snapshots, as
# NDJSON and as a JSON array, against the input size. Prints the figures
# recorded in docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked -p leaklens >/dev/null 2>&1
bin=./target/release/leaklens
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cycles=${CYCLES:-303030}   # 3.3 snapshots per cycle ≈ 1,000,000 snapshots
for fmt in ndjson json log; do
  f="$dir/run.$fmt"
  "$bin" generate --scenario step --rate 0.01 --cycles "$cycles" --format "$fmt" -o "$f"
  size=$(stat -c %s "$f")
  # Peak resident set size (KiB) from getrusage of the child.
  out=$(python3 - "$bin" "$f" <<'PY'
import resource, subprocess, sys, time
t = time.perf_counter()
subprocess.run([sys.argv[1], "analyze", sys.argv[2], "--format", "json"], stdout=subprocess.DEVNULL, check=True)
dt = time.perf_counter() - t
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, dt)
PY
)
  kib=${out% *}; secs=${out#* }
  python3 - "$fmt" "$size" "$kib" "$secs" <<'PY'
import sys
fmt, size, kib, secs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
print(f"{fmt:7s} input {size/1e6:7.1f} MB  peak RSS {kib*1024/1e6:7.1f} MB  ({kib*1024/size:.2f}x input)  "
      f"wall {secs:.2f} s  ({size/1e6/secs:.0f} MB/s end to end, read + parse + analyse + JSON)")
PY
done
