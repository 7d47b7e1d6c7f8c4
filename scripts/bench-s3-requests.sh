#!/usr/bin/env bash
# Counts the object-store requests of `leaklens serve --store` operations
# (from moto's request log): an append, a read of a run, a report.
# APPENDS=320 scripts/bench-s3-requests.sh (after cargo build --release -p leaklens;
# LEAKLENS_BIN=path picks another build: the counts do not depend on it)
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
.cache/venv/bin/python scripts/moto-s3.py >"$work/port" 2>"$work/moto.log" &
moto=$!
srv=0; trap 'rc=$?; kill $moto $srv 2>/dev/null || true; rm -rf $work; exit $rc' EXIT
sleep 2; port=$(head -1 "$work/port")
export AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x AWS_REGION=us-east-1 AWS_ENDPOINT_URL=http://127.0.0.1:$port AWS_ALLOW_HTTP=true
curl -fsS -X PUT "$AWS_ENDPOINT_URL/bench-bucket" >/dev/null
"${LEAKLENS_BIN:-${CARGO_TARGET_DIR:-target}/release/leaklens}" serve --addr 127.0.0.1:0 --store s3://bench-bucket/p --retention-days 0 >"$work/out" 2>/dev/null &
srv=$!
sleep 2; base=$(head -1 "$work/out" | sed 's/.*serving on //; s#/$##')
count() { sleep 0.5; grep -c 'HTTP/1.1' "$work/moto.log" || true; }
run=$(curl -sS -X POST "$base/api/runs" -H 'Content-Type: application/x-ndjson' --data-binary '')
id=$(echo "$run" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
tok=$(echo "$run" | python3 -c 'import json,sys; print(json.load(sys.stdin)["write_token"])')
n0=$(count); t0=$(date +%s.%N)
for i in $(seq 1 ${APPENDS:-320}); do
  curl -fsS -o /dev/null -X POST "$base/api/runs/$id/snapshots" -H "Authorization: Bearer $tok" \
    --data-binary "{\"cycle\":$i,\"label\":\"After cleanup\",\"nodejs\":{\"heapUsed\":$((50+i)),\"heapTotal\":90,\"rss\":200}}"
done
t1=$(date +%s.%N); n1=$(count)
curl -fsS -o /dev/null "$base/api/runs/$id"; n2=$(count)
curl -sS -o /dev/null -H 'Range: bytes=1000-' "$base/api/runs/$id"; n3=$(count)
up=$(curl -fsS -X POST "$base/api/reports" --data-binary @static/samples/leak-heap-steps.json); n4=$(count)
rid=$(echo "$up" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
curl -fsS -o /dev/null "$base/api/reports/$rid"; n5=$(count)
echo "appends: ${APPENDS:-320}, requests $((n1-n0)) ($(python3 -c "print(round(($n1-$n0)/${APPENDS:-320},1))") per append), $(python3 -c "print(round(($t1-$t0)*1000/${APPENDS:-320},1))") ms per append (curl, one at a time)"
echo "read the whole run: $((n2-n1)) requests; from byte 1000: $((n3-n2))"
echo "upload a report: $((n4-n3)); read it: $((n5-n4))"
echo "objects under the run: $(grep -o "PUT /bench-bucket/p/runs/$id/[a-z]*" "$work/moto.log" | sort | uniq -c | tr '\n' ' ')"
