#!/usr/bin/env bash
# Stops the local cluster's silos and Azurite. --wipe also deletes Azurite's data.
set -uo pipefail
source "$(dirname "$0")/env.sh"

stop() { # name pidfile
  [[ -f "$2" ]] || return 0
  local pid
  pid=$(cat "$2")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    echo "stopped $1 (pid $pid)"
  fi
  rm -f "$2"
}

for pidfile in "$RUN_DIR"/silo*.pid; do
  [[ -e "$pidfile" ]] && stop "$(basename "$pidfile" .pid)" "$pidfile"
done
stop azurite "$RUN_DIR/azurite.pid"
if [[ "${1:-}" == "--wipe" ]]; then
  rm -rf "$AZURITE_DATA"
  echo "deleted $AZURITE_DATA"
fi
