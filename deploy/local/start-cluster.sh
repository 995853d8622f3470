#!/usr/bin/env bash
# Starts Azurite and a durable cluster of SILO_COUNT (default 3) silos on this machine: Azure
# Table membership, grain state and reminders in Azurite. Silo 1 seeds the demo network.
set -euo pipefail
source "$(dirname "$0")/env.sh"
mkdir -p "$RUN_DIR"

"$LOCAL_DIR/start-azurite.sh"

echo "Building the silo (Release)..."
dotnet build "$REPO_ROOT/src/OrleansOrders.Silo" -c Release -o "$RUN_DIR/silo" --nologo -v quiet >"$RUN_DIR/build.log" 2>&1 \
  || { cat "$RUN_DIR/build.log"; exit 1; }

for i in $(seq 1 "$SILO_COUNT"); do
  if [[ -f "$RUN_DIR/silo$i.pid" ]] && kill -0 "$(cat "$RUN_DIR/silo$i.pid")" 2>/dev/null; then
    echo "silo $i already running (pid $(cat "$RUN_DIR/silo$i.pid"))"
    continue
  fi
  seed=false
  [[ $i -eq 1 ]] && seed=true
  start_silo "$i" "$seed"
  echo "silo $i starting (pid $(cat "$RUN_DIR/silo$i.pid")), log $RUN_DIR/silo$i.log"
done

for i in $(seq 1 "$SILO_COUNT"); do
  wait_for_port 127.0.0.1 "$(http_port "$i")" 120 "silo $i HTTP"
done
until curl -sf -H "X-Api-Key: $STOREFRONT_KEY" "http://localhost:$(http_port 1)/availability/SKU-0001" >/dev/null; do sleep 0.5; done

echo
echo "Cluster '$CLUSTER_ID' is up: $SILO_COUNT silos, state in Azurite ($AZURITE_DATA)."
for i in $(seq 1 "$SILO_COUNT"); do
  echo "  silo $i: HTTP http://localhost:$(http_port "$i")  silo port $(silo_port "$i")  gateway $(gateway_port "$i")"
done
echo "Try: curl -s -H 'X-Api-Key: $STOREFRONT_KEY' http://localhost:$(http_port 2)/availability/SKU-0001"
echo "Stop: deploy/local/stop-cluster.sh   (data stays in $AZURITE_DATA; add --wipe to delete it)"
