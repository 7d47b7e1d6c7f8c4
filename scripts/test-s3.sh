#!/usr/bin/env bash
# The object-store tests against a real S3-compatible server: moto's server
# mode (PyPI, installed into .cache/venv by scripts/setup.sh), started here
# on a free port and stopped at the end. The Store contract on the S3 store,
# then two `leaklens serve --store s3://…` processes on one bucket (each
# serves the other's reports and live runs; kill -9 of one loses nothing it
# acknowledged).
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.cache/venv
if ! "$venv/bin/python" -c 'import moto.server, werkzeug' 2>/dev/null; then
  echo "SKIPPED: the object-store tests (moto is not installed in $venv: scripts/setup.sh could not install it)" >&2
  exit 0
fi

work=$(mktemp -d)
"$venv/bin/python" scripts/moto-s3.py >"$work/port" 2>"$work/moto.log" &
moto=$!
# Stops moto, keeping the tests' exit status (moto's own is 143, SIGTERM).
trap 'rc=$?; kill "$moto" 2>/dev/null || true; wait "$moto" 2>/dev/null || true; rm -rf "$work"; exit $rc' EXIT
for _ in $(seq 100); do
  [ -s "$work/port" ] && break
  sleep 0.1
done
port=$(head -n1 "$work/port")
if [ -z "$port" ]; then
  cat "$work/moto.log" >&2
  echo "moto's S3 server did not start" >&2
  exit 1
fi

export AWS_ACCESS_KEY_ID=leaklens AWS_SECRET_ACCESS_KEY=leaklens AWS_REGION=us-east-1
export AWS_ENDPOINT_URL="http://127.0.0.1:$port" AWS_ALLOW_HTTP=true
curl -fsS -X PUT "$AWS_ENDPOINT_URL/leaklens-test" >/dev/null
export LEAKLENS_TEST_S3="s3://leaklens-test/t$$"

cargo test --locked -p leaklens-server --features s3 --test store_contract
cargo test --locked -p leaklens --test s3_serve
