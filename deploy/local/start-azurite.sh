#!/usr/bin/env bash
# Starts Azurite (the pinned version in package.json) on loopback, data kept in deploy/local/.azurite,
# and waits until all three services answer. Does nothing if it is already running.
set -euo pipefail
source "$(dirname "$0")/env.sh"
mkdir -p "$RUN_DIR" "$AZURITE_DATA"

if [[ -f "$RUN_DIR/azurite.pid" ]] && kill -0 "$(cat "$RUN_DIR/azurite.pid")" 2>/dev/null; then
  echo "Azurite already running (pid $(cat "$RUN_DIR/azurite.pid"))"
  exit 0
fi
if [[ ! -x "$LOCAL_DIR/node_modules/.bin/azurite" ]]; then
  (cd "$LOCAL_DIR" && npm ci --no-audit --no-fund)
fi
nohup "$LOCAL_DIR/node_modules/.bin/azurite" --silent --skipApiVersionCheck --disableTelemetry \
  --location "$AZURITE_DATA" \
  --blobHost 127.0.0.1 --blobPort "$AZURITE_BLOB_PORT" \
  --queueHost 127.0.0.1 --queuePort "$AZURITE_QUEUE_PORT" \
  --tableHost 127.0.0.1 --tablePort "$AZURITE_TABLE_PORT" \
  >"$RUN_DIR/azurite.log" 2>&1 &
echo $! >"$RUN_DIR/azurite.pid"
wait_for_port 127.0.0.1 "$AZURITE_BLOB_PORT" 60 "Azurite blob"
wait_for_port 127.0.0.1 "$AZURITE_QUEUE_PORT" 60 "Azurite queue"
wait_for_port 127.0.0.1 "$AZURITE_TABLE_PORT" 60 "Azurite table"
echo "Azurite up (pid $(cat "$RUN_DIR/azurite.pid")): tables on 127.0.0.1:$AZURITE_TABLE_PORT, data in $AZURITE_DATA"
