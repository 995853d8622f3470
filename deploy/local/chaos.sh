#!/usr/bin/env bash
# Chaos run of the durable cluster: three silos on Azurite under HTTP order load; kill -9 of a silo
# and its restart; a stop (SIGTERM) and restart of Azurite; then the auditor over every order the
# grid acknowledged. Prints orders accepted, lost, units oversold and holds leaked; exits 1 on any
# (or on any other audit violation), 3 when the run itself could not be carried out.
#
# It runs a cluster of its own beside yours (ports 22410+i / 40410+i / 5410+i, Azurite on
# 10410-10412, state in deploy/local/.run/chaos, its own cluster and service ids) and removes it at
# the end (CHAOS_KEEP=1 keeps it running). Azurite is stopped with SIGTERM, never kill -9: its
# in-memory tables are saved every few seconds, so a kill -9 would lose writes it acknowledged,
# which is not a failure the grid can be asked to survive.
#
# Tuning (environment): CHAOS_PHASE seconds between steps (10), CHAOS_OUTAGE seconds Azurite is
# down (8), CHAOS_CONCURRENCY HTTP workers (12), CHAOS_SETTLE seconds before the audit (20).
set -euo pipefail

export RUN_DIR="${RUN_DIR:-$(cd "$(dirname "$0")" && pwd)/.run/chaos}"
export AZURITE_DATA="${AZURITE_DATA:-$RUN_DIR/azurite}"
export AZURITE_BLOB_PORT="${AZURITE_BLOB_PORT:-10410}" AZURITE_QUEUE_PORT="${AZURITE_QUEUE_PORT:-10411}" AZURITE_TABLE_PORT="${AZURITE_TABLE_PORT:-10412}"
export SILO_PORT_BASE="${SILO_PORT_BASE:-22410}" GATEWAY_PORT_BASE="${GATEWAY_PORT_BASE:-40410}" HTTP_PORT_BASE="${HTTP_PORT_BASE:-5410}"
export SILO_COUNT=3
run_id="chaos$(date +%H%M%S)$RANDOM"
export CLUSTER_ID="${CLUSTER_ID:-$run_id}" SERVICE_ID="${SERVICE_ID:-$run_id}"
source "$(dirname "$0")/env.sh"

PHASE="${CHAOS_PHASE:-10}"
OUTAGE="${CHAOS_OUTAGE:-8}"
CONCURRENCY="${CHAOS_CONCURRENCY:-12}"
SETTLE="${CHAOS_SETTLE:-20}"
NETWORK=(--network-seed 7 --nodes 8 --skus 40)
CLUSTER=(--gateway-port "$(gateway_port 1)" --cluster-id "$CLUSTER_ID" --service-id "$SERVICE_ID")
OUT="$RUN_DIR/out"
load_pid=""

cleanup() {
  [[ -n "$load_pid" ]] && kill "$load_pid" 2>/dev/null || true
  if [[ "${CHAOS_KEEP:-0}" != 1 ]]; then
    "$LOCAL_DIR/stop-cluster.sh" --wipe >/dev/null 2>&1 || true
  else
    echo "chaos cluster kept running (CHAOS_KEEP=1): stop it with RUN_DIR=$RUN_DIR AZURITE_DATA=$AZURITE_DATA deploy/local/stop-cluster.sh --wipe"
  fi
}
trap cleanup EXIT
step() { echo "[chaos $(date +%H:%M:%S)] $*"; }
fail_run() { echo "chaos run failed: $*" >&2; exit 3; }

"$LOCAL_DIR/stop-cluster.sh" --wipe >/dev/null 2>&1 || true   # a previous chaos run's leftovers
mkdir -p "$RUN_DIR" "$OUT"
step "starting Azurite and 3 silos (cluster $CLUSTER_ID)"
"$LOCAL_DIR/start-cluster.sh" >"$RUN_DIR/start.log" 2>&1 || { cat "$RUN_DIR/start.log"; fail_run "the cluster did not start"; }

step "building the load-test harness"
dotnet build "$REPO_ROOT/src/OrleansOrders.LoadTest" -c Release -o "$RUN_DIR/loadtest" --nologo -v quiet >"$RUN_DIR/build-loadtest.log" 2>&1 \
  || { cat "$RUN_DIR/build-loadtest.log"; fail_run "the harness did not build"; }
harness() { dotnet "$RUN_DIR/loadtest/OrleansOrders.LoadTest.dll" "$@"; }

step "seeding the synthetic network (${NETWORK[*]})"
harness seed "${NETWORK[@]}" "${CLUSTER[@]}" >"$RUN_DIR/seed.log" 2>&1 || { cat "$RUN_DIR/seed.log"; fail_run "seeding failed"; }

urls=$(for i in 1 2 3; do printf 'http://localhost:%s,' "$(http_port "$i")"; done)
step "HTTP load: $CONCURRENCY workers over ${urls%,}"
node "$LOCAL_DIR/chaos-load.mjs" --urls "${urls%,}" --key "$STOREFRONT_KEY" --skus 40 --concurrency "$CONCURRENCY" \
  --run "$run_id" --out "$OUT" >"$RUN_DIR/load.log" 2>&1 &
load_pid=$!
sleep "$PHASE"

victim=2
step "kill -9 silo $victim (pid $(cat "$RUN_DIR/silo$victim.pid"))"
kill -9 "$(cat "$RUN_DIR/silo$victim.pid")"
sleep "$PHASE"
step "restarting silo $victim"
start_silo "$victim" false
wait_for_port 127.0.0.1 "$(http_port "$victim")" 120 "silo $victim HTTP" || fail_run "silo $victim did not come back"
sleep "$PHASE"

azurite_pid=$(cat "$RUN_DIR/azurite.pid")
step "stopping Azurite (SIGTERM, pid $azurite_pid) for $OUTAGE s"
kill -TERM "$azurite_pid"
for _ in $(seq 1 100); do kill -0 "$azurite_pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$azurite_pid" 2>/dev/null && fail_run "Azurite did not stop on SIGTERM"
rm -f "$RUN_DIR/azurite.pid"
sleep "$OUTAGE"
step "restarting Azurite"
"$LOCAL_DIR/start-azurite.sh" >>"$RUN_DIR/start.log" 2>&1 || fail_run "Azurite did not restart"
sleep "$PHASE"

step "stopping the load; resubmitting orders whose outcome is unknown"
kill -TERM "$load_pid"
wait "$load_pid" || fail_run "the load generator failed: $(cat "$RUN_DIR/load.log")"
load_pid=""
cat "$RUN_DIR/load.log"
for i in 1 2 3; do
  kill -0 "$(cat "$RUN_DIR/silo$i.pid")" 2>/dev/null || fail_run "silo $i is not running after the chaos (log $RUN_DIR/silo$i.log)"
done

step "waiting $SETTLE s (orders interrupted mid-step finish, unanswered holds expire), then auditing"
sleep "$SETTLE"
set +e
harness audit "${NETWORK[@]}" "${CLUSTER[@]}" --orders-file "$OUT/accepted.txt" >"$RUN_DIR/audit.log" 2>&1
audit_exit=$?
set -e
[[ $audit_exit -le 1 ]] || { cat "$RUN_DIR/audit.log"; fail_run "the audit could not run (exit $audit_exit)"; }
grep -v '^violation:' "$RUN_DIR/audit.log" || true

accepted=$(grep -c . "$OUT/accepted.txt" || true)
unknown=$(grep -c . "$OUT/unknown.txt" || true)
violations=$(grep -c '^violation:' "$RUN_DIR/audit.log" || true)
lost=$(grep -c '^violation: .*(lost order)' "$RUN_DIR/audit.log" || true)
oversold=$(sed -n 's/^violation: .*: held \([0-9]*\) + committed \([0-9]*\) exceeds on hand \([0-9]*\) - safety \([0-9]*\) (oversold).*/\1 \2 \3 \4/p' "$RUN_DIR/audit.log" \
  | awk '{ s += $1 + $2 - ($3 - $4) } END { print s + 0 }')
leaked=$(grep -c '^violation: .*(leaked hold)' "$RUN_DIR/audit.log" || true)
leaked_units=$(sed -n "s/^violation: .*: hold '[^']*' of \([0-9]*\) units expired.*(leaked hold).*/\1/p" "$RUN_DIR/audit.log" | awk '{ s += $1 } END { print s + 0 }')
other=$((violations - lost - $(grep -c '^violation: .*(oversold)' "$RUN_DIR/audit.log" || true) - leaked))
grep '^violation:' "$RUN_DIR/audit.log" | head -20 || true

echo
echo "chaos result (cluster $CLUSTER_ID; logs in $RUN_DIR):"
echo "  orders accepted:      $accepted (acknowledged over HTTP; $unknown still unknown after resubmission)"
echo "  orders lost:          $lost"
echo "  units oversold:       $oversold"
echo "  holds leaked:         $leaked ($leaked_units units)"
echo "  other violations:     $other"
if ((lost + oversold + leaked + other > 0)) || [[ $audit_exit -ne 0 ]]; then
  echo "chaos run FAILED"
  exit 1
fi
echo "chaos run clean"
