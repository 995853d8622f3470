#!/usr/bin/env bash
# Publishes the silo into deploy/container/publish (what the Dockerfile copies into the image) and
# checks that the published output starts as the container would run it: `dotnet
# OrleansOrders.Silo.dll` from that folder, the Production environment, one silo with localhost
# clustering and memory storage, no demo seed, on free ports away from the usual ones. It waits for
# GET /health to answer 200 and for an authenticated grain call to answer, then stops the silo.
#
#   deploy/container/publish.sh                 # publish + start check
#   PUBLISH_SKIP_START_CHECK=1 deploy/container/publish.sh   # publish only
set -euo pipefail

CONTAINER_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$CONTAINER_DIR/../.." && pwd)"
PUBLISH_DIR="$CONTAINER_DIR/publish"
DLL=OrleansOrders.Silo.dll
START_TIMEOUT="${PUBLISH_START_TIMEOUT:-120}"

fail() { echo "publish.sh: FAILED: $*" >&2; exit 1; }

echo "==> dotnet publish src/OrleansOrders.Silo -c Release -o deploy/container/publish"
rm -rf "$PUBLISH_DIR"
LOG_DIR="$(mktemp -d)"
if ! (cd "$REPO_ROOT" && dotnet publish src/OrleansOrders.Silo -c Release -o deploy/container/publish --nologo) >"$LOG_DIR/publish.log" 2>&1; then
  cat "$LOG_DIR/publish.log" >&2
  fail "dotnet publish did not succeed (log above)"
fi
[[ -f "$PUBLISH_DIR/$DLL" ]] || fail "the publish output has no $DLL (the Dockerfile's ENTRYPOINT runs it)"
[[ -f "$PUBLISH_DIR/appsettings.json" ]] || fail "the publish output has no appsettings.json"
echo "    published $(find "$PUBLISH_DIR" -type f | wc -l) files, $(du -sh "$PUBLISH_DIR" | cut -f1)"

if [[ "${PUBLISH_SKIP_START_CHECK:-}" == 1 ]]; then
  echo "==> start check skipped (PUBLISH_SKIP_START_CHECK=1)"
  exit 0
fi

# Ports: the first free ones from these bases, so the check neither collides with a developer's
# silo (22111/40111/5310), the local cluster (22211-22213, 40211-40213, 5311-5313) nor Orleans'
# defaults (11111/30000).
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() {
  local p=$1
  while port_in_use "$p"; do p=$((p + 1)); done
  echo "$p"
}
SILO_PORT="$(free_port "${PUBLISH_CHECK_SILO_PORT:-22391}")"
GATEWAY_PORT="$(free_port "${PUBLISH_CHECK_GATEWAY_PORT:-40391}")"
HTTP_PORT="$(free_port "${PUBLISH_CHECK_HTTP_PORT:-5391}")"
for p in "$SILO_PORT" "$GATEWAY_PORT" "$HTTP_PORT"; do
  case "$p" in 11111|30000|22111|40111|5310|5311|5312|5313) fail "refusing to use reserved port $p" ;; esac
done
BASE="http://127.0.0.1:$HTTP_PORT"
# Outside the Development environment the grid refuses to start without API keys: give it a
# throw-away operator key, as the Kubernetes secret gives the pods theirs.
API_KEY="publish-check-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"

echo "==> starting the published silo: silo port $SILO_PORT, gateway $GATEWAY_PORT, HTTP $BASE (log $LOG_DIR/silo.log)"
(
  cd "$PUBLISH_DIR"
  exec env -u ASPNETCORE_ENVIRONMENT -u DOTNET_ENVIRONMENT \
    ASPNETCORE_ENVIRONMENT=Production \
    Urls="$BASE" \
    Demo__Seed=false \
    GridHost__Clustering=Localhost \
    GridHost__Storage=Memory \
    GridHost__Kubernetes=false \
    GridHost__ClusterId="publish-check-$$" \
    GridHost__SiloPort="$SILO_PORT" \
    GridHost__GatewayPort="$GATEWAY_PORT" \
    Auth__Keys__publishcheck__Key="$API_KEY" \
    Auth__Keys__publishcheck__Role=storefront,operator \
    dotnet "$DLL"
) >"$LOG_DIR/silo.log" 2>&1 &
SILO_PID=$!

stop_silo() {
  if kill -0 "$SILO_PID" 2>/dev/null; then
    kill -TERM "$SILO_PID" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$SILO_PID" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$SILO_PID" 2>/dev/null && kill -KILL "$SILO_PID" 2>/dev/null || true
  fi
  wait "$SILO_PID" 2>/dev/null || true
}
trap stop_silo EXIT

status=000
started=$SECONDS
deadline=$((SECONDS + START_TIMEOUT))
until [[ "$status" == 200 ]]; do
  if ! kill -0 "$SILO_PID" 2>/dev/null; then
    tail -n 60 "$LOG_DIR/silo.log" >&2
    fail "the published silo exited before GET /health answered (log above)"
  fi
  if ((SECONDS > deadline)); then
    tail -n 60 "$LOG_DIR/silo.log" >&2
    fail "GET $BASE/health did not answer 200 within ${START_TIMEOUT}s (last status $status; log above)"
  fi
  sleep 0.5
  status="$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$BASE/health" || true)"
done
echo "    GET /health -> 200 after $((SECONDS - started))s"

# /health is anonymous and touches no grain: also make one authenticated call that goes through
# the grid (no demo seed, so an unknown SKU: 404 is the grid's answer; 401/5xx is a failure).
grid_status="$(curl -s -o /dev/null -w '%{http_code}' --max-time 30 -H "X-Api-Key: $API_KEY" "$BASE/availability/SKU-0001" || true)"
case "$grid_status" in
  200|404) echo "    GET /availability/SKU-0001 with the API key -> $grid_status (answered by the grid)" ;;
  *) tail -n 60 "$LOG_DIR/silo.log" >&2; fail "GET /availability/SKU-0001 answered $grid_status, expected 200 or 404 (log above)" ;;
esac

stop_silo
trap - EXIT
echo "==> OK: deploy/container/publish starts and serves /health; stopped it"
rm -rf "$LOG_DIR"
