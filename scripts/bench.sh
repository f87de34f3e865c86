#!/usr/bin/env bash
# Runs the load tool (cmd/bench) against a freshly built server on a scratch database
# (podium_bench, recreated each run) on this machine, then stops the server.
# Usage: scripts/bench.sh [bench flags…]   e.g. scripts/bench.sh -duration 20s -scenario http
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

addr=127.0.0.1:18090
db_url="${PODIUM_BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/podium_bench?sslmode=disable}"
bin=$(mktemp -d)
trap 'kill "${server_pid:-}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$bin"' EXIT

go build -o "$bin/podium" ./cmd/server
go build -o "$bin/bench" ./cmd/bench
psql -q "${db_url%/*}/postgres?sslmode=disable" -c 'DROP DATABASE IF EXISTS podium_bench WITH (FORCE)' >/dev/null

PODIUM_ADDR=$addr PODIUM_AUTH=off PODIUM_DATABASE_URL=$db_url PODIUM_LOG_LEVEL=warn PODIUM_DB_MAX_CONNS=16 \
	"$bin/podium" serve >"$bin/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do
	curl -fsS "http://$addr/health" >/dev/null 2>&1 && break
	sleep 0.1
done
"$bin/bench" -addr "http://$addr" "$@"
