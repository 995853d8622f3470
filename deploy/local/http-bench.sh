#!/usr/bin/env bash
# HTTP benchmark: orders through the HTTP API, measured with autocannon (deploy/local/http-bench.mjs).
# Starts the embedded default silo (one silo, localhost clustering, memory storage, demo network)
# and the standalone gateway (src/OrleansOrders.Gateway) in front of it, on ports of its own
# (silo 22510/40510, HTTP 5510; gateway HTTP 5520) with its own cluster and service ids; measures
# /health and POST /orders on each; prints orders/s as a ratio of /health req/s in the same run and
# the gateway's overhead per order; stops both. The per-key rate limit is lifted for the run (as an
# operator would for a trusted load source); everything else is the shipped configuration.
#
# Tuning (environment): HTTP_BENCH_DURATION seconds per measurement (15), HTTP_BENCH_CONNECTIONS (32),
# HTTP_BENCH_OUT result file (deploy/local/.run/http-bench/result.json).
set -euo pipefail

LOCAL_DIR="$(cd "$(dirname "$0")" && pwd)"
REPO_ROOT="$(cd "$LOCAL_DIR/../.." && pwd)"
RUN_DIR="$LOCAL_DIR/.run/http-bench"
DURATION="${HTTP_BENCH_DURATION:-15}"
CONNECTIONS="${HTTP_BENCH_CONNECTIONS:-32}"
OUT="${HTTP_BENCH_OUT:-$RUN_DIR/result.json}"
ID="httpbench$(date +%H%M%S)$RANDOM"
SILO_HTTP=5510 GATEWAY_HTTP=5520
mkdir -p "$RUN_DIR"

[[ -x "$LOCAL_DIR/node_modules/.bin/autocannon" ]] || (cd "$LOCAL_DIR" && npm ci --no-audit --no-fund >/dev/null)
dotnet build -c Release "$REPO_ROOT/src/OrleansOrders.Silo" -v q -nologo >/dev/null
dotnet build -c Release "$REPO_ROOT/src/OrleansOrders.Gateway" -v q -nologo >/dev/null

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

wait_for() { # url seconds what
  local deadline=$((SECONDS + $2))
  until curl -fsS -o /dev/null -H 'X-Api-Key: dev-storefront-key' "$1" 2>/dev/null; do
    if ((SECONDS > deadline)); then echo "timed out waiting for $3 ($1); logs in $RUN_DIR" >&2; exit 3; fi
    sleep 0.5
  done
}

limits=(Http__PermitsPerSecondPerKey=1000000 Http__BurstPerKey=1000000)
(cd "$REPO_ROOT/src/OrleansOrders.Silo/bin/Release/net10.0" &&
  exec env ASPNETCORE_ENVIRONMENT=Development Urls="http://localhost:$SILO_HTTP" GridHost__ClusterId="$ID" GridHost__ServiceId="$ID" \
    GridHost__SiloPort=22510 GridHost__GatewayPort=40510 "${limits[@]}" \
    dotnet OrleansOrders.Silo.dll >"$RUN_DIR/silo.log" 2>&1) &
pids+=($!)
wait_for "http://localhost:$SILO_HTTP/availability/SKU-0200" 120 "the silo's demo network"

(cd "$REPO_ROOT/src/OrleansOrders.Gateway/bin/Release/net10.0" &&
  exec env ASPNETCORE_ENVIRONMENT=Development Urls="http://localhost:$GATEWAY_HTTP" OrderGrid__ClusterId="$ID" OrderGrid__ServiceId="$ID" \
    OrderGrid__GatewayPorts__0=40510 "${limits[@]}" \
    dotnet OrleansOrders.Gateway.dll >"$RUN_DIR/gateway.log" 2>&1) &
pids+=($!)
wait_for "http://localhost:$GATEWAY_HTTP/availability/SKU-0200" 60 "the gateway"

node "$LOCAL_DIR/http-bench.mjs" --silo "http://localhost:$SILO_HTTP" --gateway "http://localhost:$GATEWAY_HTTP" \
  --duration "$DURATION" --connections "$CONNECTIONS" --out "$OUT"
echo "result: $OUT"
